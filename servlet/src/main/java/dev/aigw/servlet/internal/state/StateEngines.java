package dev.aigw.servlet.internal.state;

import java.net.URI;
import java.time.Duration;

/**
 * Creates the engines. The engine libraries are optional dependencies of aigw-servlet: this class refers to them
 * only inside the methods that need them, and {@link #missing} tells beforehand whether they are there, so that an
 * application in memory mode needs none of them and one that asks for an engine without its library gets a clear
 * message instead of a {@link NoClassDefFoundError}.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class StateEngines {
    /** The classes each engine needs, with the artifacts that hold them. */
    private static final String[][] REDIS = {
            {"redis.clients.jedis.RedisClient", "redis.clients:jedis (7.x)"}};
    private static final String[][] JCACHE = {
            {"javax.cache.Caching", "javax.cache:cache-api"},
            {"io.github.bucket4j.grid.jcache.Bucket4jJCache", "com.bucket4j:bucket4j_jdk17-jcache"}};

    /**
     * Least expiry of a JCache cache that aigw creates: longer than the windows it keeps (rate periods, replay). Here,
     * not in {@link JCacheEngine}, so that {@link Retention}'s messages need no JCache class in memory mode.
     */
    static final Duration CREATED_CACHE_EXPIRY = Duration.ofDays(1);

    private StateEngines() {
    }

    /** The artifacts missing for {@code engine} ({@code redis} or {@code jcache}), or null when all are there. */
    public static String missing(String engine) {
        String[][] needed = engine.equals("redis") ? REDIS : JCACHE;
        StringBuilder sb = new StringBuilder();
        for (String[] n : needed) {
            try {
                Class.forName(n[0], false, StateEngines.class.getClassLoader());
            } catch (ClassNotFoundException | LinkageError e) {
                sb.append(sb.length() == 0 ? "" : " and ").append(n[1]);
            }
        }
        return sb.length() == 0 ? null : sb.toString();
    }

    /** Warm-ups at start-up may take this long (an engine that does not answer is not an error). */
    private static final Duration WARM_UP = Duration.ofSeconds(10);

    /** A Redis client of aigw's own (closed with the engine). */
    public static StateEngine redis(RedisUrl url, Duration timeout, boolean failOpen) {
        return warm(new RedisEngine(url, timeout, failOpen));
    }

    /** The application's {@code redis.clients.jedis.UnifiedJedis} (never closed by aigw). */
    public static StateEngine redis(Object unifiedJedis, Duration timeout, boolean failOpen) {
        return warm(new RedisEngine((redis.clients.jedis.UnifiedJedis) unifiedJedis, timeout, failOpen));
    }

    private static StateEngine warm(StateEngine e) {
        e.warmUp(WARM_UP);
        return e;
    }

    /**
     * The cache {@code cacheName} of a {@code javax.cache.CacheManager} (created when missing).
     *
     * @param ownerLoader the web application's class loader when aigw looked the manager up from the provider (the
     *                    engine then closes it), null for the application's own manager
     * @param keep        the longest time an entry must live (the creators' time to live, the settings' rate-limit
     *                    period), for a cache aigw creates
     */
    public static StateEngine jcache(Object cacheManager, String cacheName, ClassLoader ownerLoader, Duration keep,
                                     Duration timeout, boolean failOpen) {
        javax.cache.CacheManager m = (javax.cache.CacheManager) cacheManager;
        return warm(new JCacheEngine(m, cacheName, ownerLoader != null ? m : null, ownerLoader, keep, timeout,
                failOpen));
    }

    /**
     * The application's JCache provider's cache manager: the provider JCache itself chooses (the only one on the
     * class path, or the one named by the {@code javax.cache.spi.CachingProvider} system property), at {@code uri}
     * or the provider's default. A {@code uri} is also passed as Hazelcast's {@code hazelcast.config.location}
     * property (other providers ignore it): Hazelcast then stops the member it starts for the manager when the manager
     * is closed, which it does not for a bare configuration URI.
     *
     * @throws javax.cache.CacheException when there is no provider, or several and none chosen
     */
    public static Object cacheManager(URI uri, ClassLoader loader) {
        javax.cache.spi.CachingProvider p = javax.cache.Caching.getCachingProvider(loader);
        if (uri == null) {
            return p.getCacheManager(p.getDefaultURI(), loader);
        }
        java.util.Properties props = new java.util.Properties();
        props.setProperty("hazelcast.config.location", uri.toString());
        return p.getCacheManager(uri, loader, props);
    }
}
