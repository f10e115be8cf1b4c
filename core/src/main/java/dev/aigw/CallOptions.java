package dev.aigw;

import dev.aigw.internal.Problems;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * The gateway's controls for one call, each turned into a {@code cf-aig-*} request header. Every
 * value is checked against the gateway's documented limits when it is set, so a bad value fails
 * where it was written, not at the gateway.
 *
 * <p>Options come in three layers: per call, the current {@link GatewayContext}, and the
 * gateway's defaults. A field set in a higher layer wins; metadata entries are merged, highest
 * layer first, and when more than {@value #MAX_METADATA} compete the extra (lowest-priority)
 * entries are dropped and reported in {@link ExchangeRecord#metadataDropped()}.
 */
public final class CallOptions {

    /** The gateway stores at most five metadata entries. */
    public static final int MAX_METADATA = 5;
    /** aigw's own bounds, to keep {@code cf-aig-metadata} a reasonable header. */
    static final int MAX_METADATA_KEY = 128;
    static final int MAX_METADATA_STRING = 1024;
    static final int MAX_TOKEN_LENGTH = 1024;
    static final long MIN_TTL_SECONDS = 60;
    static final long MAX_TTL_SECONDS = 2_592_000; // one month, 30 days
    static final int MAX_ATTEMPTS = 5;
    static final long MAX_RETRY_DELAY_MS = 5000;
    static final long MAX_REQUEST_TIMEOUT_MS = 3_600_000;

    /** No options at all. */
    public static final CallOptions NONE = new Builder().build();

    /** How the gateway spaces its retries ({@code cf-aig-backoff}). */
    public enum Backoff {
        CONSTANT, LINEAR, EXPONENTIAL;

        /** The header value: {@code constant}, {@code linear}, {@code exponential}. */
        public String headerValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    final Duration cacheTtl;
    final Boolean skipCache;
    final String cacheKey;
    final Boolean collectLog;
    final Boolean collectLogPayload;
    final Duration requestTimeout;
    final Integer maxAttempts;
    final Duration retryDelay;
    final Backoff backoff;
    final String eventId;
    final String customCost;
    final String byokAlias;
    final Boolean noWholesale;
    final Boolean zeroDataRetention;
    final String otelTraceId;
    final String otelParentSpanId;
    final Map<String, Object> metadata;
    final List<String> metadataDropped;

    // Memos for the call path: context and default layers are the same objects for many calls,
    // so their merge, their skip-cache variant and their headers are computed once. Each memo is
    // an immutable value published through a volatile field; a race only computes it twice.
    private volatile Object[] overMemo;
    private volatile CallOptions skipCacheMemo;
    private volatile Map<String, String> headersMemo;

    private CallOptions(Builder b, Map<String, Object> metadata, List<String> dropped) {
        this.cacheTtl = b.cacheTtl;
        this.skipCache = b.skipCache;
        this.cacheKey = b.cacheKey;
        this.collectLog = b.collectLog;
        this.collectLogPayload = b.collectLogPayload;
        this.requestTimeout = b.requestTimeout;
        this.maxAttempts = b.maxAttempts;
        this.retryDelay = b.retryDelay;
        this.backoff = b.backoff;
        this.eventId = b.eventId;
        this.customCost = b.customCost;
        this.byokAlias = b.byokAlias;
        this.noWholesale = b.noWholesale;
        this.zeroDataRetention = b.zeroDataRetention;
        this.otelTraceId = b.otelTraceId;
        this.otelParentSpanId = b.otelParentSpanId;
        this.metadata = Collections.unmodifiableMap(metadata);
        this.metadataDropped = List.copyOf(dropped);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.cacheTtl = cacheTtl;
        b.skipCache = skipCache;
        b.cacheKey = cacheKey;
        b.collectLog = collectLog;
        b.collectLogPayload = collectLogPayload;
        b.requestTimeout = requestTimeout;
        b.maxAttempts = maxAttempts;
        b.retryDelay = retryDelay;
        b.backoff = backoff;
        b.eventId = eventId;
        b.customCost = customCost;
        b.byokAlias = byokAlias;
        b.noWholesale = noWholesale;
        b.zeroDataRetention = zeroDataRetention;
        b.otelTraceId = otelTraceId;
        b.otelParentSpanId = otelParentSpanId;
        b.metadata.putAll(metadata);
        return b;
    }

    /**
     * Reads options from keys named as the settings ({@code aigw.cache-ttl},
     * {@code aigw.metadata}, ...), e.g. JAX-RS request properties. Unset keys stay unset.
     *
     * @throws GatewayConfigurationException naming the first bad key
     */
    public static CallOptions fromSettings(Function<String, String> source) {
        return fromSettings(source, "property");
    }

    static CallOptions fromSettings(Function<String, String> source, String origin) {
        return OptionSettings.read(source, origin);
    }

    /**
     * These options over {@code lower}: each field set here wins; metadata is merged with this
     * layer's entries first, and entries beyond {@value #MAX_METADATA} are dropped (listed in
     * {@link #metadataDropped()}).
     */
    public CallOptions over(CallOptions lower) {
        if (lower == null || lower == NONE || lower.isEmpty()) {
            return this;
        }
        if (this == NONE || isEmpty()) {
            return lower;
        }
        Object[] memo = overMemo;
        if (memo != null && memo[0] == lower) {
            return (CallOptions) memo[1];
        }
        CallOptions merged = merge(lower);
        overMemo = new Object[] {lower, merged};
        return merged;
    }

    private CallOptions merge(CallOptions lower) {
        Builder b = new Builder();
        b.cacheTtl = pick(cacheTtl, lower.cacheTtl);
        b.skipCache = pick(skipCache, lower.skipCache);
        b.cacheKey = pick(cacheKey, lower.cacheKey);
        b.collectLog = pick(collectLog, lower.collectLog);
        b.collectLogPayload = pick(collectLogPayload, lower.collectLogPayload);
        b.requestTimeout = pick(requestTimeout, lower.requestTimeout);
        b.maxAttempts = pick(maxAttempts, lower.maxAttempts);
        b.retryDelay = pick(retryDelay, lower.retryDelay);
        b.backoff = pick(backoff, lower.backoff);
        b.eventId = pick(eventId, lower.eventId);
        b.customCost = pick(customCost, lower.customCost);
        b.byokAlias = pick(byokAlias, lower.byokAlias);
        b.noWholesale = pick(noWholesale, lower.noWholesale);
        b.zeroDataRetention = pick(zeroDataRetention, lower.zeroDataRetention);
        if (otelTraceId != null) { // the trace and parent span ids are one fact: taken together from one layer
            b.otelTraceId = otelTraceId;
            b.otelParentSpanId = otelParentSpanId;
        } else {
            b.otelTraceId = lower.otelTraceId;
            b.otelParentSpanId = lower.otelParentSpanId;
        }

        Map<String, Object> merged = new LinkedHashMap<>(metadata);
        List<String> dropped = new ArrayList<>(metadataDropped);
        for (Map.Entry<String, Object> e : lower.metadata.entrySet()) {
            if (merged.containsKey(e.getKey())) {
                continue; // shadowed by the higher layer, not dropped
            }
            if (merged.size() < MAX_METADATA) {
                merged.put(e.getKey(), e.getValue());
            } else {
                dropped.add(e.getKey());
            }
        }
        for (String d : lower.metadataDropped) {
            if (!merged.containsKey(d) && !dropped.contains(d)) {
                dropped.add(d);
            }
        }
        return new CallOptions(b, merged, dropped);
    }

    /** These options with {@code skipCache=true}; metadata and drops unchanged. */
    CallOptions withSkipCache() {
        if (Boolean.TRUE.equals(skipCache)) {
            return this;
        }
        CallOptions c = skipCacheMemo;
        if (c == null) {
            Builder b = toBuilder().skipCache(true);
            c = new CallOptions(b, new LinkedHashMap<>(metadata), metadataDropped);
            skipCacheMemo = c;
        }
        return c;
    }

    /** The {@code cf-aig-*} headers of these options, in wire order (unmodifiable). */
    Map<String, String> headers() {
        Map<String, String> h = headersMemo;
        if (h == null) {
            Map<String, String> m = new LinkedHashMap<>();
            OptionHeaders.write(this, m);
            h = Collections.unmodifiableMap(m);
            headersMemo = h;
        }
        return h;
    }

    private static <T> T pick(T high, T low) {
        return high != null ? high : low;
    }

    public boolean isEmpty() {
        return cacheTtl == null && skipCache == null && cacheKey == null && collectLog == null
                && collectLogPayload == null && requestTimeout == null && maxAttempts == null
                && retryDelay == null && backoff == null && eventId == null && customCost == null
                && byokAlias == null && noWholesale == null && zeroDataRetention == null && otelTraceId == null
                && metadata.isEmpty() && metadataDropped.isEmpty();
    }

    public Duration cacheTtl() { return cacheTtl; }
    public Boolean skipCache() { return skipCache; }
    public String cacheKey() { return cacheKey; }
    public Boolean collectLog() { return collectLog; }
    public Boolean collectLogPayload() { return collectLogPayload; }
    public Duration requestTimeout() { return requestTimeout; }
    public Integer maxAttempts() { return maxAttempts; }
    public Duration retryDelay() { return retryDelay; }
    public Backoff backoff() { return backoff; }
    public String eventId() { return eventId; }
    /** The {@code cf-aig-custom-cost} JSON, as it will be sent. */
    public String customCost() { return customCost; }
    public String byokAlias() { return byokAlias; }
    public Boolean noWholesale() { return noWholesale; }
    /** {@code cf-aig-zdr}: zero data retention for this call (Unified Billing only; no effect on Replicate). */
    public Boolean zeroDataRetention() { return zeroDataRetention; }
    /** {@code cf-aig-otel-trace-id}: 32 lowercase hex, the trace the gateway's own span joins. */
    public String otelTraceId() { return otelTraceId; }
    /** {@code cf-aig-otel-parent-span-id}: 16 lowercase hex, the span the gateway's span is a child of, or null. */
    public String otelParentSpanId() { return otelParentSpanId; }
    /** Metadata in priority order: string, number or boolean values. */
    public Map<String, Object> metadata() { return metadata; }
    /** Metadata keys that lost to higher-priority layers when more than five competed. */
    public List<String> metadataDropped() { return metadataDropped; }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof CallOptions)) {
            return false;
        }
        CallOptions c = (CallOptions) o;
        return Objects.equals(cacheTtl, c.cacheTtl) && Objects.equals(skipCache, c.skipCache)
                && Objects.equals(cacheKey, c.cacheKey) && Objects.equals(collectLog, c.collectLog)
                && Objects.equals(collectLogPayload, c.collectLogPayload)
                && Objects.equals(requestTimeout, c.requestTimeout) && Objects.equals(maxAttempts, c.maxAttempts)
                && Objects.equals(retryDelay, c.retryDelay) && backoff == c.backoff
                && Objects.equals(eventId, c.eventId) && Objects.equals(customCost, c.customCost)
                && Objects.equals(byokAlias, c.byokAlias) && Objects.equals(noWholesale, c.noWholesale)
                && Objects.equals(zeroDataRetention, c.zeroDataRetention) && Objects.equals(otelTraceId, c.otelTraceId)
                && Objects.equals(otelParentSpanId, c.otelParentSpanId)
                && metadata.equals(c.metadata) && List.copyOf(metadata.keySet()).equals(List.copyOf(c.metadata.keySet()))
                && metadataDropped.equals(c.metadataDropped);
    }

    @Override
    public int hashCode() {
        return Objects.hash(cacheTtl, skipCache, cacheKey, collectLog, collectLogPayload, requestTimeout,
                maxAttempts, retryDelay, backoff, eventId, customCost, byokAlias, noWholesale, zeroDataRetention,
                otelTraceId, otelParentSpanId, metadata);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("CallOptions{");
        OptionHeaders.describe(this, sb);
        return sb.append('}').toString();
    }

    /** Builds {@link CallOptions}; each setter validates its value at once. */
    public static final class Builder {
        private Duration cacheTtl;
        private Boolean skipCache;
        private String cacheKey;
        private Boolean collectLog;
        private Boolean collectLogPayload;
        private Duration requestTimeout;
        private Integer maxAttempts;
        private Duration retryDelay;
        private Backoff backoff;
        private String eventId;
        private String customCost;
        private String byokAlias;
        private Boolean noWholesale;
        private Boolean zeroDataRetention;
        private String otelTraceId;
        private String otelParentSpanId;
        private final Map<String, Object> metadata = new LinkedHashMap<>();

        private Builder() {
        }

        /** {@code cf-aig-cache-ttl}: whole seconds from 60 to 2,592,000 (one month). */
        public Builder cacheTtl(Duration ttl) {
            if (ttl != null) {
                long s = ttl.getSeconds();
                if (ttl.getNano() != 0 || s < MIN_TTL_SECONDS || s > MAX_TTL_SECONDS) {
                    throw Problems.invalid("cache-ttl", ttl.toString(), null,
                            "whole seconds from 60 to 2592000 (one month)");
                }
            }
            this.cacheTtl = ttl;
            return this;
        }

        /** {@code cf-aig-skip-cache}. */
        public Builder skipCache(Boolean skip) {
            this.skipCache = skip;
            return this;
        }

        /** {@code cf-aig-cache-key}: replaces the cache key and opts the call into caching. */
        public Builder cacheKey(String key) {
            this.cacheKey = token("cache-key", key);
            return this;
        }

        /** {@code cf-aig-collect-log}: {@code false} keeps this call out of the gateway's logs. */
        public Builder collectLog(Boolean collect) {
            this.collectLog = collect;
            return this;
        }

        /** {@code cf-aig-collect-log-payload}: {@code false} logs metadata but not bodies. */
        public Builder collectLogPayload(Boolean collect) {
            this.collectLogPayload = collect;
            return this;
        }

        /** {@code cf-aig-request-timeout}: time to the first byte, 1 ms to 1 hour, in whole ms. */
        public Builder requestTimeout(Duration timeout) {
            if (timeout != null) {
                if (timeout.toNanos() % 1_000_000 != 0 || timeout.toMillis() < 1
                        || timeout.toMillis() > MAX_REQUEST_TIMEOUT_MS) {
                    throw Problems.invalid("request-timeout", timeout.toString(), null,
                            "whole milliseconds from 1 to 3600000 (one hour)");
                }
            }
            this.requestTimeout = timeout;
            return this;
        }

        /** {@code cf-aig-max-attempts}: 1 to 5. */
        public Builder maxAttempts(Integer attempts) {
            if (attempts != null && (attempts < 1 || attempts > MAX_ATTEMPTS)) {
                throw Problems.invalid("max-attempts", attempts.toString(), null, "a whole number from 1 to 5");
            }
            this.maxAttempts = attempts;
            return this;
        }

        /** {@code cf-aig-retry-delay}: 0 to 5000 ms, whole ms. */
        public Builder retryDelay(Duration delay) {
            if (delay != null && (delay.isNegative() || delay.toNanos() % 1_000_000 != 0
                    || delay.toMillis() > MAX_RETRY_DELAY_MS)) {
                throw Problems.invalid("retry-delay", delay.toString(), null,
                        "whole milliseconds from 0 to 5000");
            }
            this.retryDelay = delay;
            return this;
        }

        /** {@code cf-aig-backoff}. */
        public Builder backoff(Backoff backoff) {
            this.backoff = backoff;
            return this;
        }

        /** {@code cf-aig-event-id}: a correlation id of your choosing, echoed by the gateway. */
        public Builder eventId(String eventId) {
            this.eventId = token("event-id", eventId);
            return this;
        }

        /** {@code cf-aig-byok-alias}: which stored provider key the gateway uses. */
        public Builder byokAlias(String alias) {
            this.byokAlias = token("byok-alias", alias);
            return this;
        }

        /** {@code cf-aig-no-wholesale}: never fall back to Unified Billing. */
        public Builder noWholesale(Boolean noWholesale) {
            this.noWholesale = noWholesale;
            return this;
        }

        /**
         * {@code cf-aig-zdr}: zero data retention for this call. The gateway applies it to Unified Billing only, which
         * does not cover Replicate: it changes nothing for Replicate calls.
         */
        public Builder zeroDataRetention(Boolean zdr) {
            this.zeroDataRetention = zdr;
            return this;
        }

        /**
         * {@code cf-aig-otel-trace-id} and {@code cf-aig-otel-parent-span-id}: the OpenTelemetry trace the gateway's
         * own span joins, and the span it becomes a child of (may be null). Hexadecimal of 32 and 16 digits, not all
         * zero, any case (sent in lower case). aigw-opentelemetry sets them from the current span; set here they win.
         * {@code null} trace id clears both.
         */
        public Builder otelParent(String traceId, String parentSpanId) {
            if (traceId == null) {
                this.otelTraceId = null;
                this.otelParentSpanId = null;
                return this;
            }
            this.otelTraceId = hexId("otel-trace-id", traceId, 32);
            this.otelParentSpanId = parentSpanId == null ? null : hexId("otel-parent-span-id", parentSpanId, 16);
            return this;
        }

        /** {@code cf-aig-custom-cost} as USD per input and per output token. */
        public Builder customCost(double perTokenIn, double perTokenOut) {
            this.customCost = costJson(perTokenIn, perTokenOut, null, null);
            return this;
        }

        /**
         * {@code cf-aig-custom-cost} as USD per input and output token and per cached input token read from and
         * written to the provider's cache ({@code per_cache_read_token}, {@code per_cache_write_token}); either of the
         * last two may be null.
         */
        public Builder customCost(double perTokenIn, double perTokenOut, Double perCacheReadToken,
                                  Double perCacheWriteToken) {
            this.customCost = costJson(perTokenIn, perTokenOut, perCacheReadToken, perCacheWriteToken);
            return this;
        }

        /** {@code cf-aig-custom-cost} as a total in USD for the call. */
        public Builder customTotalCost(double totalCost) {
            this.customCost = "{\"total_cost\":" + cost("total_cost", totalCost) + "}";
            return this;
        }


        /** Removes any custom cost. */
        public Builder noCustomCost() {
            this.customCost = null;
            return this;
        }

        /** Adds one metadata entry (string). At most five entries; keys may not start with {@code cf.}. */
        public Builder metadata(String key, String value) {
            return putMetadata(key, value);
        }

        /** Adds one metadata entry (number). */
        public Builder metadata(String key, Number value) {
            return putMetadata(key, value);
        }

        /** Adds one metadata entry (boolean). */
        public Builder metadata(String key, boolean value) {
            return putMetadata(key, value);
        }

        /** Adds all entries, in the map's iteration order. Values: String, Number or Boolean. */
        public Builder metadata(Map<String, ?> entries) {
            for (Map.Entry<String, ?> e : entries.entrySet()) {
                putMetadata(e.getKey(), e.getValue());
            }
            return this;
        }

        /** Removes all metadata set on this builder. */
        public Builder clearMetadata() {
            metadata.clear();
            return this;
        }

        private Builder putMetadata(String key, Object value) {
            checkMetadataKey(key);
            metadata.put(key, checkMetadataValue(key, value));
            if (metadata.size() > MAX_METADATA) {
                metadata.remove(key);
                throw Problems.invalid("metadata", key, null,
                        "at most 5 entries (the gateway keeps only 5); already have " + metadata.keySet());
            }
            return this;
        }

        public CallOptions build() {
            return new CallOptions(this, new LinkedHashMap<>(metadata), List.of());
        }
    }

    static void checkMetadataKey(String key) {
        if (key == null || key.isEmpty() || key.length() > MAX_METADATA_KEY) {
            throw Problems.invalid("metadata", key, null, "keys of 1 to 128 characters");
        }
        if (key.regionMatches(true, 0, "cf.", 0, 3)) {
            throw Problems.invalid("metadata", key, null, "keys starting with \"cf.\" are reserved by the gateway");
        }
    }

    static Object checkMetadataValue(String key, Object value) {
        if (value instanceof String) {
            String s = (String) value;
            if (s.length() > MAX_METADATA_STRING) {
                throw Problems.invalid("metadata", key + "=" + s, null, "string values of at most 1024 characters");
            }
            return s;
        }
        if (value instanceof Boolean) {
            return value;
        }
        if (value instanceof Integer || value instanceof Long || value instanceof Short || value instanceof Byte
                || value instanceof BigInteger) {
            return value;
        }
        if (value instanceof Double || value instanceof Float) {
            double d = ((Number) value).doubleValue();
            if (!Double.isFinite(d)) {
                throw Problems.invalid("metadata", key + "=" + value, null, "finite numbers");
            }
            return value;
        }
        if (value instanceof BigDecimal) {
            return value;
        }
        throw Problems.invalid("metadata", key + "=" + value, null,
                "values that are strings, numbers or booleans (no objects, arrays or null)");
    }

    /**
     * Header tokens: visible ASCII and inner spaces only, so nothing can break out of the header and the value the
     * gateway reads is the one set.
     */
    static String token(String name, String value) {
        if (value == null) {
            return null;
        }
        if (value.isEmpty() || value.length() > MAX_TOKEN_LENGTH) {
            throw Problems.invalid(name, value, null, "1 to 1024 characters");
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                throw Problems.invalid(name, value, null,
                        "visible ASCII characters and spaces only (found U+" + String.format("%04X", (int) c)
                                + " at index " + i + ")");
            }
        }
        if (value.charAt(0) == ' ' || value.charAt(value.length() - 1) == ' ') {
            // HTTP trims a field value: the gateway would see a different key than the one set
            throw Problems.invalid(name, value, null, "no leading or trailing spaces (HTTP would strip them)");
        }
        return value;
    }

    private static String costJson(double in, double out, Double cacheRead, Double cacheWrite) {
        StringBuilder sb = new StringBuilder(96).append("{\"per_token_in\":").append(cost("per_token_in", in))
                .append(",\"per_token_out\":").append(cost("per_token_out", out));
        if (cacheRead != null) {
            sb.append(",\"per_cache_read_token\":").append(cost("per_cache_read_token", cacheRead));
        }
        if (cacheWrite != null) {
            sb.append(",\"per_cache_write_token\":").append(cost("per_cache_write_token", cacheWrite));
        }
        return sb.append('}').toString();
    }

    /** A W3C trace or span id: {@code digits} hex digits, not all zero, returned in lower case (its canonical form). */
    private static String hexId(String name, String id, int digits) {
        boolean valid = id.length() == digits;
        boolean nonZero = false;
        for (int i = 0; valid && i < digits; i++) {
            char c = id.charAt(i);
            valid = c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F';
            nonZero |= c != '0';
        }
        if (!valid || !nonZero) {
            throw Problems.invalid(name, id, null, digits + " hexadecimal digits, not all zero (a W3C "
                    + (digits == 32 ? "trace" : "span") + " id)");
        }
        return id.toLowerCase(Locale.ROOT);
    }

    private static String cost(String name, double v) {
        if (!Double.isFinite(v) || v < 0) {
            throw Problems.invalid("custom-cost", name + "=" + v, null, "finite numbers of at least 0 (USD)");
        }
        return BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
    }
}
