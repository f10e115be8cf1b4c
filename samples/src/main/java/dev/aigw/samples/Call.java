package dev.aigw.samples;

import dev.aigw.ExchangeRecord;

import java.net.URI;
import java.time.Duration;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * One call as the page and the console show it, taken from aigw's {@link ExchangeRecord}. Records are already
 * redacted by aigw, and nothing here adds a header or a body, so no token can reach the page.
 *
 * @param seq         position in this app's call log, for the page to drop duplicates after a reconnect
 * @param at          start time, ISO-8601
 * @param method      HTTP method, or {@code WEBHOOK} for a delivery the webhook filter verified
 * @param endpoint    the Replicate API path the caller asked for, e.g. {@code /predictions/abc} (no query)
 * @param routedTo    where aigw sent it (the gateway URL, without query), or null when served directly
 * @param source      which part of the app made it: the servlet mapping of the incoming request
 *                    ({@code route} metadata, e.g. {@code /replicate/*} for the proxy) or {@code webhook}
 * @param user        the {@code user_id} metadata sent to the gateway (the signed-in user), or null
 * @param predictionTime Replicate's {@code metrics.predict_time}, seconds, when the answer had it
 * @param traceId     the OpenTelemetry trace the call belongs to (and the gateway's own span joined), when traced
 */
public record Call(long seq, String at, String method, String endpoint, String routedTo, String source, String user,
                   String model, String predictionId, String predictionStatus, int status, String outcome,
                   String cache, String logId, Long headersMs, long totalMs, Double predictionTime, long bytesSent,
                   long bytesReceived, String error, String traceId) {

    private static final String API_PATH = "/v1";
    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);

    static Call of(long seq, ExchangeRecord r) {
        Object user = r.metadata().get("user_id");
        Object route = r.metadata().get("route");
        String source = "WEBHOOK".equals(r.method()) ? "webhook" : route == null ? null : route.toString();
        return new Call(seq, r.startedAt().toString(), r.method(), endpoint(r.url()), withoutQuery(r.routedUrl()),
                source, user == null ? null : user.toString(), r.model(), r.predictionId(), r.predictionStatus(),
                r.httpStatus(), r.outcome().name(), r.cacheStatus(), r.gatewayLogId(), millis(r.timeToHeaders()),
                r.totalTime().toMillis(), r.metrics().get("predict_time"), r.bytesSent(), r.bytesReceived(), r.error(),
                r.traceId());
    }

    /** The same call, attributed to {@code user}. */
    Call withUser(String user) {
        return new Call(seq, at, method, endpoint, routedTo, source, user, model, predictionId, predictionStatus,
                status, outcome, cache, logId, headersMs, totalMs, predictionTime, bytesSent, bytesReceived, error,
                traceId);
    }

    /** One console line: when, who, what, the gateway's answer, and how long it took. */
    public String line() {
        String time = LocalTime.ofInstant(java.time.Instant.parse(at), ZoneId.systemDefault()).format(CLOCK);
        String answer = status == 0 ? outcome.toLowerCase(Locale.ROOT) : Integer.toString(status);
        StringBuilder sb = new StringBuilder(160);
        sb.append(String.format(Locale.ROOT, "%s  %-8s %-7s %-40s %-4s %-5s %7s", time, user == null ? "-" : user,
                method, endpoint, answer, cache == null ? "-" : cache, totalMs + " ms"));
        if (predictionStatus != null) {
            sb.append("  ").append(predictionStatus);
        }
        if (predictionTime != null) {
            sb.append(String.format(Locale.ROOT, " (predict %.2f s)", predictionTime));
        }
        if (logId != null) {
            sb.append("  log=").append(logId);
        }
        if (traceId != null) {
            sb.append("  trace=").append(traceId);
        }
        if (source != null) {
            sb.append("  from ").append(source);
        }
        if (error != null) {
            sb.append("  error: ").append(error);
        }
        return sb.toString();
    }

    private static String endpoint(String url) {
        String path = URI.create(url).getRawPath();
        return path.startsWith(API_PATH + "/") ? path.substring(API_PATH.length()) : path;
    }

    private static String withoutQuery(String url) {
        if (url == null) {
            return null;
        }
        int q = url.indexOf('?');
        return q < 0 ? url : url.substring(0, q);
    }

    private static Long millis(Duration d) {
        return d == null ? null : d.toMillis();
    }
}
