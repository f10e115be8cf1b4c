package dev.aigw.servlet.internal.state;

import io.github.bucket4j.TimeMeter;
import io.github.bucket4j.distributed.ExpirationAfterWriteStrategy;
import io.github.bucket4j.distributed.proxy.AbstractProxyManager;
import io.github.bucket4j.distributed.proxy.ClientSideConfig;
import io.github.bucket4j.distributed.remote.CommandResult;
import io.github.bucket4j.distributed.remote.MutableBucketEntry;
import io.github.bucket4j.distributed.remote.Request;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Bucket4j's buckets on Redis, in one round trip per call where Bucket4j's own Redis module takes two. Bucket4j
 * decides (its commands run here, on its serialized bucket state, with this instance's wall clock); Redis only
 * stores the state and swaps it atomically. Bucket4j's module reads the state ({@code GET}) and then swaps it
 * ({@code EVAL}); this store remembers the state it last wrote or read for each key and sends the swap straight
 * away. When another instance wrote in between, the swap fails and its script answers with what Redis holds, in the
 * same round trip; the command runs again on that, as after Bucket4j's own failed swap. So a principal whose calls
 * go through one instance costs one round trip per call, and one whose calls alternate between instances costs two,
 * as before. Values and keys are those of Bucket4j's Redis module (its state bytes under the key, expiring once the
 * bucket would be full again plus 10 s), so instances of either kind can share a Redis.
 *
 * <p>What Redis holds decides every answer: a command that would change nothing (a refusal) is never answered from
 * the remembered state — Redis is read first, so a refusal and its {@code Retry-After} come from the current state.
 *
 * <p>Internal: not API, may change in any release.
 */
final class RedisBuckets extends AbstractProxyManager<String> {
    /** Keys whose last state is remembered, at most (least recently used forgotten: the next call reads first). */
    static final int REMEMBERED = 10_000;
    /** What Bucket4j's Redis module keeps a full bucket for. */
    static final Duration KEEP_AFTER_FULL = Duration.ofSeconds(10);

    /**
     * Sets KEYS[1] to ARGV[2] (expiring in ARGV[3] ms) while it holds ARGV[1] (empty: while it is absent); answers 1
     * when set, else what it holds (0 when absent).
     */
    private static final byte[] SWAP = ("local v = redis.call('get', KEYS[1]) "
            + "if (v == false and ARGV[1] == '') or v == ARGV[1] then "
            + "redis.call('set', KEYS[1], ARGV[2], 'px', ARGV[3]) return 1 end "
            + "if v == false then return 0 end return v").getBytes(StandardCharsets.US_ASCII);
    private static final byte[] ABSENT = new byte[0];

    private final RedisCommands redis;
    private final long timeoutNanos;
    private final ExpirationAfterWriteStrategy expiry =
            ExpirationAfterWriteStrategy.basedOnTimeForRefillingBucketUpToMax(KEEP_AFTER_FULL);
    private final Map<String, byte[]> lastSeen = new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
            return size() > REMEMBERED;
        }
    };

    /** @param timeout bounds one call's retries after failed swaps (each command is bounded by the client) */
    RedisBuckets(RedisCommands redis, Duration timeout) {
        // wall clock, in milliseconds, as Bucket4j's compare-and-swap managers: instances refill by the same time
        super(ClientSideConfig.getDefault().withClientClock(TimeMeter.SYSTEM_MILLISECONDS));
        this.redis = redis;
        this.timeoutNanos = timeout.toNanos();
    }

    @Override
    protected <T> CommandResult<T> execute(String key, Request<T> request) {
        byte[] redisKey = key.getBytes(StandardCharsets.UTF_8);
        byte[] state = remembered(key);
        boolean current = state == null; // read from Redis in this call, rather than remembered
        if (current) {
            state = read(redisKey);
        }
        long start = System.nanoTime();
        while (true) {
            MutableBucketEntry entry = new MutableBucketEntry(state);
            long now = currentTimeNanos();
            CommandResult<T> result = request.getCommand().execute(entry, now);
            if (!entry.isStateModified()) {
                if (current) {
                    return result;
                }
                state = read(redisKey);
                current = true;
                continue;
            }
            byte[] next = entry.getStateBytes(request.getBackwardCompatibilityVersion());
            long ttl = Math.max(1, expiry.calculateTimeToLiveMillis(entry.get(), now));
            Object answer = swap(redisKey, state, next, ttl);
            if (Long.valueOf(1).equals(answer)) {
                remember(key, next);
                return result;
            }
            state = answer instanceof byte[] held ? held : null; // another instance wrote in between
            current = true;
            remember(key, state);
            if (System.nanoTime() - start > timeoutNanos) {
                throw new IllegalStateException("the bucket kept changing for " + Duration.ofNanos(timeoutNanos)
                        .toMillis() + " ms (contention)");
            }
        }
    }

    private byte[] read(byte[] redisKey) {
        return redis.run(r -> r.get(redisKey));
    }

    /**
     * One swap. Run again after a lost reply whose swap Redis had applied, the script would find {@code next}
     * instead of {@code expected} and answer with it, and the command would run a second time on it (a token taken
     * twice): the retry takes finding exactly {@code next} as its own swap. Two rare cases are left: another
     * instance wrote the same bytes (the same command on the same state in the same millisecond: then one of the two
     * calls goes uncounted — also when the first attempt never reached Redis), or, only for a reply lost after Redis
     * applied the swap, the state moved on past {@code next} before the retry (which then runs the command again).
     */
    private Object swap(byte[] redisKey, byte[] expected, byte[] next, long ttl) {
        byte[][] args = {expected == null ? ABSENT : expected, next, Long.toString(ttl).getBytes(
                StandardCharsets.US_ASCII)};
        return redis.run(r -> r.eval(SWAP, 1, redisKey, args[0], args[1], args[2]), r -> {
            Object answer = r.eval(SWAP, 1, redisKey, args[0], args[1], args[2]);
            return answer instanceof byte[] held && Arrays.equals(held, next) ? Long.valueOf(1) : answer;
        });
    }

    private byte[] remembered(String key) {
        synchronized (lastSeen) {
            return lastSeen.get(key);
        }
    }

    private void remember(String key, byte[] state) {
        synchronized (lastSeen) {
            if (state == null) {
                lastSeen.remove(key);
            } else {
                lastSeen.put(key, state);
            }
        }
    }

    @Override
    public void removeProxy(String key) {
        remember(key, null);
        redis.run(r -> r.del(key.getBytes(StandardCharsets.UTF_8)));
    }

    @Override
    public boolean isAsyncModeSupported() {
        return false;
    }

    @Override
    protected <T> CompletableFuture<CommandResult<T>> executeAsync(String key, Request<T> request) {
        throw new UnsupportedOperationException("synchronous only");
    }

    @Override
    protected CompletableFuture<Void> removeAsync(String key) {
        throw new UnsupportedOperationException("synchronous only");
    }
}
