package dev.aigw.servlet.internal.state;

import redis.clients.jedis.CommandArguments;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisSocketFactory;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.JedisClientConfig;
import redis.clients.jedis.JedisSocketFactory;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.UnifiedJedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.executors.SimpleCommandExecutor;
import redis.clients.jedis.providers.ConnectionProvider;

import java.io.IOException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.BiPredicate;
import java.util.function.Function;
import java.util.function.IntFunction;

/**
 * Runs aigw's Redis commands on the engine's client. With aigw's own pooled client, a command whose connection turns
 * out to be dead (every idle connection is, after Redis restarted) runs once more on a fresh connection, within what
 * is left of the state timeout, so that a restart costs no failed call and no cool-down. The pool's idle connections
 * are dropped at once, so the commands after it open fresh ones instead of finding the next dead one.
 *
 * <p>The retry is not blind: the first attempt may have been applied with only its reply lost. Each command
 * therefore names what to run again ({@code again}), which must give the answer the first attempt would have given
 * had it been applied: a read or an idempotent write runs as it is; a compare-and-set accepts its own value as a
 * success (see {@link RedisEngine} and {@link RedisBuckets}). A read timeout is not retried (the server is slow, not
 * gone: it may still apply the command, and a retry would wait again), nor is anything on an application's own
 * client (its connections and their recovery are the application's).
 *
 * <p>Internal: not API, may change in any release.
 */
final class RedisCommands {
    /** A retry with less time than this left would only time out. */
    private static final long MIN_LEFT_MILLIS = 5;

    private final UnifiedJedis redis;
    private final RedisClient owned;
    private final HostAndPort address;
    private final IntFunction<JedisClientConfig> config;
    private final BiPredicate<Runnable, Duration> timer;
    private final long timeoutNanos;

    /**
     * @param owned   aigw's own pooled client (then also {@code redis}), or null for the application's (no retry)
     * @param config  the owned client's configuration with connect and read timeouts of the given milliseconds
     * @param timer   runs a task once after a delay (the engine's timer; false when it is closed)
     */
    RedisCommands(UnifiedJedis redis, RedisClient owned, HostAndPort address, IntFunction<JedisClientConfig> config,
                  BiPredicate<Runnable, Duration> timer, Duration timeout) {
        this.redis = redis;
        this.owned = owned;
        this.address = address;
        this.config = config;
        this.timer = timer;
        this.timeoutNanos = timeout.toNanos();
    }

    /** A command that may simply run again: a read, or a write that gives the same result when applied twice. */
    <T> T run(Function<UnifiedJedis, T> command) {
        return run(command, command);
    }

    /** {@code command}, and after a dead pooled connection {@code again} on a fresh one. */
    <T> T run(Function<UnifiedJedis, T> command, Function<UnifiedJedis, T> again) {
        long start = System.nanoTime();
        try {
            return command.apply(redis);
        } catch (JedisConnectionException dead) {
            if (owned == null) {
                throw dead;
            }
            owned.getPool().clear(); // idle connections are as dead as this one after a restart
            if (timedOut(dead)) {
                throw dead;
            }
            return again(again, start, dead);
        }
    }

    private <T> T again(Function<UnifiedJedis, T> again, long start, JedisConnectionException dead) {
        int left = millisLeft(start);
        if (left < MIN_LEFT_MILLIS) {
            throw dead;
        }
        // a connection of its own with the time left (the pool's would get the whole timeout again); the commands
        // after it fill the pool with fresh ones. Jedis waits up to the read timeout for each reply of the
        // handshake (AUTH, CLIENT SETNAME, SELECT) and then for the command's: one deadline over all of it closes
        // the socket when the time is up, so a server that answers each step slowly cannot hold the call longer.
        JedisClientConfig cfg = config.apply(left);
        JedisSocketFactory sockets = new DefaultJedisSocketFactory(address, cfg);
        JedisSocketFactory bounded = () -> {
            Socket s = sockets.createSocket();
            long closeIn = timeoutNanos - (System.nanoTime() - start);
            if (closeIn <= 0 || !timer.test(() -> close(s), Duration.ofNanos(closeIn))) {
                close(s); // out of time already, or the engine is closing
            }
            return s;
        };
        try {
            Connection fresh = new Connection(bounded, cfg);
            try (RedisClient one = RedisClient.builder().hostAndPort(address).clientConfig(cfg)
                    .connectionProvider(new One(fresh)).commandExecutor(new SimpleCommandExecutor(fresh)).build()) {
                return again.apply(one);
            }
        } catch (JedisConnectionException e) {
            if (millisLeft(start) <= 0) {
                JedisConnectionException late = new JedisConnectionException("no answer within the state timeout "
                        + "on a fresh connection, after a dead pooled one", e);
                late.addSuppressed(dead);
                throw late;
            }
            throw e;
        }
    }

    private static void close(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing to end a wait: nothing more to do
        }
    }

    /** A retry's one connection (Jedis's builder wants a provider besides the executor; this one runs nothing). */
    private record One(Connection connection) implements ConnectionProvider {
        @Override
        public Connection getConnection() {
            return connection;
        }

        @Override
        public Connection getConnection(CommandArguments args) {
            return connection;
        }

        @Override
        public void close() {
            connection.close();
        }
    }

    private int millisLeft(long start) {
        long left = timeoutNanos - (System.nanoTime() - start);
        return (int) Math.min(Integer.MAX_VALUE, TimeUnit.NANOSECONDS.toMillis(left));
    }

    private static boolean timedOut(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
