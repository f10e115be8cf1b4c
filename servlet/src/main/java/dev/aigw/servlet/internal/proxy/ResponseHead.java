package dev.aigw.servlet.internal.proxy;

import jakarta.servlet.http.HttpServletResponse;

/**
 * The upstream's response head as the client gets it: status and headers copied ({@link ProxyHeaders}), URLs in
 * them and, for a JSON body in no content coding (no {@code Content-Encoding} field names one,
 * {@link ContentCodings}), in the body rewritten to the proxy's own, {@code Content-Length} kept while the body
 * passes unchanged (else the container frames it), an event stream marked for immediate delivery. What the body's
 * writer needs follows from it.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ResponseHead {
    /** The transformation of the body and whether every chunk is flushed at once (an event stream). */
    record Body(BodyTransform transform, boolean eventStream) {
    }

    private ResponseHead() {
    }

    /** Writes the client's response head from {@code h}; returns how the body is to be written. */
    static Body translate(ProxyConfig cfg, Admission.Admitted a, Upstream.Head h, HttpServletResponse resp) {
        String type = h.first("Content-Type");
        UrlRewriter toClient = a.publicBase() == null ? null : cfg.derived().toClient(a.publicBase());
        long declared = ProxyHeaders.length(h.first("Content-Length"));
        // a body too short to hold Replicate's URL passes unchanged, its length kept (HEAD: the length of a GET's body)
        boolean rewrite = toClient != null && Admission.plainJson(type, h.all("Content-Encoding").iterator())
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
        return new Body(rewrite ? BodyTransform.rewrite(toClient) : BodyTransform.identity(), sse);
    }
}
