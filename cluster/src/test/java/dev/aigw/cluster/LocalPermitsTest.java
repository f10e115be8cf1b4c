package dev.aigw.cluster;

import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import javax.cache.Cache;
import javax.cache.CacheManager;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code aigw.state.local-permits} on a real Redis and an embedded Hazelcast member: an instance decides up to k
 * calls of a principal on the bucket state it last read, so a busy principal costs one round trip per k + 1 calls;
 * a burst through several instances gets at most k more per instance than the limit; what was let through locally
 * is written with the next round trip, also after an outage; and an instance asks again at least once a second, so
 * a bucket that emptied or filled elsewhere is seen within that. Limits are per hour: nothing refills meanwhile.
 */
class LocalPermitsTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1500); // a busy test machine is not a failure

    @RegisterExtension
    static final Engines ENGINES = new Engines(TIMEOUT);

    private static StateEngine onRedis() {
        return ENGINES.onRedis(true);
    }

    private static StateEngine onJCache() {
        return ENGINES.onJCache("aigw-local-permits", true);
    }

    private static final RateLimiter.Decision ALLOWED = new RateLimiter.Decision(true, Duration.ZERO);

    private static RateLimiter limit(StateEngine e, String rate, int localPermits) {
        return RateLimiter.of(RateLimiter.Rate.parse(rate), 1000, e, localPermits);
    }

    private static String principal() {
        return "user:" + UUID.randomUUID();
    }

    @Test
    void aBusyPrincipalCostsOneRoundTripPerLocalPermitsPlusOneCalls() {
        RateLimiter a = limit(onRedis(), "1000/h", 4);
        String who = principal();
        long start = System.nanoTime(); // a second after a round trip, the next call makes one whatever the count
        assertThat(a.acquire(who).allowed()).isTrue(); // creates the bucket and reads its state
        try (Jedis admin = ENGINES.redis.client()) {
            admin.configResetStat();
            for (int i = 0; i < 25; i++) {
                assertThat(a.acquire(who).allowed()).isTrue();
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            // every fifth call writes the four before it and itself; a stall over a second adds one more each
            assertThat(calls(admin, "eval")).as("round trips for 25 calls with 4 local permits")
                    .isBetween(5L, 5L + seconds);
        }
    }

    @Test
    void onRedisABurstThroughThreeInstancesGetsAtMostLocalPermitsMorePerInstance() {
        burst(LocalPermitsTest::onRedis);
    }

    @Test
    void onJCacheABurstThroughThreeInstancesGetsAtMostLocalPermitsMorePerInstance() {
        burst(LocalPermitsTest::onJCache);
    }

    /** 12/h, 2 local permits, three instances round robin: 12 … 12 + 3 × 2 through, and the rest is remembered. */
    private static void burst(Supplier<StateEngine> engine) {
        List<RateLimiter> instances = List.of(limit(engine.get(), "12/h", 2), limit(engine.get(), "12/h", 2),
                limit(engine.get(), "12/h", 2));
        String who = principal();
        int allowed = 0;
        for (int i = 0; i < 60; i++) {
            RateLimiter.Decision d = instances.get(i % 3).acquire(who);
            assertThat(d.unchecked()).as("decided, on the engine or locally").isNull();
            allowed += d.allowed() ? 1 : 0;
            if (!d.allowed()) {
                // the calls let through over the limit are a debt the bucket repays: up to 7 tokens of 5 min each
                assertThat(d.retryAfterSeconds()).as("one token per 5 min").isBetween(1L, 7 * 300L);
            }
        }
        assertThat(allowed).as("the limit, plus at most 2 per instance").isBetween(12, 18);
        // what each instance let through locally is written with its next round trip (a second later at the
        // latest), and an exact limiter on the same engine then finds the bucket empty
        RateLimiter exact = limit(engine.get(), "12/h", 0);
        pause(1100);
        for (RateLimiter i : instances) {
            assertThat(i.acquire(who).allowed()).as("still refused after the sync").isFalse();
        }
        assertThat(exact.acquire(who).allowed()).isFalse();
    }

    @Test
    void anEmptyBucketIsRefusedWithoutARoundTripAndAskedForAgainWithinASecond() {
        RateLimiter a = limit(onRedis(), "3/h", 2);
        String who = principal();
        for (int i = 0; i < 3; i++) {
            assertThat(a.acquire(who).allowed()).isTrue();
        }
        try (Jedis admin = ENGINES.redis.client()) {
            long start = System.nanoTime();
            assertThat(a.acquire(who).allowed()).isFalse(); // writes what it let through locally
            admin.configResetStat();
            for (int i = 0; i < 20; i++) {
                RateLimiter.Decision d = a.acquire(who);
                assertThat(d.allowed()).isFalse();
                assertThat(d.retryAfterSeconds()).as("one token per 20 min").isBetween(1000L, 1200L);
            }
            long seconds = (System.nanoTime() - start) / 1_000_000_000L;
            assertThat(calls(admin, "eval") + calls(admin, "get"))
                    .as("an abuser of an empty bucket costs the engine nothing").isLessThanOrEqualTo(seconds);
            admin.del(keyOf("3/3600000ms", who)); // the bucket is gone (expired, flushed): full again
        }
        pause(1100);
        assertThat(a.acquire(who).allowed()).as("asked for again after a second, not refused on its old state")
                .isTrue();
    }

    @Test
    void whatWasLetThroughLocallyBeforeAnOutageIsWrittenAfterIt() throws Exception {
        RateLimiter a = limit(onRedis(), "6/h", 2);
        String who = principal();
        long start = System.nanoTime();
        assertThat(a.acquire(who).allowed()).isTrue(); // on Redis: 5 left
        assertThat(a.acquire(who).allowed()).isTrue(); // local
        assertThat(a.acquire(who).allowed()).isTrue(); // local: two not written yet
        decidedLocally(start);
        ENGINES.redis.stop();
        try {
            RateLimiter.Decision d = a.acquire(who);
            assertThat(d.unchecked()).as("the write of the two fails: on-failure decides").contains("redis");
            assertThat(d.allowed()).as("aigw.state.on-failure=open").isTrue();
        } finally {
            ENGINES.redis.start();
        }
        pause(1100); // the cool-down after the failure
        // another instance, started after the restart
        RateLimiter b = limit(onRedis(), "6/h", 0);
        assertThat(b.acquire(who).allowed()).isTrue(); // 4 left: A's two are not on Redis yet
        assertThat(a.acquire(who).allowed()).as("writes its two and takes one: 1 left").isTrue();

        assertThat(b.acquire(who).allowed()).isTrue();
        assertThat(b.acquire(who).allowed()).as("the two written late count").isFalse();
    }

    @Test
    void onRedisWhatWasDecidedLocallyIsOwedWhenTheBucketIsGone() {
        lostBucket(LocalPermitsTest::onRedis, key -> {
            try (Jedis admin = ENGINES.redis.client()) {
                admin.del(key);
            }
        });
    }

    @Test
    void onJCacheWhatWasDecidedLocallyIsOwedWhenTheBucketIsGone() {
        lostBucket(LocalPermitsTest::onJCache,
                key -> ENGINES.hazelcast.managers.get(0).getCache("aigw-local-permits").remove(key));
    }

    /**
     * The engine loses the bucket while an instance holds calls it decided locally: Redis expires the key (its time
     * to live is computed on the state written, so with the calls decided since it can come before the bucket would
     * be full: pausing then had them forgiven, over and over), JCache evicts it, a Redis without persistence restarts.
     * The sync that finds no bucket creates it owing them; what the engine itself had taken is gone with it.
     */
    private static void lostBucket(Supplier<StateEngine> engine, Consumer<String> lose) {
        RateLimiter a = limit(engine.get(), "6/h", 4);
        String who = principal();
        long start = System.nanoTime();
        for (int i = 0; i < 5; i++) { // one on the engine (5 left there), four decided locally
            assertThat(a.acquire(who).allowed()).isTrue();
        }
        decidedLocally(start);
        lose.accept(keyOf("6/3600000ms", who));
        pause(1100); // the next call asks the engine
        int allowed = 0;
        for (int i = 0; i < 10; i++) {
            allowed += a.acquire(who).allowed() ? 1 : 0;
        }
        assertThat(allowed).as("a new bucket of 6 owing the 4 decided locally (not a full one)").isEqualTo(2);
    }

    /**
     * On JCache a proxy's round trip runs on the aigw-state pool, bounded by the timeout (Bucket4j's execution
     * strategy). Calls of one principal queue behind each other's round trip (Bucket4j batches them): when it times
     * out, the queued ones get the cool-down's answer at once instead of making a second round trip that waits the
     * timeout again, and every one says what failed, as an exact limit's call does.
     */
    @Test
    void onJCacheAStalledRoundTripIsBoundedByTheTimeoutForEveryCallQueuedBehindIt() throws Exception {
        AtomicBoolean stall = new AtomicBoolean();
        StateEngine e = StateEngines.jcache(stalling(ENGINES.hazelcast.managers.get(0), stall), "aigw-stall", null,
                Duration.ofDays(1), TIMEOUT, true);
        ExecutorService callers = null;
        try {
            RateLimiter a = limit(e, "100/h", 2);
            String who = principal();
            long quick = System.nanoTime();
            for (int i = 0; i < 3; i++) { // one round trip, two decided locally
                assertThat(a.acquire(who)).isEqualTo(ALLOWED);
            }
            decidedLocally(quick);
            pause(1100); // the next calls must ask the engine
            stall.set(true);
            CountDownLatch go = new CountDownLatch(1);
            callers = Executors.newFixedThreadPool(4);
            List<CompletableFuture<long[]>> calls = new ArrayList<>();
            List<String> notes = new CopyOnWriteArrayList<>();
            for (int n = 0; n < 4; n++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException ex) {
                        throw new IllegalStateException(ex);
                    }
                    long start = System.nanoTime();
                    RateLimiter.Decision d = a.acquire(who);
                    notes.add(String.valueOf(d.unchecked()));
                    return new long[] {(System.nanoTime() - start) / 1_000_000};
                }, callers));
            }
            go.countDown();
            long longest = 0;
            for (CompletableFuture<long[]> c : calls) {
                longest = Math.max(longest, c.get(30, TimeUnit.SECONDS)[0]);
            }
            assertThat(notes).as("each call says what failed").containsOnly("jcache: no answer within "
                    + TIMEOUT.toMillis() + " ms");
            assertThat(longest).as("no call waits for a second round trip after the first timed out")
                    .isLessThan(TIMEOUT.toMillis() + 900);
        } finally {
            stall.set(false);
            if (callers != null) {
                callers.shutdownNow();
            }
            e.close();
        }
    }

    /** The manager's caches, whose {@code invoke} (Bucket4j's entry processor) waits 6 s while {@code stall} is set. */
    private static CacheManager stalling(CacheManager real,
                                                     AtomicBoolean stall) {
        return (CacheManager) Proxy.newProxyInstance(
                CacheManager.class.getClassLoader(), new Class<?>[] {CacheManager.class},
                (p, m, args) -> {
                    Object r = unwrapped(() -> m.invoke(real, args));
                    if (!(r instanceof Cache<?, ?> c)) {
                        return r;
                    }
                    return Proxy.newProxyInstance(Cache.class.getClassLoader(),
                            new Class<?>[] {Cache.class}, (p2, m2, a2) -> {
                                if (m2.getName().equals("invoke") && stall.get()) {
                                    Thread.sleep(6000); // interrupted when the pool's call is cancelled
                                }
                                return unwrapped(() -> m2.invoke(c, a2));
                            });
                });
    }

    private static Object unwrapped(Callable<Object> reflective) throws Throwable {
        try {
            return reflective.call();
        } catch (InvocationTargetException ex) {
            throw ex.getCause();
        }
    }

    private static long calls(Jedis admin, String command) {
        return RedisServer.commandCalls(admin).getOrDefault(command, 0L);
    }

    @Test
    void onJCacheAMemberThatIsGoneGivesTheOnFailureAnswer() throws Exception {
        try (HazelcastMembers alone = new HazelcastMembers(1)) {
            StateEngine e = StateEngines.jcache(alone.managers.get(0), "aigw-gone", null, Duration.ofDays(1), TIMEOUT,
                    false);
            try {
                RateLimiter a = limit(e, "100/h", 2);
                String who = principal();
                long start = System.nanoTime();
                for (int i = 0; i < 3; i++) { // one round trip, then two decided locally
                    assertThat(a.acquire(who)).isEqualTo(ALLOWED);
                }
                decidedLocally(start);
                alone.members.get(0).getLifecycleService().terminate();
                RateLimiter.Decision d = a.acquire(who); // must write the two: the member is gone
                assertThat(d.allowed()).as("aigw.state.on-failure=closed").isFalse();
                assertThat(d.unchecked()).startsWith("jcache: ");
                assertThat(d.retryAfterSeconds()).isPositive();
            } finally {
                e.close();
            }
        }
    }

    @Test
    void theSettingReachesTheProxyOfAnApplicationConfiguredBySettings() throws Exception {
        try (Cluster one = new Cluster()) {
            one.start(1, i -> {
                Map<String, String> m = new HashMap<>(one.gatewaySettings());
                m.put("aigw.proxy.path", "/replicate");
                m.put("aigw.proxy.replicate-token", one.replicate.token());
                m.put("aigw.proxy.rate-limit", "1000/min");
                m.put("aigw.state", "redis");
                m.put("aigw.state.redis-url", ENGINES.redis.url());
                m.put("aigw.state.timeout", TIMEOUT.toMillis() + "ms");
                m.put("aigw.state.local-permits", "4");
                return m;
            }, i -> null);
            String who = "settings-" + UUID.randomUUID();
            long start = System.nanoTime();
            assertThat(one.proxied(0, "GET", "/account", null, who).statusCode()).isEqualTo(200);
            try (Jedis admin = ENGINES.redis.client()) {
                admin.configResetStat();
                for (int i = 0; i < 10; i++) {
                    assertThat(one.proxied(0, "GET", "/account", null, who).statusCode()).isEqualTo(200);
                }
                long seconds = (System.nanoTime() - start) / 1_000_000_000L;
                assertThat(calls(admin, "eval")).as("round trips for 10 calls with 4 local permits")
                        .isBetween(2L, 2L + seconds);
            }
        }
    }

    private static String keyOf(String rate, String who) {
        return "aigw:rate:" + rate + ":" + who;
    }

    /**
     * The premise of a test that counts on calls decided locally: they came within a second of their round trip. A
     * machine that stalled for most of that second made them ask the engine; the test then says so and ends.
     */
    private static void decidedLocally(long sinceNanos) {
        long ms = (System.nanoTime() - sinceNanos) / 1_000_000;
        Assumptions.assumeTrue(ms < 900, () -> "the calls took " + ms + " ms: not all decided locally");
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
