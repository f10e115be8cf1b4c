package dev.aigw.servlet;

import dev.aigw.Settings;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ServletSettings;
import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * Where aigw keeps the state of its controls — the proxy's per-user rate limit, the webhook replay memory and who
 * created each prediction: in each instance's memory (the default), or on an engine every instance of the
 * application shares, so that the controls hold across a cluster:
 * <ul>
 *   <li><b>Redis</b>, through Jedis ({@code redis.clients:jedis} on the class path): a URL, or the application's own
 *       client;</li>
 *   <li><b>JCache</b> (JSR-107: Hazelcast, Infinispan, Ehcache, Redisson...; {@code javax.cache:cache-api} and
 *       {@code com.bucket4j:bucket4j_jdk17-jcache}): one cache of the application's {@code CacheManager}.</li>
 * </ul>
 * From the settings: {@code aigw.state} = {@code memory}, {@code redis} or {@code jcache}, with
 * {@code aigw.state.redis-url}, {@code aigw.state.cache}, {@code aigw.state.jcache-uri},
 * {@code aigw.state.on-failure}, {@code aigw.state.timeout} and {@code aigw.state.local-permits}. In code:
 * <pre>{@code
 * SharedState state = SharedState.builder().redis(jedisClient).onFailure(SharedState.OnFailure.CLOSED).build();
 * PredictionCreators creators = new PredictionCreators(state);
 * AigwProxyFilter.builder().state(state)...;  AigwWebhookFilter.builder().state(state)...;
 * }</pre>
 * Every engine call waits at most the timeout. When the engine fails, a rate limit that cannot be checked lets the
 * call through ({@link OnFailure#OPEN}, the default) or refuses it with 503 ({@link OnFailure#CLOSED}); a webhook
 * whose replay status cannot be checked is answered 503, so that Replicate delivers it again; the record of each such
 * call says so; and service comes back by itself when the engine does. See docs/CLUSTER.md.
 *
 * <p>Close a state you built when the application stops (after the filters). aigw closes only what it created: the
 * client it opened for a URL, the cache manager it looked up from the provider — never objects handed to it.
 */
public final class SharedState implements AutoCloseable {
    /** What a rate limit does when the shared engine cannot be asked. */
    public enum OnFailure {
        /** Let the call through (and say so in its record). */
        OPEN,
        /** Refuse it with 503 and {@code Retry-After} (and say so in its record). */
        CLOSED
    }

    /** Default bound of each engine call. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofMillis(500);
    /** Default cache name for {@code jcache}. */
    public static final String DEFAULT_CACHE = "aigw";
    /** How long the creator of a prediction is remembered on an engine. */
    public static final Duration DEFAULT_CREATOR_TTL = Duration.ofDays(1);

    private static final SharedState MEMORY = new SharedState(null, DEFAULT_CREATOR_TTL, 0);

    /** Most local permits: beyond this the overshoot a burst can bring is no longer a tolerance. */
    public static final int MAX_LOCAL_PERMITS = 1000;

    private final StateEngine engine;
    private final Duration creatorTtl;
    private final int localPermits;

    private SharedState(StateEngine engine, Duration creatorTtl, int localPermits) {
        this.engine = engine;
        this.creatorTtl = creatorTtl;
        this.localPermits = localPermits;
    }

    /** Each instance's own memory: nothing shared (today's behaviour, the default). */
    public static SharedState memory() {
        return MEMORY;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code memory}, {@code redis} or {@code jcache}. */
    public String engine() {
        return engine == null ? "memory" : engine.name();
    }

    /** Package-private: the filters hand the engine to their internals; null in memory. */
    StateEngine engineOrNull() {
        return engine;
    }

    Duration creatorTtl() {
        return creatorTtl;
    }

    /** Calls of a principal an instance may let through before it writes them to the engine; 0: every call asks. */
    int localPermits() {
        return localPermits;
    }

    /** Ends what aigw started for this state (its Redis client, its cache manager, its threads). Idempotent. */
    @Override
    public void close() {
        if (engine != null) {
            engine.close();
        }
    }

    @Override
    public String toString() {
        return "SharedState[" + engine() + "]";
    }

    /**
     * The state the {@code aigw.state.*} settings describe; a bad value fails with the one-line settings error.
     *
     * @param webAppLoader the web application's class loader (where its JCache provider is found)
     */
    public static SharedState fromSettings(Settings settings, ClassLoader webAppLoader) {
        ClassLoader loader = webAppLoader != null ? webAppLoader : Thread.currentThread().getContextClassLoader();
        ServletSettings s = ServletSettings.of(settings);
        Builder b = check(settings);
        if (b.fromProvider) {
            try {
                b.cacheManager = StateEngines.cacheManager(b.providerUri, loader);
            } catch (RuntimeException e) {
                String key = b.providerUri != null ? "aigw.state.jcache-uri" : "aigw.state";
                String why = e.getMessage() + (e.getCause() == null ? "" : ": " + e.getCause().getMessage());
                throw s.invalid(key, s.get(key), "jcache with exactly one JCache provider on the class path, or the "
                        + "one named by the system property javax.cache.spi.CachingProvider, and a URI it can open ("
                        + why.replaceAll("\\s+", " ") + ")");
            }
            b.ownerLoader = loader;
        }
        return b.build();
    }

    /**
     * Checks the {@code aigw.state.*} settings without connecting to anything (at start-up); a bad value fails with
     * the one-line settings error.
     */
    public static Builder check(Settings settings) {
        ServletSettings s = ServletSettings.of(settings);
        String kind = s.get("aigw.state");
        String mode = kind == null ? "memory" : kind.strip().toLowerCase(Locale.ROOT);
        if (!mode.equals("memory") && !mode.equals("redis") && !mode.equals("jcache")) {
            throw s.invalid("aigw.state", kind, "memory (each instance its own), redis (with aigw.state.redis-url) "
                    + "or jcache (a cache of the application's JCache provider, aigw.state.cache)");
        }
        Builder b = builder();
        String failure = s.get("aigw.state.on-failure");
        if (failure != null) {
            switch (failure.strip().toLowerCase(Locale.ROOT)) {
                case "open" -> b.onFailure(OnFailure.OPEN);
                case "closed" -> b.onFailure(OnFailure.CLOSED);
                default -> throw s.invalid("aigw.state.on-failure", failure, "open (a rate limit that cannot be "
                        + "checked lets calls through) or closed (refuses them with 503)");
            }
        }
        b.timeout(s.duration("aigw.state.timeout", DEFAULT_TIMEOUT, Duration.ofMillis(10), Duration.ofSeconds(10)));
        if (mode.equals("jcache")) {
            b.keepFor = ratePeriod(s.get("aigw.proxy.rate-limit"));
        }
        String local = s.get("aigw.state.local-permits");
        if (local != null) {
            b.localPermits((int) s.integer("aigw.state.local-permits", 0, 0, MAX_LOCAL_PERMITS));
            only(s, "aigw.state.local-permits", local, mode, "redis", "jcache");
        }
        String url = s.get("aigw.state.redis-url");
        if (url != null) {
            s.apply("aigw.state.redis-url", b::redis);
            only(s, "aigw.state.redis-url", url, mode, "redis");
        }
        String cache = s.get("aigw.state.cache");
        if (cache != null) {
            s.apply("aigw.state.cache", v -> b.cacheName = cacheName(v));
            only(s, "aigw.state.cache", cache, mode, "jcache");
        }
        String uri = s.get("aigw.state.jcache-uri");
        if (uri != null) {
            try {
                b.providerUri = new URI(uri);
            } catch (URISyntaxException e) {
                throw s.invalid("aigw.state.jcache-uri", uri, "a URI the JCache provider understands (e.g. its "
                        + "configuration file's); unset: the provider's default");
            }
            only(s, "aigw.state.jcache-uri", uri, mode, "jcache");
        }
        if (mode.equals("redis")) {
            needs(s, kind, "redis");
            if (url == null) {
                throw s.invalid("aigw.state.redis-url", null, "a Redis URL such as redis://host:6379/0, because "
                        + "aigw.state=redis");
            }
        } else if (mode.equals("jcache")) {
            needs(s, kind, "jcache");
            b.fromProvider = true; // the manager is looked up by fromSettings
        }
        return b;
    }

    /** The period of the rate limit {@code spec}, or null (none, or not a rate: the proxy's settings say so). */
    private static Duration ratePeriod(String spec) {
        try {
            return spec == null ? null : RateLimiter.Rate.parse(spec).period();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static String cacheName(String name) {
        if (!Objects.requireNonNull(name, "cacheName").matches("[A-Za-z0-9._:-]{1,128}")) {
            throw ServletSettings.CODE.invalid("aigw.state.cache", name, "a cache name of 1 to 128 letters, digits, "
                    + "'.', '_', ':' or '-'");
        }
        return name;
    }

    private static void only(ServletSettings s, String key, String value, String mode, String... engines) {
        if (!java.util.List.of(engines).contains(mode)) {
            throw s.invalid(key, value, "a value only with aigw.state=" + String.join(" or ", engines)
                    + " (aigw.state is " + mode + ")");
        }
    }

    private static void needs(ServletSettings s, String kind, String engine) {
        String missing = StateEngines.missing(engine);
        if (missing != null) {
            throw s.invalid("aigw.state", kind, engine + " with its libraries on the web application's class path; "
                    + "missing: " + missing);
        }
    }

    /**
     * Programmatic configuration. A bad value fails with a {@link dev.aigw.GatewayConfigurationException} naming the
     * setting it stands for, as the settings do.
     */
    public static final class Builder {
        private RedisUrl redisUrl;
        private Object redisClient;
        private Object cacheManager;
        private String cacheName = DEFAULT_CACHE;
        private ClassLoader ownerLoader; // set when aigw looked the manager up: it closes it
        private boolean fromProvider;
        private URI providerUri;
        private OnFailure onFailure = OnFailure.OPEN;
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration creatorTtl = DEFAULT_CREATOR_TTL;
        private int localPermits;
        private Duration keepFor; // the settings' rate-limit period: a cache aigw creates keeps buckets that long

        private Builder() {
        }

        /** Redis at {@code redis://[[user]:password@]host[:port][/db]} or {@code rediss://...}: aigw's own client. */
        public Builder redis(String url) {
            try {
                this.redisUrl = RedisUrl.parse(Objects.requireNonNull(url, "url"));
            } catch (IllegalArgumentException e) {
                throw ServletSettings.CODE.invalid("aigw.state.redis-url", url, RedisUrl.ALLOWED + " ("
                        + e.getMessage() + ")");
            }
            this.redisClient = null;
            this.cacheManager = null;
            return this;
        }

        /**
         * Redis through the application's Jedis client ({@code RedisClient}, {@code JedisPooled}, ...), used with its
         * own timeouts and never closed by aigw.
         */
        public Builder redis(redis.clients.jedis.UnifiedJedis client) {
            this.redisClient = Objects.requireNonNull(client, "client");
            this.redisUrl = null;
            this.cacheManager = null;
            return this;
        }

        /** The cache {@value #DEFAULT_CACHE} of the application's JCache manager (never closed by aigw). */
        public Builder jcache(javax.cache.CacheManager manager) {
            return jcache(manager, DEFAULT_CACHE);
        }

        /** The cache {@code cacheName} of the application's JCache manager, created when missing. */
        public Builder jcache(javax.cache.CacheManager manager, String cacheName) {
            this.cacheManager = Objects.requireNonNull(manager, "manager");
            this.cacheName = cacheName(cacheName);
            this.ownerLoader = null;
            this.redisUrl = null;
            this.redisClient = null;
            return this;
        }

        /** What a rate limit does when the engine cannot be asked; default {@link OnFailure#OPEN}. */
        public Builder onFailure(OnFailure onFailure) {
            this.onFailure = Objects.requireNonNull(onFailure, "onFailure");
            return this;
        }

        /** Bound of each engine call; default 500 ms. */
        public Builder timeout(Duration timeout) {
            this.timeout = ServletSettings.positive("aigw.state.timeout", timeout);
            return this;
        }

        /**
         * Calls of one principal that each instance may let through on the bucket state it last read, before it
         * writes them to the engine ({@code aigw.state.local-permits}); default 0: every call is decided on the
         * engine. With {@code k}, most calls of a busy principal cost no round trip, and a burst can get up to
         * {@code k} more calls per instance through than the limit; what an instance lets through is written with
         * its next round trip and then owed by the bucket, so over time the rate holds. See docs/CLUSTER.md.
         */
        public Builder localPermits(int localPermits) {
            this.localPermits = (int) ServletSettings.within("aigw.state.local-permits", localPermits, 0,
                    MAX_LOCAL_PERMITS);
            return this;
        }

        /** How long the creator of a prediction is remembered; default one day. */
        public Builder creatorTtl(Duration ttl) {
            this.creatorTtl = ServletSettings.positive("creatorTtl", ttl); // no setting: named by the method
            return this;
        }

        /** Connects (a Redis URL) or opens the cache; an engine that does not answer yet is not an error. */
        public SharedState build() {
            if (fromProvider && cacheManager == null) {
                throw new IllegalStateException("a JCache manager is looked up by fromSettings, not by check");
            }
            boolean open = onFailure == OnFailure.OPEN;
            StateEngine e;
            if (redisUrl != null) {
                e = StateEngines.redis(redisUrl, timeout, open);
            } else if (redisClient != null) {
                e = StateEngines.redis(redisClient, timeout, open);
            } else if (cacheManager != null) {
                Duration keep = keepFor != null && keepFor.compareTo(creatorTtl) > 0 ? keepFor : creatorTtl;
                e = StateEngines.jcache(cacheManager, cacheName, ownerLoader, keep, timeout, open);
            } else {
                return MEMORY;
            }
            return new SharedState(e, creatorTtl, localPermits);
        }
    }
}
