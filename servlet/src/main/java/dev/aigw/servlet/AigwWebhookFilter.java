package dev.aigw.servlet;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.GatewayHolder;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.ServletSettings;
import dev.aigw.servlet.internal.state.Retention;
import dev.aigw.servlet.internal.webhook.WebhookBudget;
import dev.aigw.servlet.internal.webhook.WebhookConfig;
import dev.aigw.servlet.internal.webhook.WebhookReception;
import dev.aigw.servlet.internal.webhook.WebhookVerifier;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;

/**
 * Verifies Replicate's webhooks before the application sees them (Replicate spec §6): the signature over
 * {@code webhook-id.webhook-timestamp.body} with the configured {@code whsec_} secret, compared in constant time; the
 * timestamp within a tolerance (default ±5 minutes); replays of an accepted {@code webhook-id} refused; a body size
 * limit, and a budget of bytes held by all deliveries not verified yet. A delivery that passes is handed on to the
 * application with its body unchanged, byte for byte.
 *
 * <p>Answers: 400 for missing or malformed webhook headers, 401 for a signature that does not match or a timestamp
 * outside the tolerance, 413 for a body over the limit, 503 with {@code Retry-After} for one that would take the
 * unverified deliveries' bodies over {@code aigw.webhook.max-unverified-bytes} (Replicate delivers it again), 405
 * for methods other than POST — each as problem+json naming what was wrong. A delivery whose {@code webhook-id} the
 * application already accepted (answered 2xx) within the replay window is answered 200 with
 * {@code aigw-webhook: duplicate} and not handed on again; one that is being handled right now is answered 409 with
 * {@code Retry-After}. When the application answers a delivery with anything but 2xx (or throws), its id is
 * forgotten, so Replicate's retry reaches the application again. With a {@link SharedState} engine all instances
 * share the ids; when the engine cannot be asked the delivery is answered 503 (not handed on), so that Replicate
 * delivers it again.
 *
 * <p>When the application accepted a delivery about a finished prediction (status {@code succeeded}, {@code failed},
 * {@code canceled} or {@code aborted}), one record goes to the gateway's listeners: method {@code WEBHOOK}, via
 * {@code WEBHOOK}, the prediction's id, status and metrics ({@code predict_time}, {@code total_time}) and the
 * metadata of the call that created it, when that call went through this application's gateway
 * ({@link PredictionCreators}). The application's
 * handler runs in that creator's {@link dev.aigw.GatewayContext}, so calls it makes are attributed to the same user.
 *
 * <p>Before a byte of the body is read, the path must be exactly the webhook path (a trailing slash, {@code ;}
 * parameters or a sub-path are refused with 404, so a wider mapping of the application's handler cannot be reached
 * around the filter) and the headers and timestamp must be valid. The body is then read with non-blocking servlet
 * I/O within {@code aigw.webhook.read-timeout} and at no less than {@code aigw.webhook.min-rate}, or, for a declared
 * length, half the pace that brings all of it within the read timeout (408 otherwise, judged a few times a second
 * whether bytes come or not), so a slow sender never holds a container thread nor its share of the unverified bytes
 * for long, and the verified delivery reaches the application by an ASYNC
 * dispatch of the request, carrying {@link #VERIFIED_ATTRIBUTE}. A handler should act only on requests with that
 * attribute.
 *
 * <p>Map it async-supported on the webhook path and on {@code <path>/*}, for the REQUEST and ASYNC dispatchers, ahead
 * of the request-context filter; the handler must be async-supported too (otherwise bodies are read blocking, with
 * a warning).
 */
public final class AigwWebhookFilter implements Filter {
    /**
     * Request attribute: {@code Boolean.TRUE} on a delivery this filter verified (signature, timestamp, not a
     * replay). Clients cannot set request attributes: a handler that finds it knows the body is Replicate's.
     */
    public static final String VERIFIED_ATTRIBUTE = WebhookReception.VERIFIED_ATTRIBUTE;
    /** Request attribute: the verified {@code webhook-id}. */
    public static final String WEBHOOK_ID_ATTRIBUTE = WebhookReception.WEBHOOK_ID_ATTRIBUTE;
    /** Request attribute: the creating call's metadata ({@code Map}), when known. */
    public static final String CREATOR_ATTRIBUTE = WebhookReception.CREATOR_ATTRIBUTE;

    /** Default body limit: 4 MiB. */
    public static final int DEFAULT_MAX_BODY = 4 * 1024 * 1024;

    private Builder config;
    private WebhookReception reception;
    private String path;
    private ServletContext acquiredFrom;

    /** Reads {@code aigw.webhook.*} and uses the web application's shared gateway, in {@link #init}. */
    public AigwWebhookFilter() {
    }

