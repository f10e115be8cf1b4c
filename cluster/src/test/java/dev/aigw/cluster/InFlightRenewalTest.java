package dev.aigw.cluster;

import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.ReplayVerdict;
import dev.aigw.servlet.internal.state.StateEngine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import redis.clients.jedis.Jedis;

import java.time.Duration;
import java.util.Arrays;
import java.util.UUID;
import java.util.function.Supplier;

import static dev.aigw.servlet.internal.ReplayVerdict.ADMITTED;
import static dev.aigw.servlet.internal.ReplayVerdict.DUPLICATE;
import static dev.aigw.servlet.internal.ReplayVerdict.IN_FLIGHT;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A delivery whose handler runs longer than the replay window stays in flight on the shared engine (its instance
 * renews the mark while the handler runs), so Replicate's retry to another instance is not handed on a second time;
 * the mark of an instance that is gone ends within a window, so the retry then reaches the application. On a real
 * Redis and on an embedded Hazelcast member through JCache, with a window of a few seconds.
 */
class InFlightRenewalTest {
    private static final Duration WINDOW = Duration.ofSeconds(3);
    private static final Duration TIMEOUT = Duration.ofMillis(1500); // 3 × the default, for a saturated machine

    @RegisterExtension
    static final Engines ENGINES = new Engines(TIMEOUT);

    private static StateEngine onRedis() {
        return ENGINES.onRedis(false);
    }

    private static StateEngine onJCache() {
        return ENGINES.onJCache("aigw-in-flight", false);
    }

    @Test
    void onRedisALongHandlersDeliveryStaysInFlightAndACrashedInstancesMarkEnds() throws Exception {
        longHandlerThenCrash(InFlightRenewalTest::onRedis);
    }

    @Test
    void onJCacheALongHandlersDeliveryStaysInFlightAndACrashedInstancesMarkEnds() throws Exception {
        longHandlerThenCrash(InFlightRenewalTest::onJCache);
    }

    private static void longHandlerThenCrash(Supplier<StateEngine> engines) throws Exception {
        StateEngine a = engines.get();
        StateEngine b = engines.get();
        try {
            ReplayGuard onA = ReplayGuard.of(WINDOW, 1, a);
            ReplayGuard onB = ReplayGuard.of(WINDOW, 1, b);
            String slow = "slow-" + UUID.randomUUID();
            assertThat(onA.begin(slow)).isEqualTo(ADMITTED);
            Thread.sleep(WINDOW.multipliedBy(3).toMillis()); // A's handler still runs, three windows later
            assertThat(onB.begin(slow)).as("Replicate's retry to B while A still handles it").isEqualTo(IN_FLIGHT);
            assertThat(onA.accepted(slow)).isTrue();
            assertThat(onB.begin(slow)).isEqualTo(DUPLICATE);

            String crashed = "crashed-" + UUID.randomUUID();
            assertThat(onA.begin(crashed)).isEqualTo(ADMITTED);
            assertThat(onB.begin(crashed)).isEqualTo(IN_FLIGHT);
            a.close(); // A is gone mid-handler, and its renewals with it
            assertThat(retryUntilAdmitted(onB, crashed)).as("the retry after A's mark ended").isEqualTo(ADMITTED);
        } finally {
            a.close();
            b.close();
        }
    }

    @Test
    void aMarkLostWhileRedisWasDownIsSetAgainWhenItAnswers() throws Exception {
        StateEngine a = onRedis();
        StateEngine b = onRedis();
        try {
            ReplayGuard onA = ReplayGuard.of(WINDOW, 1, a);
            ReplayGuard onB = ReplayGuard.of(WINDOW, 1, b);
            String id = "outage-" + UUID.randomUUID();
            assertThat(onA.begin(id)).isEqualTo(ADMITTED);
            ENGINES.redis.stop();
            Thread.sleep(WINDOW.multipliedBy(2).toMillis()); // renewals fail meanwhile; the mark's time runs out
            assertThat(onB.begin(id)).as("nothing is admitted while Redis is down").isEqualTo(ReplayVerdict.UNAVAILABLE);
            ENGINES.redis.start();
            try (Jedis admin = ENGINES.redis.client()) {
                long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (admin.get("aigw:webhook:" + id) == null && System.nanoTime() < end) {
                    Thread.sleep(100);
                }
                assertThat(admin.get("aigw:webhook:" + id)).as("A's mark, set again by its renewal").startsWith("F|");
            }
            // B failed during the outage: it asks Redis again once its cool-down is over (UNAVAILABLE until then)
            assertThat(answered(onB, id)).isEqualTo(IN_FLIGHT);
            assertThat(onA.rejected(id)).isTrue();
            assertThat(onB.begin(id)).as("a rejection still forgets the renewed mark").isEqualTo(ADMITTED);
        } finally {
            a.close();
            b.close();
        }
    }

    /**
     * The application stops while a renewal waits for Redis (paused here): close() ends the renewal, which then fails,
     * and says nothing about it; the shared state did not fail, the application is stopping.
     */
    @Test
    void closingWhileARenewalWaitsForRedisLogsNoWarning() throws Exception {
        StateEngine a = onRedis();
        try (Warnings warnings = new Warnings(); Jedis admin = ENGINES.redis.client()) {
            ReplayGuard onA = ReplayGuard.of(WINDOW, 1, a);
            assertThat(onA.begin("closing-" + UUID.randomUUID())).isEqualTo(ADMITTED);
            // Redis holds every client's command for longer than the engine's timeout: the renewal waits for it
            admin.clientPause(TIMEOUT.multipliedBy(3).toMillis());
            while (!renewalWaitsForRedis()) {
                Thread.sleep(10);
            }
            a.close();
            assertThat(warnings.messages()).as("logged at close").isEmpty();
            assertThat(admin.ping()).as("Redis answers again (after the pause)").isEqualTo("PONG");
        } finally {
            a.close();
        }
    }

    /** The engine's timer thread waits in a read of Jedis's. */
    private static boolean renewalWaitsForRedis() {
        return Thread.getAllStackTraces().entrySet().stream()
                .filter(e -> e.getKey().getName().startsWith("aigw-state-timer"))
                .anyMatch(e -> Arrays.stream(e.getValue()).anyMatch(f -> f.getClassName().endsWith(
                        "RedisInputStream")));
    }

    /** Asks until the engine answers (not UNAVAILABLE: a cool-down after a failure), for at most 20 windows. */
    private static ReplayVerdict answered(ReplayGuard g, String id) throws InterruptedException {
        long end = System.nanoTime() + WINDOW.multipliedBy(20).toNanos();
        ReplayVerdict v;
        while ((v = g.begin(id)) == ReplayVerdict.UNAVAILABLE && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        return v;
    }

    /** Asks B again (each answer changes nothing but the admission) until it admits, for at most 20 windows. */
    private static ReplayVerdict retryUntilAdmitted(ReplayGuard g, String id) throws InterruptedException {
        long end = System.nanoTime() + WINDOW.multipliedBy(20).toNanos();
        ReplayVerdict v;
        while ((v = g.begin(id)) != ADMITTED && System.nanoTime() < end) {
            Thread.sleep(100);
        }
        return v;
    }
}
