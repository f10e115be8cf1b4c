package dev.aigw.testkit;

import dev.aigw.testkit.internal.FaultPlan;
import dev.aigw.testkit.internal.GatewayHandler;
import dev.aigw.testkit.internal.GatewayOptions;
import dev.aigw.testkit.internal.JettyServer;
import dev.aigw.testkit.internal.Policies;
import dev.aigw.testkit.internal.RateLimiter;
import dev.aigw.testkit.internal.RequestJournal;

import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A fake Cloudflare AI Gateway on 127.0.0.1 (random port), written from the gateway spec (§8). Routes
 * {@code {baseUrl}/{account}/{gateway}/{provider}/{rest}} to the configured upstream of {@code provider}:
 * <pre>
 * FakeGateway gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token("cf-test-token").start();
 * URI routed = gateway.providerUrl("replicate");  // http://127.0.0.1:PORT/v1/{DEFAULT_ACCOUNT}/{DEFAULT_GATEWAY}/replicate
 * </pre>
 * The logs API is served by the same server at {@link #logsUrl(String, String)}.
 */
public final class FakeGateway implements AutoCloseable {
    /** Account id used by {@link #providerUrl(String)} (any 32-hex id is accepted unless restricted). */
    public static final String DEFAULT_ACCOUNT = "0123456789abcdef0123456789abcdef";
    /** Gateway id used by {@link #providerUrl(String)}. */
    public static final String DEFAULT_GATEWAY = "testkit";

    /** Rate-limit technique (spec §3.3). */
    public enum Window { FIXED, SLIDING }

    private final JettyServer server;
    private final GatewayHandler handler;
    private final RateLimiter rateLimiter;
    private final FaultPlan faultPlan = new FaultPlan();
    private final Faults faults = new Faults(faultPlan);
    private final RequestJournal<GatewayRequest> requests = new RequestJournal<>();
    private final RequestJournal<GatewayLog> logs = new RequestJournal<>();
    private volatile boolean stopped;

    private FakeGateway(Builder b) {
        String name = "fake-gateway-" + Integer.toHexString(System.identityHashCode(this));
        this.rateLimiter = b.rateLimit == null ? null
                : new RateLimiter(b.rateLimit, b.rateInterval, b.window == Window.SLIDING);
        GatewayOptions.Defaults defaults = new GatewayOptions.Defaults(b.cacheTtl, b.requestTimeout, b.maxAttempts,
                b.retryDelay, b.backoff, b.collectLogs, b.collectPayloads);
        this.handler = new GatewayHandler(name, new GatewayHandler.Config(Map.copyOf(b.providers), b.token, b.account,
                b.gateway, defaults, rateLimiter, b.bodyCap, b.legacyIds, new Policies(b.denies, b.spendLimit),
                b.decodePaths), faultPlan, requests, logs);
        this.server = new JettyServer(name, handler);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Like {@code https://gateway.ai.cloudflare.com/v1}: {@code http://127.0.0.1:PORT/v1}. */
    public URI baseUrl() {
        return URI.create(root() + "/v1");
    }

    /** {@code baseUrl/DEFAULT_ACCOUNT/DEFAULT_GATEWAY/provider}: the replacement for a provider's API root. */
    public URI providerUrl(String provider) {
        return providerUrl(DEFAULT_ACCOUNT, DEFAULT_GATEWAY, provider);
    }

    public URI providerUrl(String account, String gateway, String provider) {
        return URI.create(baseUrl() + "/" + account + "/" + gateway + "/" + provider);
    }

    /** {@code http://127.0.0.1:PORT/client/v4}, like {@code https://api.cloudflare.com/client/v4}. */
    public URI apiRoot() {
        return URI.create(root() + "/client/v4");
    }

    /** {@code {apiRoot}/accounts/{account}/ai-gateway/gateways/{gateway}/logs}. */
    public URI logsUrl(String account, String gateway) {
        return URI.create(apiRoot() + "/accounts/" + account + "/ai-gateway/gateways/" + gateway + "/logs");
    }

    public int port() {
        return server.port();
    }

    private String root() {
        return "http://127.0.0.1:" + server.port();
    }

    public Faults faults() {
        return faults;
    }

    /** Every request that reached the gateway (refused ones included), oldest first. */
    public List<GatewayRequest> requests() {
        return requests.snapshot();
    }

    public List<GatewayRequest> awaitRequests(int n, Duration timeout) {
        return requests.await(n, timeout);
    }

    public void clearRequests() {
        requests.clear();
    }

    /** Log entries, oldest first (none for collect-log=false, auth failures and unknown providers). */
    public List<GatewayLog> logs() {
        return logs.snapshot();
    }

    /**
     * Waits for {@code n} log entries. An entry is written just before the last byte of its response, so once a
     * client has read a whole response its entry is in {@link #logs()}; this is for responses not read to the end.
     */
    public List<GatewayLog> awaitLogs(int n, Duration timeout) {
        return logs.await(n, timeout);
    }

    public void clearCache() {
        handler.clearCache();
    }

    /** Clears requests, logs, cache, faults, spend and the rate-limit window. */
    public void reset() {
        requests.clear();
        logs.clear();
        handler.clearCache();
        handler.resetSpend();
        faultPlan.clear();
        if (rateLimiter != null) {
            rateLimiter.reset();
        }
    }

    /** Stops the server, the upstream client and all their threads; idempotent. */
    public void stop() {
        if (!stopped) {
            stopped = true;
            faultPlan.clear(); // held requests are answered: nothing left for the server's stop to wait for
            server.stop();
        }
    }

    @Override
    public void close() {
        stop();
    }

    public static final class Builder {
        private final Map<String, URI> providers = new LinkedHashMap<>();
        private String token;
        private String account;
        private String gateway;
        private Duration cacheTtl;
        private Integer rateLimit;
        private Duration rateInterval;
        private Window window;
        private Duration requestTimeout;
        private int maxAttempts = 1;
        private Duration retryDelay = Duration.ofMillis(100);
        private String backoff = "constant";
        private boolean collectLogs = true;
        private boolean collectPayloads = true;
        private int bodyCap = 1024 * 1024;
        private boolean legacyIds;
        private final List<Policies.Deny> denies = new java.util.ArrayList<>();
        private Policies.SpendLimit spendLimit;
        private boolean decodePaths;

        private Builder() {
        }

        /**
         * A Policy that denies requests whose metadata (as kept by the gateway) has {@code key} = {@code value}:
         * 403 {@code {"success":false,"error":{"message":"Access denied by policy"}}} — the {@code error}-as-object
         * envelope of spec §9. Cached responses skip it.
         */
        public Builder denyWhenMetadata(String key, Object value) {
            denies.add(new Policies.Deny(Objects.requireNonNull(key), Objects.requireNonNull(value)));
            return this;
        }

        /**
         * A spend limit split by the metadata key {@code key}: once the {@code total_cost}s of
         * {@code cf-aig-custom-cost} of a bucket's successful requests reach {@code limitUsd}, its requests get 429
         * {@code {"success":false,"error":{"message":"Spending limit exceeded","bucket":"key:value","spent":…,"limit":…}}}.
         */
        public Builder spendLimit(String key, double limitUsd) {
            this.spendLimit = new Policies.SpendLimit(Objects.requireNonNull(key), limitUsd);
            return this;
        }

        /** ULID log ids as before October 2026 instead of UUIDv7 (clients must treat ids as opaque). */
        public Builder legacyLogIds(boolean on) {
            this.legacyIds = on;
            return this;
        }

        /**
         * Acts on what a path means, as a normalising server does, instead of on its spelling: escapes decoded
         * ({@code %2F} included), backslashes as slashes, {@code ;} parameters dropped, {@code //} merged, dot
         * segments resolved, trailing slash removed, before routing and forwarding. Requests are recorded with the
         * normalised {@link GatewayRequest#providerPath()}. For tests that a client's spelling cannot reach another route.
         */
        public Builder decodePaths() {
            this.decodePaths = true;
            return this;
        }

        /** Routes {@code /{provider}/{rest}} to {@code upstream + "/" + rest}; unknown slugs answer 400/2008. */
        public Builder provider(String slug, URI upstream) {
            providers.put(Objects.requireNonNull(slug), Objects.requireNonNull(upstream));
            return this;
        }

        /** Authenticated gateway: requires {@code cf-aig-authorization: Bearer <token>}, else 401/2009. */
        public Builder token(String token) {
            this.token = Objects.requireNonNull(token);
            return this;
        }

        /** Only this account id is served; others get 404 AiGatewayError 2001 "Gateway not found". */
        public Builder account(String account) {
            this.account = Objects.requireNonNull(account);
            return this;
        }

        /** Only this gateway id is served; others get 404 AiGatewayError 2001 "Gateway not found". */
        public Builder gateway(String gateway) {
            this.gateway = Objects.requireNonNull(gateway);
            return this;
        }

        /** Gateway-wide caching ("Cache Responses") with this TTL. Off by default. */
        public Builder cacheTtl(Duration ttl) {
            this.cacheTtl = Objects.requireNonNull(ttl);
            return this;
        }

        /** Gateway-wide rate limit: {@code limit} requests per {@code interval}, answered 429/2003 beyond. */
        public Builder rateLimit(int limit, Duration interval, Window technique) {
            this.rateLimit = limit;
            this.rateInterval = Objects.requireNonNull(interval);
            this.window = Objects.requireNonNull(technique);
            return this;
        }

        /** Default time to the upstream's first byte (header {@code cf-aig-request-timeout} overrides). */
        public Builder requestTimeout(Duration timeout) {
            this.requestTimeout = Objects.requireNonNull(timeout);
            return this;
        }

        /** Default retries ("Retry Requests"): total attempts 1..5, base delay, constant|linear|exponential. */
        public Builder retries(int maxAttempts, Duration delay, String backoff) {
            if (maxAttempts < 1 || maxAttempts > 5 || !Set.of("constant", "linear", "exponential").contains(backoff)) {
                throw new IllegalArgumentException("maxAttempts 1..5 and backoff constant|linear|exponential");
            }
            this.maxAttempts = maxAttempts;
            this.retryDelay = Objects.requireNonNull(delay);
            this.backoff = backoff;
            return this;
        }

        /** Gateway log setting (default on); {@code cf-aig-collect-log} overrides per request. */
        public Builder collectLogs(boolean on) {
            this.collectLogs = on;
            return this;
        }

        /** Whether bodies are stored in logs (default on); {@code cf-aig-collect-log-payload} overrides. */
        public Builder collectLogPayloads(boolean on) {
            this.collectPayloads = on;
            return this;
        }

        /** Bytes of each request body kept in {@link RecordedRequest} and in log payloads (default 1 MiB). */
        public Builder recordBodyCap(int bytes) {
            this.bodyCap = bytes;
            return this;
        }

        public FakeGateway start() {
            FakeGateway fake = new FakeGateway(this);
            fake.server.start();
            return fake;
        }
    }
}
