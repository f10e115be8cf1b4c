package dev.aigw;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What happened in one provider call, emitted once per call to every {@link ExchangeListener}.
 * URLs and error text are redacted: a record never carries a token.
 *
 * @param startedAt        when the call started
 * @param method           HTTP method
 * @param url              the URL the caller asked for (redacted)
 * @param routedUrl        the gateway URL it went to (redacted), or {@code null} when served directly
 * @param provider         provider slug, e.g. {@code replicate}
 * @param via              whether the gateway or the provider itself served the call
 * @param model            {@code owner/name} when known (response body, request path or {@code version})
 * @param predictionId     id of the prediction, training or file in the response, when seen
 * @param predictionStatus its {@code status}, when seen
 * @param httpStatus       response status, 0 when no response arrived
 * @param gatewayLogId     {@code cf-aig-log-id} from the response
 * @param cacheStatus      {@code cf-aig-cache-status} from the response ({@code HIT}/{@code MISS})
 * @param eventId          {@code cf-aig-event-id} sent or returned
 * @param metadata         the metadata sent in {@code cf-aig-metadata}
 * @param metadataDropped  metadata keys dropped because more than five competed
 * @param bytesSent        request body bytes that passed
 * @param bytesReceived    response body bytes that passed
 * @param timeToHeaders    from start to the response head, {@code null} without a response
 * @param totalTime        from start to completion or failure
 * @param metrics          numeric {@code metrics} of the prediction (e.g. {@code predict_time}, seconds)
 * @param outcome          how the call ended
 * @param error            what went wrong (redacted), or {@code null}
 * @param notes            what an adapter noticed about the call that is not the call's own outcome (redacted),
 *                         e.g. that a shared rate limit could not be checked; empty when there is nothing to say
 */
public record ExchangeRecord(
        Instant startedAt,
        String method,
        String url,
        String routedUrl,
        String provider,
        Via via,
        String model,
        String predictionId,
        String predictionStatus,
        int httpStatus,
        String gatewayLogId,
        String cacheStatus,
        String eventId,
        Map<String, Object> metadata,
        List<String> metadataDropped,
        long bytesSent,
        long bytesReceived,
        Duration timeToHeaders,
        Duration totalTime,
        Map<String, Double> metrics,
        Outcome outcome,
        String error,
        List<String> notes) {

    public ExchangeRecord {
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    /** A record without notes (the form before {@code notes} existed). */
    public ExchangeRecord(Instant startedAt, String method, String url, String routedUrl, String provider, Via via,
                          String model, String predictionId, String predictionStatus, int httpStatus,
                          String gatewayLogId, String cacheStatus, String eventId, Map<String, Object> metadata,
                          List<String> metadataDropped, long bytesSent, long bytesReceived, Duration timeToHeaders,
                          Duration totalTime, Map<String, Double> metrics, Outcome outcome, String error) {
        this(startedAt, method, url, routedUrl, provider, via, model, predictionId, predictionStatus, httpStatus,
                gatewayLogId, cacheStatus, eventId, metadata, metadataDropped, bytesSent, bytesReceived, timeToHeaders,
                totalTime, metrics, outcome, error, List.of());
    }

    /** Who served the call. */
    public enum Via {
        /** Through Cloudflare AI Gateway. */
        GATEWAY,
        /** Straight to the provider, after the gateway could not be reached ({@code aigw.fallback}). */
        DIRECT
    }

    /** How a call ended. */
    public enum Outcome {
        /** A response with status below 400 whose body (if any) was read to the end or closed. */
        SUCCESS,
        /** A response with status 400 or above. */
        HTTP_ERROR,
        /** No usable response: connection, timeout or protocol failure. */
        FAILURE,
        /** The caller gave up (disconnect, cancel) before the call finished. */
        CANCELLED
    }
}
