package dev.aigw;

import dev.aigw.internal.GatewayHeaders;

import java.util.Map;

/**
 * Turns {@link CallOptions} into {@code cf-aig-*} request headers. Every value written here is printable ASCII:
 * tokens were checked when set, and metadata is JSON with everything outside printable ASCII escaped, so no CR, LF or
 * other control character can reach a header. Beside {@link CallOptions} (not in the internal package) so that the
 * internal header names never need to know the options type.
 */
final class OptionHeaders {
    private OptionHeaders() {
    }

    /** Adds the option headers to {@code out} (insertion order is the wire order). */
    static void write(CallOptions o, Map<String, String> out) {
        if (o.cacheTtl() != null) {
            out.put(GatewayHeaders.CACHE_TTL, Long.toString(o.cacheTtl().getSeconds()));
        }
        if (o.skipCache() != null) {
            out.put(GatewayHeaders.SKIP_CACHE, o.skipCache().toString());
        }
        if (o.cacheKey() != null) {
            out.put(GatewayHeaders.CACHE_KEY, o.cacheKey());
        }
        if (o.collectLog() != null) {
            out.put(GatewayHeaders.COLLECT_LOG, o.collectLog().toString());
        }
        if (o.collectLogPayload() != null) {
            out.put(GatewayHeaders.COLLECT_LOG_PAYLOAD, o.collectLogPayload().toString());
        }
        if (o.requestTimeout() != null) {
            out.put(GatewayHeaders.REQUEST_TIMEOUT, Long.toString(o.requestTimeout().toMillis()));
        }
        if (o.maxAttempts() != null) {
            out.put(GatewayHeaders.MAX_ATTEMPTS, o.maxAttempts().toString());
        }
        if (o.retryDelay() != null) {
            out.put(GatewayHeaders.RETRY_DELAY, Long.toString(o.retryDelay().toMillis()));
        }
        if (o.backoff() != null) {
            out.put(GatewayHeaders.BACKOFF, o.backoff().headerValue());
        }
        if (o.eventId() != null) {
            out.put(GatewayHeaders.EVENT_ID, o.eventId());
        }
        if (o.customCost() != null) {
            out.put(GatewayHeaders.CUSTOM_COST, o.customCost());
        }
        if (o.byokAlias() != null) {
            out.put(GatewayHeaders.BYOK_ALIAS, o.byokAlias());
        }
        if (o.noWholesale() != null) {
            out.put(GatewayHeaders.NO_WHOLESALE, o.noWholesale().toString());
        }
        if (o.zeroDataRetention() != null) {
            out.put(GatewayHeaders.ZDR, o.zeroDataRetention().toString());
        }
        if (o.otelTraceId() != null) {
            out.put(GatewayHeaders.OTEL_TRACE_ID, o.otelTraceId());
            if (o.otelParentSpanId() != null) {
                out.put(GatewayHeaders.OTEL_PARENT_SPAN_ID, o.otelParentSpanId());
            }
        }
        if (!o.metadata().isEmpty()) {
            out.put(GatewayHeaders.METADATA, GatewayHeaders.metadataJson(o.metadata()));
        }
    }

    /** A readable rendering for toString(): the header names and values, no secrets in options. */
    static void describe(CallOptions o, StringBuilder sb) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        write(o, h);
        boolean first = true;
        for (Map.Entry<String, String> e : h.entrySet()) {
            if (!first) {
                sb.append(", ");
            }
            first = false;
            sb.append(e.getKey().substring(GatewayHeaders.PREFIX.length())).append('=').append(e.getValue());
        }
        if (!o.metadataDropped().isEmpty()) {
            sb.append(first ? "" : ", ").append("metadata-dropped=").append(o.metadataDropped());
        }
    }
}
