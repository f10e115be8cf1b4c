package dev.aigw.servlet;

import dev.aigw.CallOptions;
import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.GatewayContext;
import dev.aigw.Provider;
import dev.aigw.Route;
import dev.aigw.internal.JsonSniffer;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.internal.Sniffed;
import dev.aigw.servlet.internal.WebhookVerifier;
import dev.aigw.servlet.internal.BufferedBodyRequest;
import dev.aigw.servlet.internal.GatewayHolder;
import dev.aigw.servlet.internal.Responses;
import dev.aigw.servlet.internal.ServletSettings;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Verifies Replicate's webhooks before the application sees them (Replicate spec §6): the signature over
 * {@code webhook-id.webhook-timestamp.body} with the configured {@code whsec_} secret, compared in constant time; the
 * timestamp within a tolerance (default ±5 minutes); replays of an accepted {@code webhook-id} refused; a body size
 * limit. A delivery that passes is handed on to the application with its body unchanged, byte for byte.
 *
 * <p>Answers: 400 for missing or malformed webhook headers, 401 for a signature that does not match or a timestamp
 * outside the tolerance, 413 for a body over the limit, 405 for methods other than POST — each as problem+json
 * naming what was wrong. A delivery whose {@code webhook-id} the application already accepted (answered 2xx) within
 * the replay window is answered 200 with {@code aigw-webhook: duplicate} and not handed on again; one that is being
 * handled right now is answered 409 with {@code Retry-After}. When the application answers a delivery with anything
 * but 2xx (or throws), its id is forgotten, so Replicate's retry reaches the application again.
 *
 * <p>When the application accepted a delivery about a finished prediction (status {@code succeeded}, {@code failed},
 * {@code canceled} or {@code aborted}), one record goes to the gateway's listeners: method {@code WEBHOOK}, the
 * prediction's id, status and metrics ({@code predict_time}, {@code total_time}) and the metadata of the call that
 * created it, when that call went through this application's gateway ({@link PredictionCreators}). The application's
 * handler runs in that creator's {@link GatewayContext}, so calls it makes are attributed to the same user.
 *
 * <p>Map it async-supported on the webhook path for the REQUEST dispatcher, ahead of the request-context filter.
 */
public final class AigwWebhookFilter implements Filter {
    /** Request attribute: the verified {@code webhook-id}. */
    public static final String WEBHOOK_ID_ATTRIBUTE = "dev.aigw.webhook.id";
    /** Request attribute: the creating call's metadata ({@code Map}), when known. */
    public static final String CREATOR_ATTRIBUTE = "dev.aigw.webhook.creator";

    /** Default body limit: 4 MiB. */
    public static final int DEFAULT_MAX_BODY = 4 * 1024 * 1024;

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");
    private static final Set<String> TERMINAL = Set.of("succeeded", "failed", "canceled", "aborted");

    private Builder config;
    private WebhookVerifier verifier;
    private ReplayGuard replays;
    private Gateway gateway;
    private PredictionCreators creators;
    private Clock clock;
    private int maxBody;
    private jakarta.servlet.ServletContext acquiredFrom;

    /** Reads {@code aigw.webhook.*} and uses the web application's shared gateway, in {@link #init}. */
    public AigwWebhookFilter() {
    }

    private AigwWebhookFilter(Builder b) {
        this.config = b;
        apply(b);
    }

    public static Builder builder() {
        return new Builder();
    }

    private void apply(Builder b) {
        this.verifier = b.verifier;
        this.gateway = b.gateway;
        this.creators = b.creators;
        this.clock = b.clock;
        this.maxBody = b.maxBody;
        this.replays = new ReplayGuard(b.verifier.tolerance().multipliedBy(2).plusMinutes(1), b.replayCapacity);
    }

    @Override
    public void init(FilterConfig filterConfig) {
        if (config != null) {
            return;
        }
        ServletSettings s = ServletSettings.of(filterConfig);
        Builder b = fromSettings(s);
        GatewayHolder.Shared shared = GatewayHolder.acquire(filterConfig.getServletContext(), s);
        acquiredFrom = filterConfig.getServletContext();
        b.gateway(shared.gateway());
        b.creators(shared.creators());
        config = b;
        apply(b);
    }