    private AigwWebhookFilter(Builder b) {
        this.config = b;
        this.reception = new WebhookReception(b.resolve());
        this.path = b.path;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig filterConfig) throws ServletException {
        ServletContext ctx = filterConfig.getServletContext();
        if (path == null) {
            // the exact path of the filter's mapping, when none was configured
            FilterRegistration r = ctx.getFilterRegistration(filterConfig.getFilterName());
            path = r == null ? null : r.getUrlPatternMappings().stream().filter(m -> m.startsWith("/")
                    && !m.contains("*")).findFirst().orElse(null);
        }
        if (config != null) {
            requirePath();
            return;
        }
        ServletSettings s = ServletSettings.of(filterConfig);
        Builder b = fromSettings(s);
        GatewayHolder.Shared shared = GatewayHolder.acquire(ctx, s);
        acquiredFrom = ctx;
        b.gateway(shared.gateway());
        b.creators(shared.creators());
        b.state(shared.state());
        config = b;
        reception = new WebhookReception(b.resolve());
        path = b.path != null ? b.path : path;
        requirePath();
    }

    /** Without an exact path the filter could protect nothing: it refuses to start rather than fail open. */
    private void requirePath() {
        if (path == null) {
            throw ServletSettings.CODE.invalid("aigw.webhook.path", null, "an exact path for the webhook filter to "
                    + "protect (e.g. /webhooks/replicate; or Builder.path(...), or map the filter to the exact path): it "
                    + "does not start rather than let unverified deliveries through");
        }
    }

    /**
     * The configuration {@code aigw.webhook.secret}, {@code aigw.webhook.path}, {@code aigw.webhook.tolerance},
     * {@code aigw.webhook.max-body-bytes}, {@code aigw.webhook.replay-capacity}, {@code aigw.webhook.read-timeout}
     * {@code aigw.webhook.min-rate} and {@code aigw.webhook.max-unverified-bytes} describe (no gateway yet).
     */
    static Builder fromSettings(ServletSettings s) {
        Builder b = builder();
        if (s.get("aigw.webhook.secret") == null) {
            throw s.invalid("aigw.webhook.secret", null, "the webhook signing secret (whsec_...), because the webhook "
                    + "filter is installed (GET /v1/webhooks/default/secret returns it)");
        }
        b.tolerance = s.duration("aigw.webhook.tolerance", WebhookVerifier.DEFAULT_TOLERANCE,
                Duration.ofSeconds(30), Duration.ofHours(1));
        b.settings = s;
        s.apply("aigw.webhook.secret", b::secret);
        s.apply("aigw.webhook.path", b::path);
        b.maxBody = (int) s.integer("aigw.webhook.max-body-bytes", DEFAULT_MAX_BODY, 1024, 64L * 1024 * 1024);
        b.replayCapacity = (int) s.integer("aigw.webhook.replay-capacity", ReplayGuard.DEFAULT_CAPACITY, 100,
                10_000_000);
        b.readTimeout = s.duration("aigw.webhook.read-timeout", WebhookConfig.DEFAULT_READ_TIMEOUT,
                Duration.ofSeconds(1), Duration.ofMinutes(10));
        b.minRate = (int) s.integer("aigw.webhook.min-rate", WebhookConfig.DEFAULT_MIN_RATE, 1, 1L << 30);
        // at least one body of the largest size must fit; 0 (unset): the default, from the body limit
        b.maxUnverified = s.integer("aigw.webhook.max-unverified-bytes", 0, b.maxBody, WebhookConfig.MAX_UNVERIFIED);
        return b;
    }

    /** {@code /webhooks/replicate} from {@code webhooks/replicate}; null when not an exact path. */
    static String exactPath(String value) {
        String p = value.strip();
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        return !p.matches("(/[A-Za-z0-9._~-]+)+") || p.matches(".*/\\.{1,2}(/.*)?") ? null : p;
    }

    @Override
    public void destroy() {
        if (reception != null) {
            reception.stop(); // no thread of the filter's outlives the web application
        }
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
        reception.handle(req, resp, chain, path);
    }

    /**
     * Programmatic configuration, for applications that register filters themselves. A bad value fails with a
     * {@link dev.aigw.GatewayConfigurationException} naming the setting it stands for, as the settings do.
     */
    public static final class Builder {
        private Gateway gateway;
        private PredictionCreators creators;
        private Clock clock = Clock.systemUTC();
        private int maxBody = DEFAULT_MAX_BODY;
        private int replayCapacity = ReplayGuard.DEFAULT_CAPACITY;
        private SharedState state = SharedState.memory();
        private Duration tolerance = WebhookVerifier.DEFAULT_TOLERANCE;
        private Duration readTimeout = WebhookConfig.DEFAULT_READ_TIMEOUT;
        private int minRate = WebhookConfig.DEFAULT_MIN_RATE;
        private long maxUnverified; // 0: the default, from maxBody
        private String secret;
        private String path;
        private ServletSettings settings = ServletSettings.CODE; // where the values came from, for errors

