package dev.aigw.servlet.internal.proxy;

import dev.aigw.internal.ContentCodings;
import dev.aigw.servlet.internal.ProblemJson;
import jakarta.servlet.http.HttpServletResponse;

/**
 * The upstream's response head as the client gets it: status and headers copied ({@link ProxyHeaders}), URLs in
 * them passed only when they lead into the proxy ({@link AnswerUrls}; a redirect elsewhere is a 502), URLs in a JSON
 * body in no content coding (no {@code Content-Encoding} field names one, {@link ContentCodings}) rewritten to the
 * proxy's own, {@code Content-Length} kept while the body passes unchanged (else the container frames it), an event
 * stream marked for immediate delivery. What the body's writer needs is decided when the head arrives ({@link #of});
 * the head is written onto the client's response later ({@link #writeTo}), see {@link ProxyCall#headDue}.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ResponseHead {
    /**
     * The transformation of the body, whether every chunk is flushed at once (an event stream), and the length the
     * client was told ({@code -1}: none, the container frames the body).
     */
    record Body(BodyTransform transform, boolean eventStream, long length) {
    }

    private final ProxyConfig cfg;
    private final Upstream.Head h;
    private final AnswerUrls urls; // null: a redirect that leaves the proxy, refused
    private final boolean rewrite;
    private final Body body;

    private ResponseHead(ProxyConfig cfg, Upstream.Head h, AnswerUrls urls, boolean rewrite, Body body) {
        this.cfg = cfg;
        this.h = h;
        this.urls = urls;
        this.rewrite = rewrite;
        this.body = body;
    }

    /** Decides how {@code h} reaches the client; writes nothing yet. */
    static ResponseHead of(ProxyConfig cfg, Admission.Admitted a, Upstream.Head h) {
        String type = h.first("Content-Type");
        UrlRewriter toClient = a.publicBase() == null ? null : cfg.derived().toClient(a.publicBase());
        AnswerUrls urls = new AnswerUrls(toClient, a.publicBase());
        if (urls.leavesTheProxy(h)) {
            return new ResponseHead(cfg, h, null, false, new Body(BodyTransform.replacedBy(redirectProblem(
                    h.status())), false, -1));
        }
        long declared = ProxyHeaders.length(h.first("Content-Length"));
        // a body too short to hold Replicate's URL passes unchanged, its length kept (HEAD: the length of a GET's body)
        boolean rewrite = toClient != null && Admission.plainJson(type, h.all("Content-Encoding").iterator())
                && !(declared >= 0 && declared < toClient.minMatch() && !"HEAD".equals(a.request().method()));
        boolean sse = type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
        long length = rewrite || sse ? -1 : declared;
        return new ResponseHead(cfg, h, urls, rewrite, new Body(rewrite ? BodyTransform.rewrite(toClient)
                : BodyTransform.identity(), sse, length));
    }

    /** How the body is to be written. */
    Body body() {
        return body;
    }

    /** Writes the client's response head; returns the upstream head whose fields it copied (null: none). */
    Upstream.Head writeTo(HttpServletResponse resp) {
        if (urls == null) { // 502 in place of the redirect; the upstream's body is read and dropped
            resp.setStatus(502);
            resp.setContentType(ProblemJson.CONTENT_TYPE);
            resp.setHeader("X-Content-Type-Options", "nosniff");
            resp.setHeader("Cache-Control", "no-store");
            return null;
        }
        resp.setStatus(h.status());
        ProxyHeaders.toClient(h, resp, urls, rewrite, cfg.publicUrl() == null, cfg.trustedProxies().vary());
        if (body.length() >= 0) { // else the container frames the body itself
            resp.setContentLengthLong(body.length());
        }
        if (body.eventStream()) {
            resp.setHeader("X-Accel-Buffering", "no"); // ask buffering reverse proxies in front to pass events on
        }
        return h;
    }

    private static byte[] redirectProblem(int status) {
        return ProblemJson.bytes(502, "Bad Gateway", "the upstream answered with a redirect (" + status
                + ") that leads away from this proxy; it is not passed on, since the client would follow it from this "
                + "application's origin to wherever it points (Replicate's API does not redirect)",
                "upstream_redirect_refused", null);
    }
}
