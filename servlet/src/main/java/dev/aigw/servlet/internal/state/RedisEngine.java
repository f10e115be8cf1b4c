package dev.aigw.servlet.internal.state;

import io.github.bucket4j.distributed.proxy.ProxyManager;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.params.SetParams;

import java.time.Duration;

/**
 * Redis through Jedis. Built from a URL, it owns a pooled client whose connect, read and pool-wait timeouts are the
 * state timeout, and which it closes; handed the application's {@link UnifiedJedis}, it uses that client as
 * configured and never closes it. The buckets are Bucket4j's, stored by {@link RedisBuckets} (one round trip per
 * call; each expires once it would be full again). Every command goes through {@link RedisCommands}: on aigw's own
 * client a dead pooled connection (after a restart of Redis) costs a retry on a fresh one, not a failed call; values
 * written by {@link #putIfAbsent} and {@link #replace} must be unique to the call (aigw's marks carry a nonce), so
 * that such a retry can tell its own lost write from another instance's.
 *
 * <p>Internal: not API, may change in any release.
 */
final class RedisEngine extends StateEngine {
    private static final String REMOVE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "return redis.call('del', KEYS[1]) else return 0 end";
    private static final String REPLACE_IF = "if redis.call('get', KEYS[1]) == ARGV[1] then "
            + "redis.call('set', KEYS[1], ARGV[2], 'px', ARGV[3]) return 1 else return 0 end";

    /**
     * {@link #putIfAbsent}'s retry: sets KEYS[1] to ARGV[1] (expiring in ARGV[2] ms) when absent; also answers 1 when
     * it already holds ARGV[1], which only the lost first attempt can have set (callers' values are unique).
     */
    private static final String PUT_IF_ABSENT_OR_MINE = "local v = redis.call('get', KEYS[1]) "
            + "if v == false then redis.call('set', KEYS[1], ARGV[1], 'px', ARGV[2]) return 1 end "
            + "if v == ARGV[1] then return 1 end return 0";
    /** {@link #replace}'s retry: as REPLACE_IF, and 1 when it already holds the new value (the lost attempt's). */
    private static final String REPLACE_IF_OR_MINE = "local v = redis.call('get', KEYS[1]) "
            + "if v == ARGV[1] or v == ARGV[2] then "
            + "redis.call('set', KEYS[1], ARGV[2], 'px', ARGV[3]) return 1 else return 0 end";

    private final RedisClient owned;
    private final RedisCommands commands;
    private final ProxyManager<String> buckets;

    /** A client of aigw's own for {@code url}. */
    RedisEngine(RedisUrl url, Duration timeout, boolean failOpen) {
        super("redis", timeout, failOpen);
        int ms = (int) Math.max(1, timeout.toMillis());
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(64);
        pool.setMaxIdle(16);
        pool.setMinIdle(0);
        pool.setBlockWhenExhausted(true);
        pool.setMaxWait(timeout);
        pool.setTestOnBorrow(false); // a dead connection is found by its command, which runs again on a fresh one
        pool.setTimeBetweenEvictionRuns(Duration.ofMillis(-1)); // no evictor thread
        pool.setJmxEnabled(false);
        HostAndPort address = new HostAndPort(url.host(), url.port());
        this.owned = RedisClient.builder().hostAndPort(address).clientConfig(config(url, ms))
                .poolConfig(pool).build();
        this.commands = new RedisCommands(owned, owned, address, t -> config(url, t), this::schedule, timeout);
        this.buckets = new RedisBuckets(commands, timeout);
    }

    /** The application's client; its own timeouts apply to each command. */
    RedisEngine(UnifiedJedis client, Duration timeout, boolean failOpen) {
        super("redis", timeout, failOpen);
        this.owned = null;
        this.commands = new RedisCommands(client, null, null, null, this::schedule, timeout);
        this.buckets = new RedisBuckets(commands, timeout);
    }

    /** The client configuration for {@code url}, with connect and read timeouts of {@code ms}. */
    private static JedisClientConfig config(RedisUrl url, int ms) {
        DefaultJedisClientConfig.Builder cfg = DefaultJedisClientConfig.builder().connectionTimeoutMillis(ms)
                .socketTimeoutMillis(ms).database(url.database()).ssl(url.tls()).clientName("aigw")
                // no CLIENT SETINFO (library name and version): two round trips fewer for every new connection, each
                // of which may wait the whole timeout; CLIENT LIST still names aigw's connections
                .clientSetInfoConfig(redis.clients.jedis.ClientSetInfoConfig.DISABLED);
        if (url.password() != null) {
            cfg.user(url.user()).password(url.password());
        }
        return cfg.build();
    }

    /**
     * Sets when absent. Run again after a lost reply, a plain {@code SET NX} would find the first attempt's value and
     * turn a first sight into "seen": the retry also accepts the key holding this very value.
     */
    @Override
    protected boolean putIfAbsent(String key, String value, Duration ttl) {
        String px = Long.toString(ttl.toMillis());
        return commands.run(r -> "OK".equals(r.set(key, value, SetParams.setParams().nx().px(ttl.toMillis()))),
                r -> Long.valueOf(1).equals(r.eval(PUT_IF_ABSENT_OR_MINE, 1, key, value, px)));
    }

    @Override
    protected String get(String key) {
        return commands.run(r -> r.get(key));
    }

    @Override
    protected void put(String key, String value, Duration ttl) {
        commands.run(r -> r.set(key, value, SetParams.setParams().px(ttl.toMillis())));
    }

    /** Removes while {@code expected}; after a lost reply whose removal was applied the answer is false. */
    @Override
    protected boolean remove(String key, String expected) {
        return commands.run(r -> !Long.valueOf(0).equals(r.eval(REMOVE_IF, 1, key, expected)));
    }

    @Override
    protected boolean replace(String key, String expected, String value, Duration ttl) {
        String px = Long.toString(ttl.toMillis());
        return commands.run(r -> !Long.valueOf(0).equals(r.eval(REPLACE_IF, 1, key, expected, value, px)),
                r -> !Long.valueOf(0).equals(r.eval(REPLACE_IF_OR_MINE, 1, key, expected, value, px)));
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