    /**
     * The configuration {@code aigw.webhook.secret}, {@code aigw.webhook.tolerance} and
     * {@code aigw.webhook.max-body-bytes} describe (no gateway yet).
     */
    static Builder fromSettings(ServletSettings s) {
        Builder b = builder();
        String secret = s.get("aigw.webhook.secret");
        if (secret == null) {
            throw s.invalid("aigw.webhook.secret", null, "the webhook signing secret (whsec_...), because the webhook "
                    + "filter is installed (GET /v1/webhooks/default/secret returns it)");
        }
        Duration tolerance = s.duration("aigw.webhook.tolerance", WebhookVerifier.DEFAULT_TOLERANCE,
                Duration.ofSeconds(30), Duration.ofHours(1));
        try {
            b.verifier = WebhookVerifier.of(secret, tolerance);
        } catch (IllegalArgumentException e) {
            throw s.invalid("aigw.webhook.secret", secret, "whsec_ followed by base64 (" + e.getMessage()
                    + "); several may be given, separated by spaces, for rotation");
        }
        b.maxBody = (int) s.integer("aigw.webhook.max-body-bytes", DEFAULT_MAX_BODY, 1024, 64L * 1024 * 1024);
        b.replayCapacity = (int) s.integer("aigw.webhook.replay-capacity", 100_000, 100, 10_000_000);
        return b;
    }

