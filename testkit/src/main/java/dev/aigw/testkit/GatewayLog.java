package dev.aigw.testkit;

import java.time.Instant;
import java.util.Map;

/**
 * One log entry of {@link FakeGateway} with the spec §5 fields. {@code requestBody}/{@code responseBody} are null
 * unless payload collection was on for that request; {@code feedback}/{@code score} are set through
 * {@code PATCH .../logs/{id}}.
 */
public record GatewayLog(String id, Instant createdAt, String account, String gateway, String provider, String model,
                         String path, long durationMs, int statusCode, boolean success, boolean cached,
                         Map<String, Object> metadata, String eventId, long requestSize, long responseSize,
                         String requestContentType, String responseContentType, byte[] requestBody,
                         byte[] responseBody, Integer feedback, Integer score) {
    public GatewayLog {
        metadata = metadata == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(metadata));
    }

    /** Copy with human feedback applied (used by the logs API). */
    public GatewayLog withFeedback(Integer newFeedback, Integer newScore, Map<String, Object> newMetadata) {
        return new GatewayLog(id, createdAt, account, gateway, provider, model, path, durationMs, statusCode, success,
                cached, newMetadata != null ? newMetadata : metadata, eventId, requestSize, responseSize,
                requestContentType, responseContentType, requestBody, responseBody, newFeedback, newScore);
    }
}
