package dev.aigw.testkit;

import java.util.List;
import java.util.Map;

/**
 * A request as it reached {@link FakeGateway}, before forwarding: the raw request (with all {@code cf-aig-*}
 * headers), the route parts, the metadata the gateway kept and {@code warnings} for every option header value it
 * refused (dropped metadata entries, bad TTL, ...). {@code providerPath} is the raw rest after the provider slug,
 * e.g. {@code /predictions}.
 */
public record GatewayRequest(RecordedRequest request, String account, String gateway, String provider,
                             String providerPath, Map<String, Object> metadata, List<String> warnings, String logId,
                             String eventId) {
    public GatewayRequest {
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        warnings = List.copyOf(warnings);
    }

    /** Shortcut for {@code request().header(name)}. */
    public String header(String name) {
        return request.header(name);
    }

    /**
     * {@code cf-aig-otel-trace-id} as sent (the trace the real gateway's own span joins), or null. A malformed value
     * (not 32 lowercase hex digits, or all zero) is also listed in {@link #warnings()}: the gateway would ignore it.
     */
    public String otelTraceId() {
        return request.header("cf-aig-otel-trace-id");
    }

    /** {@code cf-aig-otel-parent-span-id} as sent (the span the gateway's span becomes a child of), or null. */
    public String otelParentSpanId() {
        return request.header("cf-aig-otel-parent-span-id");
    }
}
