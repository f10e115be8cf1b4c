package dev.aigw.servlet.internal;

import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Map;

/**
 * Writes aigw's own answers: problem+json, never echoing a credential.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Responses {
    private Responses() {
    }

    public static void problem(HttpServletResponse resp, int status, String title, String detail, String code,
                               Map<String, ?> extra, boolean declareLength) throws IOException {
        if (resp.isCommitted()) {
            return;
        }
        byte[] body = ProblemJson.bytes(status, title, detail, code, extra);
        resp.resetBuffer();
        resp.setStatus(status);
        resp.setContentType(ProblemJson.CONTENT_TYPE);
        if (declareLength) { // without it the answer ends with the exchange, not once its bytes are written
            resp.setContentLength(body.length);
        }
        resp.setHeader("Cache-Control", "no-store");
        resp.getOutputStream().write(body);
    }

    /** A small JSON answer of aigw's own (ASCII). */
    public static void json(HttpServletResponse resp, int status, String json) throws IOException {
        if (resp.isCommitted()) {
            return;
        }
        byte[] body = json.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        resp.resetBuffer();
        resp.setStatus(status);
        resp.setContentType("application/json");
        resp.setContentLength(body.length);
        resp.getOutputStream().write(body);
    }
}
