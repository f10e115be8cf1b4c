package dev.aigw.servlet.internal.proxy;

import dev.aigw.Exchange;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;
import java.util.Set;

/**
 * The request an admitted call sends upstream: its head (the forwarded headers, the gateway's, aigw's
 * {@code User-Agent}) and its body's publisher, with the body gate and the URL rewriting on the way.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ForwardedRequest {
    private static final Set<String> BODY_METHODS = Set.of("POST", "PUT", "PATCH", "QUERY", "DELETE");

    private ForwardedRequest() {
    }

    /** The upstream request's head, without a body; refused when a client's header cannot be sent. */
    static Upstream.Request head(ProxyConfig cfg, HttpServletRequest req, Admission.Admitted a, Exchange x)
            throws Refusal.Refused {
        Upstream.Request r = new Upstream.Request(a.request().method(), x.target());
        cfg.headers().toUpstream(req, cfg.derived().serverAuthorization(), r);
        x.gatewayHeaders().forEach(r::header);
        r.header("User-Agent", x.userAgent(ProxyHeaders.sendable("User-Agent", req.getHeader("User-Agent"))));
        return r;
    }

    /**
     * Whether a body may come: with a length above 0, chunked on HTTP/1.1, or, on HTTP/2 and later (where a body needs
     * no {@code Content-Length}), for the methods that carry one.
     */
    static boolean bodyMayCome(HttpServletRequest req, String method) {
        long length = req.getContentLengthLong();
        return length > 0 || length < 0 && (req.getHeader("Transfer-Encoding") != null
                || !req.getProtocol().startsWith("HTTP/1") && BODY_METHODS.contains(method));
    }

    /**
     * The request body, set on {@code r}: with a length, or unknown (chunked on HTTP/1.1, or HTTP/2 and later, where
     * a body needs no {@code Content-Length}) for the methods that carry one. Returns its publisher, not yet
     * listening, or null without a body, after the body gate saw the empty body (and refused it, if it must).
     */
    static RequestBodyPublisher body(ProxyConfig cfg, HttpServletRequest req, Admission.Admitted a,
                                     Upstream.Request r, ClientIo io, RequestBodyPublisher.Events events)
            throws IOException, Refusal.Refused {
        long length = req.getContentLengthLong();
        boolean unknown = length < 0 && bodyMayCome(req, a.request().method());
        BodyTransform t = a.gate() == null ? BodyTransform.identity() : a.gate();
        if (length <= 0 && !unknown) {
            t.finish(); // a gated endpoint without a body names no model
            return null;
        }
        boolean changesLength = false;
        if (a.publicBase() != null && Admission.plainJson(req.getHeader("Content-Type"),
                Admission.contentEncodings(req))) {
            // URLs this proxy handed out (file URLs as prediction inputs) go back to Replicate as Replicate's own
            BodyTransform rewrite = BodyTransform.rewrite(cfg.derived().toReplicate(a.publicBase()));
            t = a.gate() == null ? rewrite : BodyTransform.chain(t, rewrite);
            changesLength = true;
        }
        RequestBodyPublisher p = new RequestBodyPublisher(req.getInputStream(), length, io, t, events);
        r.body = p;
        r.length = length > 0 && !changesLength ? length : -1;
        return p;
    }
}
