package dev.aigw.servlet.internal.webhook;

import dev.aigw.CallOptions;
import dev.aigw.GatewayContext;
import dev.aigw.internal.Sniffed;
import dev.aigw.servlet.internal.CreatorIndex;
import dev.aigw.servlet.internal.Responses;
import dev.aigw.servlet.internal.WebhookRecords;
import dev.aigw.servlet.internal.state.Unavailable;
import dev.aigw.servlet.internal.proxy.CanonicalRequest;
import dev.aigw.servlet.internal.proxy.Refusal;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One webhook delivery through the filter, in this order: the path (exactly the webhook path, however the request
 * spelt it), the method, the headers and the timestamp — all before a byte of the body is read — then the body,
 * read with non-blocking servlet I/O within {@code aigw.webhook.read-timeout} and no slower than
 * {@code aigw.webhook.min-rate}, so that a slow sender holds no container thread; then the signature, replays, and
 * the hand-on to the application (an ASYNC dispatch of the verified request), whose answer decides whether the id
 * counts as accepted and whether a completion is recorded.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class WebhookReception {
    /** Request attribute: {@code Boolean.TRUE} on a delivery whose signature, timestamp and id were verified. */
    public static final String VERIFIED_ATTRIBUTE = "dev.aigw.webhook.verified";
    public static final String WEBHOOK_ID_ATTRIBUTE = "dev.aigw.webhook.id";
    public static final String CREATOR_ATTRIBUTE = "dev.aigw.webhook.creator";
    private static final String DELIVERY_ATTRIBUTE = "dev.aigw.webhook.delivery";
    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled", "aborted");
    private static volatile boolean warnedBlocking;

    private final WebhookConfig cfg;

    public WebhookReception(WebhookConfig cfg) {
        this.cfg = cfg;
    }

    /** @param exactPath the webhook path under the context, e.g. {@code /webhooks/replicate} */
    public void handle(HttpServletRequest req, HttpServletResponse resp, FilterChain chain, String exactPath)
            throws IOException, ServletException {
        if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(DELIVERY_ATTRIBUTE)
                instanceof Delivery d) {
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
            refusal(headers).sendUnread(req, resp);
            return;
        }
        long declared = req.getContentLengthLong();
        if (declared > cfg.maxBody() && (declared > DRAIN_LIMIT || !req.isAsyncSupported())) {
            tooLarge().with("Connection", "close").send(resp);
            return;
        }
        Delivery d = new Delivery(req, resp, id, ts, sig);
        if (req.isAsyncSupported()) {
            d.draining = declared > cfg.maxBody();
            d.readAsync();
        } else {
            if (!warnedBlocking) {
                warnedBlocking = true;
                LOG.log(System.Logger.Level.WARNING, "aigw: the webhook handler at " + exactPath + " is not "
                        + "async-supported, so webhook bodies are read blocking and a slow sender holds a thread; "
                        + "make the filter and the handler async-supported");
            }
            byte[] body = req.getInputStream().readNBytes(cfg.maxBody() + 1);
            if (body.length > cfg.maxBody()) {
                tooLarge().with("Connection", "close").send(resp);
                return;
            }
            if (d.verified(body)) {
                d.handOn(d.wrapped, resp, chain);
            }
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

    private static Refusal refusal(WebhookVerifier.Result r) {
        return switch (r.status()) {
            case MISSING_HEADERS, MALFORMED_HEADERS -> Refusal.of(400, "webhook_headers_invalid", r.message());
            case TIMESTAMP_OUT_OF_TOLERANCE -> Refusal.of(401, "webhook_timestamp_out_of_tolerance", r.message());
            default -> Refusal.of(401, "webhook_signature_mismatch", r.message());
        };
    }

    /** Bytes of an oversized body read and dropped (non-blocking), so that the client gets to read the 413. */
    private static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    private Refusal tooLarge() {
        return Refusal.of(413, "webhook_too_large", "the webhook body is larger than the limit of " + cfg.maxBody()
                + " bytes (aigw.webhook.max-body-bytes)");
    }

    /** One delivery's state, from the first byte read to the application's answer. */
    private final class Delivery implements ReadListener, AsyncListener {
        private final HttpServletRequest req;
        private final HttpServletResponse resp;
        private final String id;
        private final String ts;
        private final String sig;
        private final BufferedBodyRequest wrapped;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final long started = System.nanoTime();
        private final byte[] buf = new byte[8192];
        private AsyncContext ac;
        private ServletInputStream in;
        private boolean reading = true; // guarded by this, as the fields down to notes
        private boolean draining; // over the limit: read and dropped, then 413
        private long dropped;
        private boolean handedOn;
        private boolean finished;
        private Sniffed fields;
        private CallOptions creatorOptions = CallOptions.NONE;
        private final List<String> notes = new ArrayList<>(0); // what the record says about the shared state
        /** The context of the delivery's own request: the completion record's span is parented to it on any thread. */
        private final GatewayContext.Snapshot received = GatewayContext.capture();

        Delivery(HttpServletRequest req, HttpServletResponse resp, String id, String ts, String sig) {
            this.req = req;
            this.resp = resp;
            this.id = id;
            this.ts = ts;
            this.sig = sig;
            this.wrapped = new BufferedBodyRequest(req);
        }

        void readAsync() throws IOException {
            ac = req.startAsync(wrapped, resp);
            ac.setTimeout(cfg.readTimeout().toMillis());
            ac.addListener(this);
            in = req.getInputStream();
            in.setReadListener(this);
        }

        @Override
        public void onDataAvailable() throws IOException {
            synchronized (this) {
                if (!reading) {
                    return;
                }
                while (!in.isFinished() && in.isReady()) {
                    int n = in.read(buf);
                    if (n < 0) {
                        break;
                    }
                    if (!draining && body.size() + n > cfg.maxBody()) {
                        draining = true;
                        dropped = body.size();
                        body.reset();
                    }
                    if (draining) {
                        dropped += n;
                        if (dropped > DRAIN_LIMIT) {
                            answer(tooLarge().with("Connection", "close"));
                            return;
                        }
                    } else {
                        body.write(buf, 0, n);
                    }
                }
                long received = draining ? dropped : body.size();
                long elapsedMs = (System.nanoTime() - started) / 1_000_000;
                if (elapsedMs > 1000 && !in.isFinished() && received < cfg.minRate() * elapsedMs / 1000) {
                    answer(Refusal.of(408, "webhook_too_slow", "the webhook body arrived slower than "
                            + cfg.minRate() + " bytes/s (aigw.webhook.min-rate)").with("Connection", "close"));
                }
            }
        }

        @Override
        public void onAllDataRead() throws IOException {
            synchronized (this) {
                if (!reading) {
                    return;
                }
                if (draining) {
                    answer(tooLarge());
                    return;
                }
                reading = false;
            }
            if (verified(body.toByteArray())) {
                ac.dispatch(); // to the application, with the verified body, as an ASYNC dispatch
            } else {
                ac.complete();
            }
        }

        @Override
        public void onError(Throwable t) {
            synchronized (this) {
                if (!reading) {
                    return;
                }
                reading = false;
            }
            try { // the sender left mid-body: end it now (Jetty keeps the connection until the read timeout)
                ac.complete();
            } catch (IllegalStateException alreadyEnded) {
                // the container ended it
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            synchronized (this) {
                if (reading) {
                    answer(Refusal.of(408, "webhook_too_slow", "the webhook body did not arrive within "
                            + cfg.readTimeout().toSeconds() + " s (aigw.webhook.read-timeout)")
                            .with("Connection", "close"));
                    return;
                }
            }
            finished(500);
        }

        /** An answer of ours while reading: the rest of the body is not read, the connection is closed. */
        private void answer(Refusal r) throws IOException {
            reading = false;
            try {
                r.send(resp);
            } finally {
                ac.complete();
            }
        }

        /** Verifies the body; answers and returns false when it is not a delivery to hand on. */
        boolean verified(byte[] bytes) throws IOException {
            WebhookVerifier.Result r = cfg.verifier().verify(id, ts, sig, bytes, bytes.length, cfg.clock().instant()
                    .getEpochSecond());
            if (!r.valid()) {
                refusal(r).send(resp);
                return false;
            }
            switch (cfg.replays().begin(id)) {
                case DUPLICATE -> {
                    resp.setHeader("aigw-webhook", "duplicate");
                    Responses.json(resp, 200, "{\"status\":\"duplicate\",\"detail\":\"this webhook-id was already "
                            + "delivered and accepted; it is not handed on again\"}");
                    return false;
                }
                case IN_FLIGHT -> {
                    Refusal.of(409, "webhook_in_flight", "webhook-id " + id + " is being handled right now; retry "
                            + "later").with("Retry-After", "5").extra(Map.of("retry_after", 5)).send(resp);
                    return false;
                }
                case UNAVAILABLE -> { // nothing is handed on unchecked; Replicate delivers it again
                    Unavailable.webhookRefused(cfg.gateway(), bytes, cfg.replays().problem(), req, resp);
                    return false;
                }
                default -> {
                }
            }
            wrapped.body(bytes);
            Sniffed sniffed = WebhookRecords.sniff(bytes);
            CreatorIndex.Lookup found = cfg.creators() == null ? new CreatorIndex.Lookup(null, null)
                    : cfg.creators().apply(sniffed.id());
            Map<String, Object> creator = found.metadata();
            synchronized (this) {
                if (found.unavailable() != null) {
                    notes.add("creator not known (" + found.unavailable() + ")");
                }
                fields = sniffed;
                creatorOptions = creator == null || creator.isEmpty() ? CallOptions.NONE
                        : CallOptions.builder().metadata(creator).build();
            }
            req.setAttribute(VERIFIED_ATTRIBUTE, Boolean.TRUE);
            req.setAttribute(WEBHOOK_ID_ATTRIBUTE, id);
            if (creator != null) {
                req.setAttribute(CREATOR_ATTRIBUTE, creator);
            }
            req.setAttribute(DELIVERY_ATTRIBUTE, this);
            synchronized (this) {
                handedOn = true; // from here the application's answer decides: also when the dispatch skips us
            }
            return true;
        }

        /** Runs the application's handler on the verified request, in the creator's context. */
        void handOn(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                throws IOException, ServletException {
            boolean async = false;
            try (GatewayContext.Scope scope = GatewayContext.open(creatorOptions)) {
                chain.doFilter(request, response);
                async = request.isAsyncStarted();
                if (async && ac == null) {
                    request.getAsyncContext().addListener(this);
                }
            } catch (IOException | ServletException | RuntimeException | Error e) {
                finished(500);
                throw e;
            }
            if (!async && ac == null) {
                finished(response.getStatus()); // blocking path; the async path learns the end from onComplete
            }
        }

        @Override
        public void onComplete(AsyncEvent event) {
            boolean on;
            synchronized (this) {
                on = handedOn;
            }
            if (on) {
                finished(resp.getStatus());
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
            event.getAsyncContext().addListener(this); // the application went async in turn: stay informed
        }

        @Override
        public void onError(AsyncEvent event) {
            boolean on;
            synchronized (this) {
                on = handedOn;
                reading = false;
            }
            if (on) {
                finished(500);
            }
        }

        private void finished(int status) {
            synchronized (this) {
                if (finished || !handedOn) {
                    return;
                }
                finished = true;
            }
            boolean ok = status >= 200 && status < 300;
            List<String> said;
            synchronized (this) {
                // a failure to tell the shared state is retried there; meanwhile the id stays in flight
                if (!(ok ? cfg.replays().accepted(id) : cfg.replays().rejected(id))) {
                    notes.add("replay memory not updated (" + cfg.replays().problem() + "); " + (ok ? "accepted"
                            : "forgotten") + " when the shared state answers again");
                }
                said = List.copyOf(notes);
            }
            boolean terminal = ok && fields.id() != null && fields.status() != null
                    && TERMINAL.contains(fields.status());
            if (cfg.gateway() != null && cfg.gateway().enabled() && (terminal || !said.isEmpty())) {
                try (GatewayContext.Scope s = received.apply()) {
                    // one record of the delivery: the finished prediction with its creator's metadata
                    WebhookRecords.emit(cfg.gateway(), status, wrapped.body(), fields, creatorOptions, req, said);
                }
            }
        }
    }
}
