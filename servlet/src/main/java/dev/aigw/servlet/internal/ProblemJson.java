package dev.aigw.servlet.internal;

import dev.aigw.internal.Json;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * RFC 9457 problem details as aigw answers them ({@code application/problem+json}), shaped like Replicate's own
 * errors ({@code title}, {@code detail}, {@code status}) so that Replicate clients read them, plus a stable
 * machine-readable {@code code} naming what aigw refused and, for rate limits, Replicate's {@code retry_after}.
 * Text is escaped to printable ASCII. Callers pass no secret; {@link #body} redacts anyway when given a redactor.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ProblemJson {
    public static final String CONTENT_TYPE = "application/problem+json";

    private ProblemJson() {
    }

    /**
     * @param code  a stable snake_case code, e.g. {@code rate_limited}, {@code upstream_timeout}
     * @param extra further members (string, number or boolean values), may be null
     */
    public static String body(int status, String title, String detail, String code, Map<String, ?> extra) {
        StringBuilder sb = new StringBuilder(128).append('{');
        boolean first = Json.field(sb, true, "type", "about:blank");
        first = Json.field(sb, first, "title", title);
        first = Json.field(sb, first, "status", status);
        first = Json.field(sb, first, "detail", detail);
        first = Json.field(sb, first, "code", code);
        if (extra != null) {
            for (Map.Entry<String, ?> e : extra.entrySet()) {
                first = Json.field(sb, first, e.getKey(), e.getValue());
            }
        }
        return sb.append('}').toString();
    }

    public static byte[] bytes(int status, String title, String detail, String code, Map<String, ?> extra) {
        return body(status, title, detail, code, extra).getBytes(StandardCharsets.US_ASCII);
    }
}
