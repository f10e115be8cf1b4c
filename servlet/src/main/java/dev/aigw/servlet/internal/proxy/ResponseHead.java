package dev.aigw.servlet.internal.proxy;

import jakarta.servlet.http.HttpServletResponse;

/**
 * The upstream's response head as the client gets it: status and headers copied ({@link ProxyHeaders}), URLs in
 * them and, for a JSON body in no content coding, in the body rewritten to the proxy's own, {@code Content-Length}
 * kept while the body passes unchanged (a rewritten body gets its new length from the writer when it arrives whole
 * in one chunk, else the container frames it), an event stream marked for immediate delivery. What the body's writer needs follows from it.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ResponseHead {
    /**
     * The transformation of the body, whether every chunk is flushed at once (an event stream), and the declared
     * length of a body that is rewritten (-1 if none): when the upstream's first chunk holds all of it, the writer
     * sends the rewritten body with its exact length instead of letting the container frame it.
     */
    record Body(BodyTransform transform, boolean eventStream, long rewrittenLength) {
    }

    private ResponseHead() {
    }

    /** Writes the client's response head from {@code h}; returns how the body is to be written. */
    static Body translate(ProxyConfig cfg, Admission.Admitted a, Upstream.Head h, HttpServletResponse resp) {
        String type = h.first("Content-Type");
        UrlRewriter toClient = a.publicBase() == null ? null : cfg.derived().toClient(a.publicBase());
        long declared = ProxyHeaders.length(h.first("Content-Length"));
        // a body too short to hold Replicate's URL passes unchanged, its length kept (HEAD: the length of a GET's body)
        boolean rewrite = toClient != null && Admission.plainJson(type, h.first("Content-Encoding"))
                && !(declared >= 0 && declared < toClient.minMatch() && !"HEAD".equals(a.request().method()));
        boolean sse = type != null && type.regionMatches(true, 0, "text/event-stream", 0, 17);
        resp.setStatus(h.status());
        ProxyHeaders.toClient(h, resp, toClient, rewrite, cfg.publicUrl() == null, !cfg.trustedProxies().isEmpty());
        long length = rewrite || sse ? -1 : declared;
        if (length >= 0) { // else the container frames the body itself
            resp.setContentLengthLong(length);
        }
        if (sse) {
            resp.setHeader("X-Accel-Buffering", "no"); // ask buffering reverse proxies in front to pass events on
        }
        int status = h.status();
        // a body only where one may be: not for HEAD (a GET's length), 1xx, 204 or 304
        boolean body = status >= 200 && status != 204 && status != 304 && !"HEAD".equals(a.request().method());
        return new Body(rewrite ? BodyTransform.rewrite(toClient) : BodyTransform.identity(), sse,
                rewrite && body && declared > 0 ? declared : -1);
    }
}
