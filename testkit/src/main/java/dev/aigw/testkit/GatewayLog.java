package dev.aigw.testkit;

import java.time.Instant;
import java.util.Map;

/**
 * One log entry of {@link FakeGateway} with the spec §5 fields. {@code requestBody}/{@code responseBody} are null
 * unless payload collection was on for that request; {@code feedback}/{@code score} are set through
 * {@code PATCH .../logs/{id}}. {@code id} is a lowercase UUIDv7 (the gateway's shape since October 2026; ULIDs with
 * {@link FakeGateway.Builder#legacyLogIds(boolean)}); {@code userAgent} is the client's {@code User-Agent}, which the
 * real logs record and filter by since 2026.
 */
public record GatewayLog(String id, Instant createdAt, String account, String gateway, String provider, String model,
                         String path, long durationMs, int statusCode, boolean success, boolean cached,
                         Map<String, Object> metadata, String eventId, long requestSize, long responseSize,
                         String requestContentType, String responseContentType, byte[] requestBody,
                         byte[] responseBody, Integer feedback, Integer score, String userAgent) {
    public GatewayLog {
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
        requestBody = requestBody == null ? null : requestBody.clone();
        responseBody = responseBody == null ? null : responseBody.clone();
    }

    /** Copy of the request payload, or null when payloads were not collected. */
    @Override
    public byte[] requestBody() {
        return requestBody == null ? null : requestBody.clone();
    }

    /** Copy of the response payload (up to the record cap), or null when payloads were not collected. */
    @Override
    public byte[] responseBody() {
        return responseBody == null ? null : responseBody.clone();
    }

    /** Copy with human feedback applied (used by the logs API). */
    public GatewayLog withFeedback(Integer newFeedback, Integer newScore, Map<String, Object> newMetadata) {
        return new GatewayLog(id, createdAt, account, gateway, provider, model, path, durationMs, statusCode, success,
                cached, newMetadata != null ? newMetadata : metadata, eventId, requestSize, responseSize,
                requestContentType, responseContentType, requestBody, responseBody, newFeedback, newScore, userAgent);
    }
}
