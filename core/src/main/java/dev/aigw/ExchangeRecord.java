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
 * @param gatewayLogId     {@code cf-aig-log-id} from the response (an opaque string: a lowercase UUIDv7 since
 *                         October 2026, a ULID before; on a single-step request the same value as the request id and,
 *                         unless the caller chose one, the event id)
 * @param cacheStatus      {@code cf-aig-cache-status} from the response ({@code HIT}/{@code MISS})
 * @param eventId          {@code cf-aig-event-id} sent or returned
 * @param traceId          {@code cf-aig-otel-trace-id} carried by the call (the OpenTelemetry trace the gateway's own span
 *                         joins; set by aigw-opentelemetry or the caller's options), or {@code null}
 * @param metadata         the metadata sent in {@code cf-aig-metadata}
 * @param metadataDropped  metadata keys dropped because more than five competed
 * @param bytesSent        request body bytes that passed
 * @param bytesReceived    response body bytes that passed
 * @param timeToHeaders    from start to the response head, {@code null} without a response
 * @param totalTime        from start to completion or failure
 * @param metrics          numeric {@code metrics} of the prediction (e.g. {@code predict_time}, seconds)
 * @param outcome          how the call ended
 * @param error            what went wrong in transport (redacted), or {@code null}
 * @param gatewayError     the gateway's own refusal (rate limit, auth, policy, spend limit, guardrails...) read from
 *                         its error body, or {@code null} when the gateway did not refuse the call (a provider's error
 *                         passed through is not a gateway error)
 * @param notes            what an adapter noticed about the call that is not the call's own outcome (redacted),
 *                         e.g. that a shared rate limit could not be checked; empty when there is nothing to say
 * @param forwarded        whether the call forwarded the request of a client outside the application (the servlet
 *                         module's proxy, {@link Exchange#forwarded()}): its URL and model name are that client's
 *                         choice, so a listener that turns them into metric dimensions must bound them
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
        String traceId,
        Map<String, Object> metadata,
        List<String> metadataDropped,
        long bytesSent,
        long bytesReceived,
        Duration timeToHeaders,
        Duration totalTime,
        Map<String, Double> metrics,
        Outcome outcome,
        String error,
        GatewayError gatewayError,
        List<String> notes,
        boolean forwarded) {

    public ExchangeRecord {
        notes = notes == null ? List.of() : List.copyOf(notes);
    }

    /** A record of the application's own call (the form before {@code forwarded} existed). */
    public ExchangeRecord(Instant startedAt, String method, String url, String routedUrl, String provider, Via via,
                          String model, String predictionId, String predictionStatus, int httpStatus,
                          String gatewayLogId, String cacheStatus, String eventId, String traceId,
                          Map<String, Object> metadata, List<String> metadataDropped, long bytesSent,
                          long bytesReceived, Duration timeToHeaders, Duration totalTime, Map<String, Double> metrics,
                          Outcome outcome, String error, GatewayError gatewayError, List<String> notes) {
        this(startedAt, method, url, routedUrl, provider, via, model, predictionId, predictionStatus, httpStatus,
                gatewayLogId, cacheStatus, eventId, traceId, metadata, metadataDropped, bytesSent, bytesReceived,
                timeToHeaders, totalTime, metrics, outcome, error, gatewayError, notes, false);
    }

    /** A record of the application's own call without notes (the form before {@code notes} existed). */
    public ExchangeRecord(Instant startedAt, String method, String url, String routedUrl, String provider, Via via,
                          String model, String predictionId, String predictionStatus, int httpStatus,
                          String gatewayLogId, String cacheStatus, String eventId, String traceId,
                          Map<String, Object> metadata, List<String> metadataDropped, long bytesSent,
                          long bytesReceived, Duration timeToHeaders, Duration totalTime, Map<String, Double> metrics,
                          Outcome outcome, String error, GatewayError gatewayError) {
        this(startedAt, method, url, routedUrl, provider, via, model, predictionId, predictionStatus, httpStatus,
                gatewayLogId, cacheStatus, eventId, traceId, metadata, metadataDropped, bytesSent, bytesReceived,
                timeToHeaders, totalTime, metrics, outcome, error, gatewayError, List.of(), false);
    }

    /**
     * An error the gateway answered itself. It comes in two envelopes, both read: {@code error} as an array, e.g.
     * {@code {"success":false,"error":[{"code":2003,"message":"Rate limited"}]}}, and {@code error} as an object
     * (Policies and spend limits), e.g. {@code {"success":false,"error":{"message":"Spending limit exceeded",...}}}.
     *
     * @param code    the gateway's error code ({@code 2003}, {@code 2009}, ...), or {@code null} when the envelope has
     *                none (the object form usually has none)
     * @param message its message (redacted, at most 256 characters), or {@code null}
     */
    public record GatewayError(Integer code, String message) {
    }

    /** Who served the call. */
    public enum Via {
        /** Through Cloudflare AI Gateway. */
        GATEWAY,
        /** Straight to the provider, after the gateway could not be reached ({@code aigw.fallback}). */
        DIRECT,
        /**
         * Not a call: a completion the provider delivered to the application's webhook, verified there (method
         * {@code WEBHOOK}, {@code url} the provider's resource, {@code routedUrl} where it arrived, the application's
         * answer as status). See {@link Gateway#webhook}.
         */
        WEBHOOK
    }

    /** How a call ended. */
    public enum Outcome {
        /** A response with status below 400 whose body (if any) passed whole to the caller. */
        SUCCESS,
        /** A response with status 400 or above, its body read or not. */
        HTTP_ERROR,
        /** No usable response: connection, timeout or protocol failure. */
        FAILURE,
        /**
         * The caller gave up (disconnect, cancel, a body closed before its end) before the call finished and before
         * an error answer; the record has the bytes so far and the status, if a head came.
         */
        CANCELLED
    }
}
