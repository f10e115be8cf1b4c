package dev.aigw.internal;

import dev.aigw.ExchangeRecord;

import java.time.Duration;
import java.util.Map;

/**
 * The built-in renderings of a record: a readable summary line and a JSON object.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RecordFormat {
    private RecordFormat() {
    }

    /**
     * Every value a client or an upstream controls (method, URL, model, ids, status, metadata, error text) is
     * written plainly when it is visible ASCII without quotes or backslashes, else as a JSON string literal (quoted,
     * escaped), so no CR, LF or other control character, and no space that would start a made-up {@code key=value},
     * reaches the line: one record is always exactly one line that cannot be forged.
     *
     * <p>{@code aigw replicate POST https://api.replicate.com/v1/predictions -> 201 success via gateway in 412 ms
     * (headers 400 ms) model=acme/echo id=abc status=starting cache=MISS log=019a… meta={"user_id":"u1"}}. The event id
     * is shown only when it differs from the log id (on a single-step request the gateway makes them one value).
     */
    public static String summary(ExchangeRecord r) {
        // one builder sized once for the usual line: its text and no intermediate string per field
        StringBuilder sb = new StringBuilder(160 + length(r.url()) + length(r.model()) + length(r.predictionId())
                + length(r.gatewayLogId()) + length(r.traceId()) + 48 * r.metadata().size()).append("aigw ");
        value(sb, r.provider());
        value(sb.append(' '), r.method());
        value(sb.append(' '), r.url());
        sb.append(" -> ");
        if (r.httpStatus() > 0) {
            sb.append(r.httpStatus());
        } else {
            sb.append("no response");
        }
        sb.append(' ').append(OUTCOMES[r.outcome().ordinal()]).append(" via ").append(VIAS[r.via().ordinal()])
                .append(" in ").append(ms(r.totalTime())).append(" ms");
        if (r.timeToHeaders() != null) {
            sb.append(" (headers ").append(ms(r.timeToHeaders())).append(" ms)");
        }
        kv(sb, "model", r.model());
        kv(sb, "id", r.predictionId());
        kv(sb, "status", r.predictionStatus());
        kv(sb, "cache", r.cacheStatus());
        kv(sb, "log", r.gatewayLogId());
        if (r.eventId() != null && !r.eventId().equals(r.gatewayLogId())) {
            kv(sb, "event", r.eventId());
        }
        kv(sb, "trace", r.traceId());
        if (!r.metadata().isEmpty()) {
            GatewayHeaders.metadataJson(sb.append(" meta="), r.metadata());
        }
        if (!r.metadataDropped().isEmpty()) {
            sb.append(" meta-dropped=[");
            for (int i = 0; i < r.metadataDropped().size(); i++) {
                Json.string(i > 0 ? sb.append(',') : sb, r.metadataDropped().get(i));
            }
            sb.append(']');
        }
        sb.append(" sent=").append(r.bytesSent()).append("B received=").append(r.bytesReceived()).append('B');
        if (r.gatewayError() != null) {
            sb.append(" gateway-error=");
            if (r.gatewayError().code() != null) {
                sb.append(r.gatewayError().code());
            }
            if (r.gatewayError().message() != null) {
                sb.append(r.gatewayError().code() != null ? " " : "");
                Json.string(sb, r.gatewayError().message());
            }
        }
        if (r.error() != null) {
            Json.string(sb.append(" error="), r.error());
        }
        if (!r.notes().isEmpty()) {
            // one quoted, escaped string: a note carries text from exceptions, which must not break the line either
            Json.string(sb.append(" notes="), String.join("; ", r.notes()));
        }
        return sb.toString();
    }

    private static final String[] OUTCOMES = lowerNames(ExchangeRecord.Outcome.values());
    private static final String[] VIAS = lowerNames(ExchangeRecord.Via.values());

    private static String[] lowerNames(Enum<?>[] values) {
        String[] names = new String[values.length];
        for (Enum<?> v : values) {
            names[v.ordinal()] = v.name().toLowerCase(java.util.Locale.ROOT);
        }
        return names;
    }

    private static int length(String s) {
        return s == null ? 0 : s.length();
    }

    /** The record as one JSON object (ASCII, no line breaks). */
    public static String json(ExchangeRecord r) {
        StringBuilder sb = new StringBuilder(400).append('{');
        boolean f = true;
        f = Json.field(sb, f, "started_at", r.startedAt().toString());
        f = Json.field(sb, f, "method", r.method());
        f = Json.field(sb, f, "url", r.url());
        f = Json.field(sb, f, "routed_url", r.routedUrl());
        f = Json.field(sb, f, "provider", r.provider());
        f = Json.field(sb, f, "via", VIAS[r.via().ordinal()]);
        f = Json.field(sb, f, "forwarded", r.forwarded() ? Boolean.TRUE : null);
        f = Json.field(sb, f, "model", r.model());
        f = Json.field(sb, f, "prediction_id", r.predictionId());
        f = Json.field(sb, f, "prediction_status", r.predictionStatus());
        f = Json.field(sb, f, "http_status", r.httpStatus() > 0 ? r.httpStatus() : null);
        f = Json.field(sb, f, "gateway_log_id", r.gatewayLogId());
        f = Json.field(sb, f, "cache_status", r.cacheStatus());
        f = Json.field(sb, f, "event_id", r.eventId());
        f = Json.field(sb, f, "trace_id", r.traceId());
        if (!r.metadata().isEmpty()) {
            GatewayHeaders.metadataJson(sb.append(",\"metadata\":"), r.metadata());
        }
        strings(sb, "metadata_dropped", r.metadataDropped());
        f = Json.field(sb, f, "bytes_sent", r.bytesSent());
        f = Json.field(sb, f, "bytes_received", r.bytesReceived());
        f = Json.field(sb, f, "time_to_headers_ms", r.timeToHeaders() == null ? null : ms(r.timeToHeaders()));
        f = Json.field(sb, f, "total_time_ms", ms(r.totalTime()));
        if (!r.metrics().isEmpty()) {
            sb.append(",\"metrics\":{");
            boolean mf = true;
            for (Map.Entry<String, Double> e : r.metrics().entrySet()) {
                mf = Json.field(sb, mf, e.getKey(), e.getValue());
            }
            sb.append('}');
        }
        f = Json.field(sb, f, "outcome", OUTCOMES[r.outcome().ordinal()]);
        if (r.gatewayError() != null) {
            sb.append(",\"gateway_error\":{");
            boolean g = Json.field(sb, true, "code", r.gatewayError().code());
            Json.field(sb, g, "message", r.gatewayError().message());
            sb.append('}');
        }
        Json.field(sb, f, "error", r.error());
        strings(sb, "notes", r.notes());
        return sb.append('}').toString();
    }

    /** A non-empty list of strings as {@code ,"name":[...]} (nothing when empty). */
    private static void strings(StringBuilder sb, String name, java.util.List<String> values) {
        if (values.isEmpty()) {
            return;
        }
        sb.append(",\"").append(name).append("\":[");
        for (int i = 0; i < values.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            Json.string(sb, values.get(i));
        }
        sb.append(']');
    }

    private static double ms(Duration d) {
        return Math.round(d.toNanos() / 10_000.0) / 100.0;
    }

    private static void kv(StringBuilder sb, String k, String v) {
        if (v != null) {
            value(sb.append(' ').append(k).append('='), v);
        }
    }

    /** Plain when visible ASCII without quote or backslash (and not empty), else a JSON string literal. */
    private static void value(StringBuilder sb, String v) {
        if (v == null) {
            sb.append('-');
            return;
        }
        boolean plain = !v.isEmpty();
        for (int i = 0; i < v.length() && plain; i++) {
            char c = v.charAt(i);
            plain = c > 0x20 && c < 0x7f && c != '"' && c != '\\';
        }
        if (plain) {
            sb.append(v);
        } else {
            Json.string(sb, v);
        }
    }
}
