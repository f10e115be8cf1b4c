package dev.aigw.servlet.internal.webhook;

import dev.aigw.servlet.internal.proxy.CanonicalRequest;
import dev.aigw.servlet.internal.proxy.Refusal;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * One webhook delivery through the filter, in this order: the path (exactly the webhook path, however the request
 * spelt it), the method, the headers and the timestamp — all before a byte of the body is read — then the body,
 * read with non-blocking servlet I/O within {@code aigw.webhook.read-timeout} and no slower than
 * {@code aigw.webhook.min-rate}, so that a slow sender holds no container thread; then the signature, replays, and
 * the hand-on to the application (an ASYNC dispatch of the verified request), whose answer decides whether the id
 * counts as accepted and whether a completion is recorded. On a chain that is not async-supported the body is read
 * blocking instead ({@code readBlocking}): same limits and answers, the handler run on the same thread. This class
 * judges what comes before the body; {@link WebhookDelivery} is the rest.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class WebhookReception {
    /** Request attribute: {@code Boolean.TRUE} on a delivery whose signature, timestamp and id were verified. */
    public static final String VERIFIED_ATTRIBUTE = "dev.aigw.webhook.verified";
    public static final String WEBHOOK_ID_ATTRIBUTE = "dev.aigw.webhook.id";
    public static final String CREATOR_ATTRIBUTE = "dev.aigw.webhook.creator";
    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");
    private static volatile boolean warnedBlocking;

    private final WebhookConfig cfg;

    public WebhookReception(WebhookConfig cfg) {
        this.cfg = cfg;
    }

    /** Ends what the filter started (the sweeper's thread), with the filter. */
    public void stop() {
        cfg.stop();
    }

    /** @param exactPath the webhook path under the context, e.g. {@code /webhooks/replicate} */
    public void handle(HttpServletRequest req, HttpServletResponse resp, FilterChain chain, String exactPath)
            throws IOException, ServletException {
        if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(WebhookDelivery.ATTRIBUTE)
                instanceof WebhookDelivery d) {
            d.handOn(req, resp, chain); // our own dispatch of a verified delivery
            return;
        }
        if (req.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(req, resp);
            return;
        }
        if (!exactly(req, exactPath)) {
            Refusal.of(404, "webhook_path_not_found", "Replicate's webhooks are received at exactly "
                    + req.getContextPath() + exactPath + " (no trailing slash, parameters or sub-paths)")
                    .sendUnread(req, resp);
            return;
        }
        if (!"POST".equals(req.getMethod())) {
            Refusal.of(405, "method_not_allowed", "Replicate delivers webhooks with POST").with("Allow", "POST")
                    .sendUnread(req, resp);
            return;
        }
        String id = req.getHeader("webhook-id");
        String ts = req.getHeader("webhook-timestamp");
        String sig = req.getHeader("webhook-signature");
        WebhookVerifier.Result headers = cfg.verifier().checkHeaders(id, ts, sig, cfg.clock().instant()
                .getEpochSecond());
        if (!headers.valid()) {
            WebhookDelivery.refusal(headers).sendUnread(req, resp);
            return;
        }
        long declared = req.getContentLengthLong();
        WebhookDelivery d = new WebhookDelivery(cfg, req, resp, id, ts, sig);
        // the declared length is reserved before a byte is held (a chunked body's, as it arrives; read blocking,
        // up to the limit at once)
        Refusal refused = declared > cfg.maxBody() ? WebhookDelivery.tooLarge(cfg)
                : !d.reservation.grow(declared >= 0 ? declared : req.isAsyncSupported() ? 0 : cfg.maxBody())
                ? d.refusedOverBudget() : null;
        // one rule for a refused body: read and dropped when small enough and async, else the connection closed
        if (refused != null && (declared > WebhookDelivery.DRAIN_LIMIT || !req.isAsyncSupported())) {
            refused.with("Connection", "close").send(resp);
            return;
        }
        if (req.isAsyncSupported()) {
            d.dropThenAnswer(refused);
            try {
                d.readAsync();
            } catch (IOException | RuntimeException e) {
                d.reservation.giveBack();
                throw e;
            }
            return;
        }
        try {
            readBlocking(d, req, resp, chain, exactPath);
        } finally {
            d.reservation.giveBack();
        }
    }

    private void readBlocking(WebhookDelivery d, HttpServletRequest req, HttpServletResponse resp, FilterChain chain,
                              String exactPath) throws IOException, ServletException {
        if (!warnedBlocking) {
            warnedBlocking = true;
            LOG.log(System.Logger.Level.WARNING, "aigw: the chain at " + exactPath + " (a filter or the handler) "
                    + "is not async-supported, so webhook bodies are read blocking: each holds a container thread "
                    + "until it is in, up to aigw.webhook.read-timeout, or the container's own read timeout for a "
                    + "sender who stalls; make the filters and the handler async-supported");
        }
        // as the async read does: a declared length read straight into one array of that length
        BodyBuffer body = new BodyBuffer(d.reservation, req.getContentLengthLong(), cfg.maxBody());
        java.io.InputStream in = req.getInputStream();
        byte[] scratch = new byte[8192];
        while (true) {
            int room = body.room();
            // each read blocks until bytes come or the container's own read timeout (Jetty: the connector's
            // idleTimeout; Tomcat: connectionTimeout) fails it: that bounds a sender who stalls, answered 408 as the
            // async read answers it; a sender gone is not answered. One who trickles is cut off after its next read
            int n;
            try {
                n = room > 0 ? in.read(body.array(), body.size(), room) : in.read(scratch);
            } catch (IOException e) {
                d.pace.readFailed(resp, e, body.size());
                return;
            }
            if (n < 0) {
                break;
            }
            // the read timeout judged now; the rate as the async read judges it, once no more bytes are here
            // (mid-burst the next read returns at once), and not once all declared is here
            Refusal late = room > 0 && n == room ? null : d.pace.late(body.size() + n, in.available() > 0);
            if (late != null) {
                late.send(resp);
                return;
            }
            if (room > 0) {
                body.filled(n);
            } else if (body.size() + n > cfg.maxBody()) {
                WebhookDelivery.tooLarge(cfg).with("Connection", "close").send(resp);
                return;
            } else if (!body.append(scratch, 0, n)) { // more than declared: a chunked body reserved the limit
                d.refusedOverBudget().with("Connection", "close").send(resp);
                return;
            }
        }
        if (d.verified(body.array(), body.size())) {
            d.handOn(d.wrapped(), resp, chain);
        }
    }

    /** Whether the request is for exactly the webhook path, however it was spelt. */
    private static boolean exactly(HttpServletRequest req, String exactPath) {
        try {
            return CanonicalRequest.path(req.getRequestURI(), false).equals(CanonicalRequest.path(
                    req.getContextPath(), true) + exactPath);
        } catch (Refusal.Refused e) {
            return false;
        }
    }
}
