package dev.aigw.testkit;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One HTTP request as it reached a fake, immutable. Header lookup is case-insensitive. The body is kept up to a
 * cap ({@link #bodyTruncated()} tells whether it was cut); {@link #bodySize()} is the full size, or -1 when the
 * gateway streamed a body over 25 MB on without buffering it (see the matching {@link GatewayLog#requestSize()}).
 */
public final class RecordedRequest {
    private final String method;
    private final String path;
    private final String query;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final long bodySize;
    private final Instant time;

    /** Used by the fakes; tests only read these objects. */
    public RecordedRequest(String method, String path, String query, Map<String, List<String>> headers, byte[] body,
                           long bodySize, Instant time) {
        this.method = method;
        this.path = path;
        this.query = query;
        TreeMap<String, List<String>> copy = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.forEach((k, v) -> copy.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
        copy.replaceAll((k, v) -> List.copyOf(v));
        this.headers = Collections.unmodifiableMap(copy);
        this.body = body == null ? new byte[0] : body.clone();
        this.bodySize = bodySize;
        this.time = time;
    }

    public String method() {
        return method;
    }

    /** Raw (still percent-encoded) path, e.g. {@code /v1/predictions}. */
    public String path() {
        return path;
    }

    /** Raw query string without '?', or null. */
    public String query() {
        return query;
    }

    /** All headers; the map's lookups ignore case. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** First value of the header (case-insensitive), or null. */
    public String header(String name) {
        List<String> values = headers.get(name);
        return values == null || values.isEmpty() ? null : values.get(0);
    }

    public byte[] body() {
        return body.clone();
    }

    public String bodyAsString() {
        return new String(body, StandardCharsets.UTF_8);
    }

    public long bodySize() {
        return bodySize;
    }

    public boolean bodyTruncated() {
        return bodySize < 0 || bodySize > body.length;
    }

    public Instant time() {
        return time;
    }

    @Override
    public String toString() {
        return method + " " + path + (query == null ? "" : "?" + query);
    }
}
