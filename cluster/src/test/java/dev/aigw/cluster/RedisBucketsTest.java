package dev.aigw.cluster;

import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The rate limit's buckets on a real Redis, two instances' engines sharing it: one round trip per call while a
 * principal's calls go through one instance, exact counts when they alternate, and every refusal decided on what
 * Redis holds rather than on what an instance last saw. Limits are per hour, so nothing refills during the test.
 */
class RedisBucketsTest {
    private static RedisServer redis;
    private static StateEngine a;
    private static StateEngine b;

    @BeforeAll
    static void start() throws Exception {
        redis = new RedisServer();
        redis.start();
        a = StateEngines.redis(RedisUrl.parse(redis.url()), SharedState.DEFAULT_TIMEOUT, false);
        b = StateEngines.redis(RedisUrl.parse(redis.url()), SharedState.DEFAULT_TIMEOUT, false);
    }

    @AfterAll
    static void stop() throws Exception {
        a.close();
        b.close();
        redis.close();
    }

    private static RateLimiter limit(StateEngine e, String rate) {
        return RateLimiter.of(RateLimiter.Rate.parse(rate), 1000, e, 0);
    }

    @Test
    void aPrincipalsCallsThroughOneInstanceCostOneRoundTripEach() {
        RateLimiter onA = limit(a, "1000/h");
        assertThat(onA.acquire("user:one-trip").allowed()).isTrue(); // creates the bucket: read, then written
        try (Jedis admin = redis.client()) {
            admin.configResetStat();
            for (int i = 0; i < 20; i++) {
                assertThat(onA.acquire("user:one-trip").allowed()).isTrue();
            }
            Map<String, Long> calls = RedisServer.commandCalls(admin);
            // one EVAL each; the GET and SET counted are the ones the script makes inside it
            assertThat(calls).containsEntry("eval", 20L).containsEntry("get", 20L).containsEntry("set", 20L);
        }
    }

    @Test
    void callsAlternatingBetweenInstancesLetExactlyTheLimitThroughAtTwoRoundTripsAtMost() {
        RateLimiter onA = limit(a, "10/h");
        RateLimiter onB = limit(b, "10/h");
        int allowed = 0;
        try (Jedis admin = redis.client()) {
            assertThat(onA.acquire("user:alternating").allowed()).isTrue();
            assertThat(onB.acquire("user:alternating").allowed()).isTrue();
            allowed += 2;
            admin.configResetStat();
            for (int i = 0; i < 6; i++) { // both instances now remember a state the other has changed since
                allowed += (i % 2 == 0 ? onA : onB).acquire("user:alternating").allowed() ? 1 : 0;
            }
            Map<String, Long> calls = RedisServer.commandCalls(admin);
            assertThat(calls.get("eval")).as("a failed swap brings back the current state: one more swap").isEqualTo(12L);
            assertThat(calls.get("get")).as("no GET besides the scripts' own").isEqualTo(12L);
        }
        for (int i = 0; i < 30; i++) {
            allowed += (i % 2 == 0 ? onA : onB).acquire("user:alternating").allowed() ? 1 : 0;
        }
        assertThat(allowed).isEqualTo(10);
    }

    @Test
    void aRefusalIsDecidedOnWhatRedisHoldsNotOnWhatTheInstanceLastSaw() {
        RateLimiter onA = limit(a, "3/h");
        RateLimiter onB = limit(b, "3/h");
        for (int i = 0; i < 3; i++) {
            assertThat(onA.acquire("user:lost").allowed()).isTrue();
        }
        assertThat(onA.acquire("user:lost").allowed()).isFalse(); // A remembers an empty bucket
        try (Jedis admin = redis.client()) {
            admin.del("aigw:rate:3/3600000ms:user:lost"); // the bucket is gone (expired, flushed): full again
        }
        assertThat(onA.acquire("user:lost").allowed()).as("not refused on the remembered empty bucket").isTrue();

        assertThat(onB.acquire("user:stale").allowed()).isTrue(); // B remembers 2 left
        for (int i = 0; i < 2; i++) {
            assertThat(onA.acquire("user:stale").allowed()).isTrue();
        }
        RateLimiter.Decision d = onB.acquire("user:stale");
        assertThat(d.allowed()).as("B's remembered state says 2 left; Redis says none").isFalse();
        assertThat(d.retryAfterSeconds()).as("Retry-After from the current state: one token per 20 min")
                .isBetween(1100L, 1200L);
    }
}
