package dev.aigw.cluster;

import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static dev.aigw.servlet.internal.ReplayVerdict.ADMITTED;
import static dev.aigw.servlet.internal.ReplayVerdict.DUPLICATE;
import static dev.aigw.servlet.internal.ReplayVerdict.IN_FLIGHT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * aigw's own Redis client across a restart of Redis (same address, same data) and across a reply lost after Redis
 * applied the command: each instance's first call after the restart is answered, with no on-failure answer and no
 * cool-down; a retried set-if-absent still counts a webhook id as first sight exactly once, and a retried bucket
 * swap takes its token once. The engines answer {@code closed} (a failure would refuse), with the cluster tests'
 * timeout for a saturated machine; limits are per hour, so nothing refills during a test.
 */
class RedisRestartTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1500);
    private static final Duration WINDOW = Duration.ofMinutes(5);

    private static RedisServer redis;
    private final List<StateEngine> engines = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        redis = new RedisServer();
        redis.start();
    }

    @AfterAll
    static void stop() throws Exception {
        redis.close();
    }

    @AfterEach
    void closeEngines() {
        engines.forEach(StateEngine::close);
    }

    private StateEngine engine(int port) {
        StateEngine e = StateEngines.redis(RedisUrl.parse("redis://:" + RedisServer.PASSWORD + "@127.0.0.1:" + port
                + "/0"), TIMEOUT, false);
        engines.add(e);
        return e;
    }

    private static RateLimiter limit(StateEngine e, String rate) {
        return RateLimiter.of(RateLimiter.Rate.parse(rate), 1000, e, 0);
    }

    @Test
    void afterARestartTheFirstCallOfEachInstanceIsAnsweredAndTheLimitStaysExact() throws Exception {
        String who = "user:restart-" + UUID.randomUUID();
        List<StateEngine> instances = new ArrayList<>();
        List<RateLimiter> limits = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            StateEngine e = engine(redis.port());
            instances.add(e);
            limits.add(limit(e, "9/h"));
            // a few calls at once, so that each pool holds several idle connections for the restart to kill
            List<CompletableFuture<String>> calls = new ArrayList<>();
            for (int c = 0; c < 4; c++) {
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return e.tryGet("aigw:restart-test");
                    } catch (Exception x) {
                        throw new IllegalStateException(x);
                    }
                }));
            }
            CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).join();
            assertThat(limits.get(i).acquire(who).allowed()).isTrue();
        }
        try (Jedis admin = redis.client()) {
            assertThat(admin.clientList().lines().filter(l -> l.contains(" name=aigw ")).count())
                    .as("the instances' pooled connections").isGreaterThanOrEqualTo(3);
        }

        redis.stop();
        redis.start(); // same port, same data (append-only file): every pooled connection is now dead

        for (int i = 0; i < 3; i++) {
            RateLimiter.Decision d = limits.get(i).acquire(who);
            assertThat(d.unchecked()).as("instance %d's first call after the restart", i).isNull();
            assertThat(d.allowed()).isTrue();
            // no cool-down followed: the next calls ask Redis too
            assertThat(ReplayGuard.of(WINDOW, 1, instances.get(i)).begin("restart-" + UUID.randomUUID()))
                    .isEqualTo(ADMITTED);
            assertThat(instances.get(i).problem()).isNull();
        }
        int allowed = 0;
        for (int i = 0; i < 12; i++) {
            RateLimiter.Decision d = limits.get(i % 3).acquire(who);
            assertThat(d.unchecked()).isNull();
            allowed += d.allowed() ? 1 : 0;
        }
        assertThat(allowed).as("9 per hour: 3 before the restart, 3 first calls after it, 3 more").isEqualTo(3);
    }

    /**
     * The retry's fresh connection waits for each reply of its handshake (AUTH, CLIENT SETNAME) and then for the
     * command's; a restarted server that answers each a little slower than the time left (loading its data, or a TLS
     * terminator in front) must still not hold the call past the state timeout: one deadline closes the connection.
     */
    @Test
    void aRetryAgainstASlowRestartedServerEndsWithinTheStateTimeout() throws Exception {
        try (RedisRelay relay = new RedisRelay(redis.port())) {
            StateEngine a = engine(relay.port());
            assertThat(a.tryGet("aigw:slow-" + UUID.randomUUID())).isNull(); // a pooled connection
            relay.delayReplies(TIMEOUT.toMillis() * 3 / 4); // each reply within the read timeout, not all of them
            relay.cutAll(); // "the restart": the pooled connection is dead
            long start = System.nanoTime();
            String outcome;
            try {
                outcome = "answered " + a.tryGet("aigw:slow-" + UUID.randomUUID());
            } catch (Exception e) {
                outcome = "failed: " + e.getMessage();
            }
            long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            System.out.println("the call after the restart took " + ms + " ms (" + outcome + ")");
            assertThat(ms).as(outcome).isLessThan(TIMEOUT.toMillis() + 300);
            assertThat(outcome).contains("no answer within the state timeout on a fresh connection");
        }
    }

    @Test
    void aWebhookIdWhoseSetIfAbsentReplyWasLostIsFirstSightExactlyOnce() throws Exception {
        try (RedisRelay relay = new RedisRelay(redis.port())) {
            StateEngine a = engine(relay.port());
            ReplayGuard onA = ReplayGuard.of(WINDOW, 1, a);
            ReplayGuard onB = ReplayGuard.of(WINDOW, 1, engine(redis.port()));
            String id = "lost-reply-" + UUID.randomUUID();
            relay.arm("\r\nNX\r\n"); // Redis sets the mark; its "OK" never reaches A
            assertThat(onA.begin(id)).as("A's retry finds its own mark: first sight").isEqualTo(ADMITTED);
            assertThat(relay.cuts()).as("the reply was lost").isEqualTo(1);
            assertThat(a.problem()).isNull();
            assertThat(onB.begin(id)).as("the same id on B meanwhile").isEqualTo(IN_FLIGHT);
            assertThat(onA.accepted(id)).isTrue();
            assertThat(onB.begin(id)).isEqualTo(DUPLICATE);
            assertThat(onA.begin(id)).isEqualTo(DUPLICATE);
        }
    }

    @Test
    void aReplaceWhoseReplyWasLostIsReportedAsDone() throws Exception {
        try (RedisRelay relay = new RedisRelay(redis.port())) {
            StateEngine a = engine(relay.port());
            String key = "aigw:webhook:renewed-" + UUID.randomUUID();
            assertThat(a.tryPutIfAbsent(key, "F|n1|1", WINDOW)).isTrue();
            relay.arm("return 1 else return 0 end"); // a piece of the replace script (an in-flight mark's renewal)
            assertThat(a.tryReplace(key, "F|n1|1", "F|n1|2", WINDOW)).as("renewed, though the answer was lost")
                    .isTrue();
            assertThat(relay.cuts()).isEqualTo(1);
            try (Jedis admin = redis.client()) {
                assertThat(admin.get(key)).isEqualTo("F|n1|2");
            }
            assertThat(a.tryReplace(key, "F|n1|1", "F|n1|3", WINDOW)).as("a stale expectation still fails").isFalse();
        }
    }

    @Test
    void whenRedisIsDownTheRetryFailsFastAndTheCoolDownFollows() throws Exception {
        StateEngine e = engine(redis.port());
        RateLimiter limit = limit(e, "9/h");
        String who = "user:down-" + UUID.randomUUID();
        assertThat(limit.acquire(who).allowed()).isTrue();
        redis.stop();
        try {
            long start = System.nanoTime();
            RateLimiter.Decision d = limit.acquire(who);
            long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
            assertThat(d.unchecked()).as("refused: aigw.state.on-failure=closed").startsWith("redis: ");
            assertThat(d.allowed()).isFalse();
            assertThat(ms).as("the retry's connect is refused at once: within the timeout").isLessThan(
                    TIMEOUT.toMillis());
            assertThat(limit.acquire(who).unchecked()).as("the cool-down answers the next call").isEqualTo(
                    d.unchecked());
        } finally {
            redis.start();
        }
    }

    @Test
    void aBucketSwapWhoseReplyWasLostTakesItsTokenOnce() throws Exception {
        try (RedisRelay relay = new RedisRelay(redis.port())) {
            RateLimiter onA = limit(engine(relay.port()), "3/h");
            RateLimiter onB = limit(engine(redis.port()), "3/h");
            String who = "user:lost-swap-" + UUID.randomUUID();
            relay.arm("ARGV[1] == ''"); // a piece of the swap script: Redis swaps, the answer never reaches A
            RateLimiter.Decision first = onA.acquire(who);
            assertThat(relay.cuts()).as("the reply was lost").isEqualTo(1);
            assertThat(first.unchecked()).isNull();
            assertThat(first.allowed()).isTrue();
            int allowed = 0;
            for (int i = 0; i < 4; i++) {
                allowed += onB.acquire(who).allowed() ? 1 : 0;
            }
            assertThat(allowed).as("3 per hour, one taken by A's swap").isEqualTo(2);
        }
    }
}