    @Override
    public void destroy() {
        if (acquiredFrom != null) {
            GatewayHolder.release(acquiredFrom);
            acquiredFrom = null;
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        if (!"POST".equals(req.getMethod())) {
            resp.setHeader("Allow", "POST");
            Responses.problem(resp, 405, "Method Not Allowed", "Replicate delivers webhooks with POST",
                    "method_not_allowed", null);
            return;
        }
        long declared = req.getContentLengthLong();
        if (declared > maxBody) {
            tooLarge(req, resp);
            return;
        }
        byte[] body;
        InputStream in = req.getInputStream();
        body = in.readNBytes(maxBody + 1);
        if (body.length > maxBody) {
            tooLarge(req, resp);
            return;
        }
        String id = req.getHeader("webhook-id");
        WebhookVerifier.Result result = verifier.verify(id, req.getHeader("webhook-timestamp"),
                req.getHeader("webhook-signature"), body, body.length, clock.instant().getEpochSecond());
        switch (result.status()) {
            case VALID -> {
            }
            case MISSING_HEADERS, MALFORMED_HEADERS -> {
                Responses.problem(resp, 400, "Bad Request", result.message(), "webhook_headers_invalid", null);
                return;
            }
            case TIMESTAMP_OUT_OF_TOLERANCE -> {
                Responses.problem(resp, 401, "Unauthorized", result.message(), "webhook_timestamp_out_of_tolerance",
                        null);
                return;
            }
            default -> {
                Responses.problem(resp, 401, "Unauthorized", result.message(), "webhook_signature_mismatch", null);
                return;
            }
        }
        switch (replays.begin(id)) {
            case DUPLICATE -> {
                resp.setHeader("aigw-webhook", "duplicate");
                Responses.json(resp, 200, "{\"status\":\"duplicate\",\"detail\":\"this webhook-id was already "
                        + "delivered and accepted; it is not handed on again\"}");
                return;
            }
            case IN_FLIGHT -> {
                resp.setHeader("Retry-After", "5");
                Responses.problem(resp, 409, "Conflict", "webhook-id " + id + " is being handled right now; retry "
                        + "later", "webhook_in_flight", Map.of("retry_after", 5));
                return;
            }
            case ADMITTED -> {
            }
        }
        handOn(req, resp, chain, id, body);
    }

    private void handOn(HttpServletRequest req, HttpServletResponse resp, FilterChain chain, String id, byte[] body)
            throws IOException, ServletException {
        JsonSniffer sniffer = new JsonSniffer();
        sniffer.feed(body, 0, body.length);
        sniffer.finish();
        Sniffed fields = sniffer.result();
        Map<String, Object> creator = creators == null ? null : creators.metadataOf(fields.id());
        req.setAttribute(WEBHOOK_ID_ATTRIBUTE, id);
        if (creator != null) {
            req.setAttribute(CREATOR_ATTRIBUTE, creator);
        }
        CallOptions creatorOptions = creator == null || creator.isEmpty() ? CallOptions.NONE
                : CallOptions.builder().metadata(creator).build();
        AtomicBoolean done = new AtomicBoolean();
        boolean async = false;
        try (GatewayContext.Scope scope = GatewayContext.open(creatorOptions)) {
            BufferedBodyRequest wrapped = new BufferedBodyRequest(req, body);
            chain.doFilter(wrapped, resp);
            if (req.isAsyncStarted()) {
                async = true;
                req.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        finished(done, id, resp.getStatus(), body, fields, creatorOptions, req);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                        finished(done, id, 500, body, fields, creatorOptions, req);
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                        finished(done, id, 500, body, fields, creatorOptions, req);
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        event.getAsyncContext().addListener(this);
                    }
                });
            }
        } catch (IOException | ServletException | RuntimeException | Error e) {
            replays.rejected(id);
            done.set(true);
            throw e;
        }
        if (!async) {
            finished(done, id, resp.getStatus(), body, fields, creatorOptions, req);
        }
    }

    private void finished(AtomicBoolean done, String id, int status, byte[] body, Sniffed fields,
                          CallOptions creatorOptions, HttpServletRequest req) {
        if (!done.compareAndSet(false, true)) {
            return;
        }
        if (status < 200 || status >= 300) {
            replays.rejected(id);
            return;
        }
        replays.accepted(id);
        if (gateway != null && gateway.enabled() && fields.id() != null && fields.status() != null && TERMINAL.contains(fields.status())) {
            emit(status, body, fields, creatorOptions, req);
        }
    }

    private void emit(int status, byte[] body, Sniffed fields, CallOptions creatorOptions, HttpServletRequest req) {
        try {
            URI prediction = URI.create("https://api.replicate.com/v1/predictions/" + encodeId(fields.id()));
            URI receiver = URI.create(req.getRequestURL().toString());
            Route route = new Route(Provider.REPLICATE, prediction, receiver, "/predictions/" + encodeId(fields.id()));
            Exchange x = gateway.exchange("WEBHOOK", route, creatorOptions);
            x.responseHead(status, h -> h.equalsIgnoreCase("Content-Type") ? "application/json" : null);
            x.responseBody(body, 0, body.length);
            x.complete();
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "aigw: could not record a webhook: " + gateway.redact(String.valueOf(
                    e.getMessage())));
        }
    }

    private static String encodeId(String id) {
        StringBuilder sb = new StringBuilder(id.length());
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            sb.append(Character.isLetterOrDigit(c) && c < 128 || c == '-' || c == '_' ? c : '_');
        }
        return sb.toString();
    }

    /** Bytes of an oversized body read and dropped, so that the client gets to read the 413 before we close. */
    private static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    private static void tooLarge(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long declared = req.getContentLengthLong();
        if (declared < 0 || declared <= DRAIN_LIMIT) {
            InputStream in = req.getInputStream();
            byte[] sink = new byte[8192];
            long left = DRAIN_LIMIT;
            for (int n; left > 0 && (n = in.read(sink, 0, (int) Math.min(sink.length, left))) > 0; ) {
                left -= n;
            }
            if (left <= 0) {
                resp.setHeader("Connection", "close");
            }
        } else {
            resp.setHeader("Connection", "close");
        }
        Responses.problem(resp, 413, "Content Too Large", "the webhook body is larger than the limit "
                + "(aigw.webhook.max-body-bytes)", "webhook_too_large", null);
    }

    /** Programmatic configuration, for applications that register filters themselves. */
    public static final class Builder {
        private WebhookVerifier verifier;
        private Gateway gateway;
        private PredictionCreators creators;
        private Clock clock = Clock.systemUTC();
        private int maxBody = DEFAULT_MAX_BODY;
        private int replayCapacity = 100_000;
        private Duration tolerance = WebhookVerifier.DEFAULT_TOLERANCE;
        private String secret;

        private Builder() {
        }

        /** The {@code whsec_...} secret (several, space-separated, during a rotation). Required. */
        public Builder secret(String secret) {
            this.secret = Objects.requireNonNull(secret, "secret");
            this.verifier = null;
            return this;
        }

        /** How far {@code webhook-timestamp} may be from now; default 5 minutes. */
        public Builder tolerance(Duration tolerance) {
            this.tolerance = Objects.requireNonNull(tolerance, "tolerance");
            this.verifier = null;
            return this;
        }

        /** The gateway whose listeners receive completion records; optional. */
        public Builder gateway(Gateway gateway) {
            this.gateway = gateway;
            return this;
        }

        /** Where creators' metadata comes from; add the same instance as a listener of the creating gateway. */
        public Builder creators(PredictionCreators creators) {
            this.creators = creators;
            return this;
        }

        /** The clock timestamps are checked against (tests, or a corrected clock). */
        public Builder clock(Clock clock) {
            this.clock = Objects.requireNonNull(clock, "clock");
            return this;
        }

        public Builder maxBodyBytes(int bytes) {
            if (bytes < 1) {
                throw new IllegalArgumentException("maxBodyBytes must be positive");
            }
            this.maxBody = bytes;
            return this;
        }

        public Builder replayCapacity(int ids) {
            if (ids < 1) {
                throw new IllegalArgumentException("replayCapacity must be positive");
            }
            this.replayCapacity = ids;
            return this;
        }

        public AigwWebhookFilter build() {
            if (verifier == null) {
                if (secret == null) {
                    throw new IllegalStateException("a webhook secret is required");
                }
                verifier = WebhookVerifier.of(secret, tolerance);
            }
            return new AigwWebhookFilter(this);
        }
    }
}
