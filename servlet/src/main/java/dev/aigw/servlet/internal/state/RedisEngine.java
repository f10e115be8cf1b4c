package dev.aigw.servlet.internal.state;

import io.github.bucket4j.distributed.proxy.ProxyManager;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;

/**
 * Redis through Jedis. Built from a URL, it owns a pooled client whose connect, read and pool-wait timeouts are the
 * state timeout, and which it closes; handed the application's {@link UnifiedJedis}, it uses that client as
 * configured and never closes it. The buckets are Bucket4j's, stored by {@link RedisBuckets} (one round trip per
 * call; each expires once it would be full again).
 *
 * <p>Internal: not API, may change in any release.
 */
final class RedisEngine extends StateEngine {
    private static final String REMOVE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('del', KEYS[1]) else return 0 end";
    private static final String REPLACE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "redis.call('set', KEYS[1], ARGV[2], 'px', ARGV[3]) return 1 else return 0 end";

    private final UnifiedJedis redis;
    private final RedisClient owned;
    private final ProxyManager<String> buckets;

    /** A client of aigw's own for {@code url}. */
    RedisEngine(RedisUrl url, Duration timeout, boolean failOpen) {
        super("redis", timeout, failOpen);
        int ms = (int) Math.max(1, timeout.toMillis());
        DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder().connectionTimeoutMillis(ms)
                .socketTimeoutMillis(ms).database(url.database()).ssl(url.tls()).clientName("aigw");
        if (url.password() != null) {
            cfg.user(url.user()).password(url.password());
        }
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(64);
        pool.setMaxIdle(16);
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(timeout);
        pool.setTestOnBorrow(false); // a broken connection fails one call; the pool is cleared then (below)
        pool.setTimeBetweenEvictionRuns(Duration.ofMillis(-1)); // no evictor thread
        pool.setJmxEnabled(false);
        this.owned = RedisClient.builder().hostAndPort(url.host(), url.port()).clientConfig(cfg.build())
                .poolConfig(pool).build();
        this.redis = owned;
        this.buckets = new RedisBuckets(redis, timeout);
    }

    /** The application's client; its own timeouts apply to each command. */
    RedisEngine(UnifiedJedis client, Duration timeout, boolean failOpen) {
        super("redis", timeout, failOpen);
        this.redis = client;
        this.owned = null;
        this.buckets = new RedisBuckets(redis, timeout);
    }

    @Override
    protected <T> T bounded(java.util.concurrent.Callable<T> op, Duration bound) throws Exception {
        try {
            return op.call();
        } catch (RuntimeException e) {
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof redis.clients.jedis.exceptions.JedisConnectionException && owned != null) {
                    // after a restart of the server every idle connection is dead: drop them all at once, so that
                    // recovery takes one failed call, not one per idle connection
                    owned.getPool().clear();
                    break;
                }
            }
            throw e;
        }
    }

    @Override
    protected boolean putIfAbsent(String key, String value, Duration ttl) {
        return "OK".equals(redis.set(key, value, SetParams.setParams().nx().px(ttl.toMillis())));
    }

    @Override
    protected String get(String key) {
        return redis.get(key);
    }

    @Override
    protected void put(String key, String value, Duration ttl) {
        redis.set(key, value, SetParams.setParams().px(ttl.toMillis()));
    }

    @Override
    protected boolean remove(String key, String expected) {
        return !Long.valueOf(0).equals(redis.eval(REMOVE_IF, 1, key, expected));
    }

    @Override
    protected boolean replace(String key, String expected, String value, Duration ttl) {
        return !Long.valueOf(0).equals(redis.eval(REPLACE_IF, 1, key, expected, value,
                Long.toString(ttl.toMillis())));
    }

    @Override
    protected ProxyManager<String> buckets() {
        return buckets;
    }

    @Override
    protected void release() {
        if (owned != null) {
            owned.close();
        }
    }
}
