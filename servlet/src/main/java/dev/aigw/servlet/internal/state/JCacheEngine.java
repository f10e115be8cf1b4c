package dev.aigw.servlet.internal.state;

import dev.aigw.servlet.internal.CreatorIndex;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.ServletSettings;
import io.github.bucket4j.distributed.proxy.ExecutionStrategy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.grid.jcache.Bucket4jJCache;

import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.Configuration;
import javax.cache.configuration.Factory;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.ExpiryPolicy;
import javax.cache.expiry.ModifiedExpiryPolicy;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * One cache of a JCache (JSR-107) provider: Hazelcast, Infinispan, Ehcache, Redisson... Webhook ids and creators
 * are strings, buckets are Bucket4j's byte arrays updated with an entry processor on the entry's owner.
 *
 * <p>JCache has no per-call timeout, so every operation runs on a small pool of aigw's own ({@code aigw-state-*},
 * at most {@value #THREADS} threads, none while idle) and the caller waits at most the state timeout; when the pool
 * is busy with calls that hang, further calls fail at once. JCache has no per-entry time to live either: entries
 * carry their write time where it matters (webhook ids), and a cache aigw creates expires entries a day (or longer:
 * the creators' time to live, the period of the rate limit in the settings) after their last write. What the cache
 * keeps is read from its configured expiry policy, so that a limit whose bucket it would drop before the bucket is
 * full again is refused at start-up ({@link #cannotKeep}).
 *
 * <p>A provider may also evict entries before they expire to bound its memory: Hazelcast bounds every cache by entry
 * count, 10,000 by default. A cache aigw creates on Hazelcast is bounded explicitly to {@link #CREATED_CACHE_ENTRIES},
 * what memory mode keeps per instance; a cache bounded below that logs one warning at start-up ({@link #warnIfSmall}).
 *
 * <p>Internal: not API, may change in any release.
 */
final class JCacheEngine extends StateEngine {
    static final int THREADS = 8;
    /**
     * The entry bound of a cache aigw creates on Hazelcast (instead of its silent 10,000): as many buckets, webhook
     * ids and creators as memory mode keeps per instance by default (210,000).
     */
    static final int CREATED_CACHE_ENTRIES = RateLimiter.MEMORY_KEYS + ReplayGuard.DEFAULT_CAPACITY
            + CreatorIndex.DEFAULT_CAPACITY;
    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    private final Cache<String, Object> cache;
    /** How long the cache keeps an entry after its last write, from its expiry policy; null: for ever. */
    private final Duration keeps;
    private final CacheManager ownedManager;
    private final ProxyManager<String> buckets;
    private final ProxyManager<String> selfBoundedBuckets;
    private final ThreadPoolExecutor pool;
    private final ClassLoader appLoader;

    /**
     * @param ownedManager the manager to close with the engine (aigw looked it up from the provider), or null
     * @param appLoader    the web application's class loader (whose provider is closed with the manager), or null
     * @param keep         how long after its last write a created cache keeps an entry, at least a day
     */
    JCacheEngine(CacheManager manager, String cacheName, CacheManager ownedManager, ClassLoader appLoader,
                 Duration keep, Duration timeout, boolean failOpen) {
        super("jcache", timeout, failOpen);
        this.appLoader = appLoader;
        boolean hazelcast = hazelcast(manager); // looked up once: class loading, at start-up
        this.cache = cache(manager, cacheName, keep.compareTo(StateEngines.CREATED_CACHE_EXPIRY) > 0 ? keep
                : StateEngines.CREATED_CACHE_EXPIRY, hazelcast);
        this.keeps = keptAfterWrite(cache);
        warnIfSmall(hazelcast, cache);
        this.ownedManager = ownedManager;
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 10, TimeUnit.SECONDS,
                new java.util.concurrent.ArrayBlockingQueue<>(256), r -> {
                    Thread t = new Thread(r, "aigw-state-" + n.incrementAndGet());
                    t.setDaemon(true);
                    return t;
                });
        pool.allowCoreThreadTimeOut(true);
        @SuppressWarnings({"unchecked", "rawtypes"})
        Cache<String, byte[]> bucketView = (Cache) cache;
        this.buckets = Bucket4jJCache.entryProcessorBasedBuilder(bucketView).build();
        // the same cache, each round trip on the pool (a proxy that decides locally runs on the caller's thread)
        this.selfBoundedBuckets = Bucket4jJCache.entryProcessorBasedBuilder(bucketView)
                .executionStrategy(new ExecutionStrategy() {
                    @Override
                    public <T> T execute(Supplier<T> roundTrip) {
                        try {
                            return bounded(roundTrip::get, timeout);
                        } catch (RuntimeException e) {
                            throw e;
                        } catch (Exception e) { // a timeout, an interrupt: StateEngine names the cause
                            if (e instanceof InterruptedException) {
                                Thread.currentThread().interrupt();
                            }
                            throw new CompletionException(e);
                        }
                    }

                    @Override
                    public <T> CompletableFuture<T> executeAsync(Supplier<CompletableFuture<T>> roundTrip) {
                        throw new UnsupportedOperationException("synchronous only");
                    }
                }).build();
    }

    @SuppressWarnings("unchecked")
    private static Cache<String, Object> cache(CacheManager manager, String name, Duration keep, boolean hazelcast) {
        Cache<String, Object> c = (Cache<String, Object>) (Cache<?, ?>) manager.getCache(name);
        if (c != null) {
            return c;
        }
        MutableConfiguration<String, Object> neutral = new MutableConfiguration<String, Object>()
                .setStoreByValue(true)
                .setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(
                        new javax.cache.expiry.Duration(TimeUnit.SECONDS, keep.toSeconds())));
        Configuration<String, Object> cfg = hazelcast ? HazelcastCaches.bounded(neutral, CREATED_CACHE_ENTRIES)
                : neutral;
        try {
            return manager.createCache(name, cfg);
        } catch (javax.cache.CacheException e) {
            // another instance of the application created it in the meantime
            Cache<String, Object> again = (Cache<String, Object>) (Cache<?, ?>) manager.getCache(name);
            if (again == null) {
                throw e;
            }
            return again;
        }
    }

    /**
     * True when {@code manager} is Hazelcast's and aigw sees the same Hazelcast classes as its provider (not, say, a
     * server's Hazelcast that the web application's aigw cannot see): only then is {@link HazelcastCaches} loaded.
     */
    static boolean hazelcast(CacheManager manager) {
        javax.cache.spi.CachingProvider p = manager.getCachingProvider();
        if (p == null || !p.getClass().getName().startsWith("com.hazelcast.")) {
            return false;
        }
        try {
            return Class.forName(HazelcastCaches.PROBE, false, JCacheEngine.class.getClassLoader())
                    == Class.forName(HazelcastCaches.PROBE, false, p.getClass().getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /**
     * One warning when the provider bounds the cache below {@link #CREATED_CACHE_ENTRIES}: it then evicts entries
     * before they expire, silently, and aigw can neither see nor count it. Hazelcast only: other providers' bounds are
     * not exposed through JCache.
     */
    private static void warnIfSmall(boolean hazelcast, Cache<String, Object> c) {
        int bound = hazelcast ? HazelcastCaches.entryBound(c) : -1;
        if (bound < 0 || bound >= CREATED_CACHE_ENTRIES) {
            return;
        }
        LOG.log(System.Logger.Level.WARNING, "aigw: the JCache cache '" + c.getName() + "' is bounded to " + bound
                + " entries (Hazelcast eviction, ENTRY_COUNT); beyond that Hazelcast evicts entries before they "
                + "expire: a rate-limit bucket comes back full (more calls than the limit) and an accepted webhook-id "
                + "is forgotten (a replay inside the window is handed on again). Memory mode keeps up to "
                + RateLimiter.MEMORY_KEYS + " buckets, " + ReplayGuard.DEFAULT_CAPACITY + " webhook ids and "
                + CreatorIndex.DEFAULT_CAPACITY + " creators per instance: configure the cache's eviction size to at "
                + "least " + CREATED_CACHE_ENTRIES + ", or to what your principals, webhooks per window and creations "
                + "per day need");
    }

    /**
     * How long {@code c} surely keeps an entry after its last write, by its expiry policy; null for ever, also when
     * the provider does not tell. The shortest of the policy's expiry for a creation (an entry written once, a
     * principal's first call, lives that long), for an update and, where set, for an access (a call that leaves a
     * bucket unchanged may only read it, and an access sets the expiry anew). {@link Duration#ZERO} when an update
     * leaves a finite expiry unchanged ({@code CreatedExpiryPolicy}, {@code AccessedExpiryPolicy}): an entry then
     * expires a fixed time after its creation however often it is written, so a bucket in use can be dropped at any
     * moment. A provider's own eviction (a size bound) and expiry configured natively, outside JSR-107's policy, are
     * not seen here.
     */
    static Duration keptAfterWrite(Cache<?, ?> c) {
        ExpiryPolicy policy;
        try {
            @SuppressWarnings("unchecked")
            CompleteConfiguration<?, ?> cfg = c.getConfiguration(CompleteConfiguration.class);
            Factory<ExpiryPolicy> f = cfg.getExpiryPolicyFactory();
            policy = f == null ? null : f.create();
        } catch (IllegalArgumentException | ClassCastException e) {
            return null; // a provider without JSR-107's complete configuration: nothing to go by
        }
        if (policy == null) {
            return null;
        }
        Duration creation = java(policy.getExpiryForCreation());
        javax.cache.expiry.Duration update = policy.getExpiryForUpdate();
        if (update == null) { // null: an update leaves the expiry as it was
            return creation == null ? shorter(null, java(policy.getExpiryForAccess())) : Duration.ZERO;
        }
        return shorter(shorter(creation, java(update)), java(policy.getExpiryForAccess()));
    }

    /** The shorter of two lifetimes, null standing for ever. */
    private static Duration shorter(Duration a, Duration b) {
        return a == null ? b : b == null || a.compareTo(b) <= 0 ? a : b;
    }

    /** A JSR-107 duration as a lifetime: null (unchanged, for an access) and eternal as null, for ever. */
    private static Duration java(javax.cache.expiry.Duration d) {
        return d == null || d.isEternal() ? null
                : Duration.of(d.getDurationAmount(), d.getTimeUnit().toChronoUnit());
    }

    @Override
    public String cannotKeep(Duration needed) {
        if (keeps == null || keeps.compareTo(needed) >= 0) {
            return null;
        }
        return keeps.isZero() ? "the JCache cache '" + cache.getName() + "' does not extend an entry's expiry when "
                + "it is written (its expiry policy counts from the entry's creation), so an entry in use can expire "
                + "at any moment" : "the JCache cache '" + cache.getName() + "' keeps an entry "
                + ServletSettings.human(keeps) + " after its last write (its expiry policy)";
    }

    @Override
    protected <T> T bounded(Callable<T> op, Duration bound) throws Exception {
        Future<T> f;
        try {
            f = pool.submit(op);
        } catch (RejectedExecutionException e) {
            throw new TimeoutException("every aigw-state thread is waiting for the cache");
        }
        try {
            return f.get(bound.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            throw e;
        } catch (java.util.concurrent.ExecutionException e) {
            Throwable c = e.getCause();
            throw c instanceof Exception ex ? ex : e;
        }
    }

    @Override
    protected boolean putIfAbsent(String key, String value, Duration ttl) {
        return cache.putIfAbsent(key, value);
    }

    @Override
    protected String get(String key) {
        Object v = cache.get(key);
        return v instanceof String s ? s : null;
    }

    @Override
    protected void put(String key, String value, Duration ttl) {
        cache.put(key, value);
    }

    @Override
    protected boolean remove(String key, String expected) {
        return cache.remove(key, expected);
    }

    @Override
    protected boolean replace(String key, String expected, String value, Duration ttl) {
        return cache.replace(key, expected, value);
    }

    @Override
    protected ProxyManager<String> buckets() {
        return buckets;
    }

    @Override
    protected ProxyManager<String> selfBoundedBuckets() {
        return selfBoundedBuckets;
    }

    /**
     * Closes the manager aigw looked up, and its provider when the provider belongs to the web application (loaded
     * from {@code WEB-INF/lib}): what the provider started for the application (e.g. an embedded Hazelcast member)
     * ends with it. A provider of the server's shared libraries is left alone.
     */
    @Override
    protected void release() {
        pool.shutdownNow();
        try {
            // idle threads end at once, a call in flight at its interrupt; the stop waits for them (at most the
            // timeout), so that no aigw thread outlives the application (a container reports that as a leak)
            pool.awaitTermination(timeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (ownedManager == null) {
            return;
        }
        javax.cache.spi.CachingProvider provider = ownedManager.getCachingProvider();
        if (!ownedManager.isClosed()) {
            ownedManager.close();
        }
        if (provider != null && appLoader != null && provider.getClass().getClassLoader() == appLoader) {
            provider.close();
        }
    }
}