        private Builder() {
        }

        /** The {@code whsec_...} secret (several, space-separated, during a rotation). Required. */
        public Builder secret(String secret) {
            try {
                WebhookVerifier.of(Objects.requireNonNull(secret, "secret"), tolerance);
            } catch (IllegalArgumentException e) {
                throw ServletSettings.CODE.invalid("aigw.webhook.secret", secret, "whsec_ followed by base64 ("
                        + e.getMessage() + "); several may be given, separated by spaces, for rotation");
            }
            this.secret = secret;
            return this;
        }

        /**
         * The exact path deliveries come to, e.g. {@code /webhooks/replicate}; default: the filter's exact mapping.
         * Map the filter to it and to {@code <path>/*}: other spellings under it are refused.
         */
        public Builder path(String path) {
            this.path = exactPath(Objects.requireNonNull(path, "path"));
            if (this.path == null) {
                throw ServletSettings.CODE.invalid("aigw.webhook.path", path, "an exact path such as "
                        + "/webhooks/replicate (letters, digits, '.', '_', '~', '-')");
            }
            return this;
        }

        /** The configured exact path, or null. */
        public String path() {
            return path;
        }

        /** How far {@code webhook-timestamp} may be from now; default 5 minutes. */
        public Builder tolerance(Duration tolerance) {
            this.tolerance = ServletSettings.positive("aigw.webhook.tolerance", tolerance);
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
            this.maxBody = ServletSettings.positive("aigw.webhook.max-body-bytes", bytes);
            return this;
        }

        /**
         * The bytes all deliveries whose signature is not verified yet may hold together; a delivery that would go
         * over is answered 503 with {@code Retry-After}. At least {@link #maxBodyBytes}; default 32 MiB, or twice
         * the body limit when that is more.
         */
        public Builder maxUnverifiedBytes(long bytes) {
            this.maxUnverified = ServletSettings.positive("aigw.webhook.max-unverified-bytes", bytes);
            return this;
        }

        public Builder replayCapacity(int ids) {
            this.replayCapacity = ServletSettings.positive("aigw.webhook.replay-capacity", ids);
            return this;
        }

        /**
         * Longest time a delivery's body may take to arrive (default 30 s), and its slowest rate (4096 bytes/s); a
         * declared length must also keep half the pace that brings all of it within {@code timeout}.
         */
        public Builder readLimits(Duration timeout, int minBytesPerSecond) {
            this.readTimeout = ServletSettings.positive("aigw.webhook.read-timeout", timeout);
            this.minRate = ServletSettings.positive("aigw.webhook.min-rate", minBytesPerSecond);
            return this;
        }

        /** Where the replay memory lives; default {@link SharedState#memory()} (per instance). */
        public Builder state(SharedState state) {
            this.state = Objects.requireNonNull(state, "state");
            return this;
        }

        public AigwWebhookFilter build() {
            return new AigwWebhookFilter(this);
        }

        WebhookConfig resolve() {
            if (secret == null) {
                throw new IllegalStateException("a webhook secret is required");
            }
            WebhookVerifier verifier = WebhookVerifier.of(secret, tolerance);
            long budget = maxUnverified == 0 ? Math.max(WebhookConfig.DEFAULT_MAX_UNVERIFIED, 2L * maxBody)
                    : maxUnverified;
            if (budget < maxBody || budget > WebhookConfig.MAX_UNVERIFIED) {
                throw ServletSettings.CODE.invalid("aigw.webhook.max-unverified-bytes", Long.toString(budget),
                        "a whole number from aigw.webhook.max-body-bytes (" + maxBody + ") to "
                        + WebhookConfig.MAX_UNVERIFIED + ", so that one body of the largest size fits");
            }
            Duration window = verifier.tolerance().multipliedBy(2).plusMinutes(1);
            String given = settings.get("aigw.webhook.tolerance");
            Retention.WEBHOOK_ID.require(state.engineOrNull(), window, settings, "aigw.webhook.tolerance",
                    given != null ? given : ServletSettings.human(tolerance));
            return new WebhookConfig(verifier, ReplayGuard.of(window, replayCapacity, state.engineOrNull()), gateway,
                    creators == null ? null : creators::find, clock, maxBody, readTimeout, minRate, path,
                    new WebhookBudget(budget), WebhookConfig.newSweeper());
        }
    }
}
