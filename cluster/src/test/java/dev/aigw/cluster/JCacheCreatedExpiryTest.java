package dev.aigw.cluster;

import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import javax.cache.Cache;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.CreatedExpiryPolicy;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * with a {@link CreatedExpiryPolicy} an update leaves the expiry alone, so a bucket
 * expires a fixed time after its creation however often it is written. {@code JCacheEngine.cannotKeep} counts that
 * time as if it ran from the last write and accepts any period up to it; the bucket is then dropped while its
 * principal is using it, and comes back full.
 */
class JCacheCreatedExpiryTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1500);
    private static final long D = 10_000; // the cache's expiry after creation, and the limit's period

    @RegisterExtension
    static final OneHazelcastMember hazelcast = new OneHazelcastMember();

    /**
     * Each of JSR-107's policies, by what it guarantees an entry after its last write: an update that resets the
     * expiry (modified, touched) keeps it that long; one that leaves it (created, accessed) keeps nothing in use.
     */
    @ParameterizedTest
    @CsvSource({"created, false", "accessed, false", "modified, true", "touched, true", "eternal, true"})
    void everyPolicyIsJudgedByWhatItKeepsAfterAWrite(String policy, boolean keeps) throws Exception {
        String name = "aigw-policy-" + policy + "-" + UUID.randomUUID();
        javax.cache.expiry.Duration d = new javax.cache.expiry.Duration(TimeUnit.MINUTES, 10);
        hazelcast.manager().createCache(name, new MutableConfiguration<Object, Object>().setStoreByValue(true)
                .setExpiryPolicyFactory(switch (policy) {
                    case "created" -> CreatedExpiryPolicy.factoryOf(d);
                    case "accessed" -> javax.cache.expiry.AccessedExpiryPolicy.factoryOf(d);
                    case "modified" -> javax.cache.expiry.ModifiedExpiryPolicy.factoryOf(d);
                    case "touched" -> javax.cache.expiry.TouchedExpiryPolicy.factoryOf(d);
                    default -> javax.cache.expiry.EternalExpiryPolicy.factoryOf();
                }));
        StateEngine engine = StateEngines.jcache(hazelcast.manager(), name, null, SharedState.DEFAULT_CREATOR_TTL,
                TIMEOUT, false);
        try {
            assertThat(engine.cannotKeep(Duration.ofMinutes(10))).as(policy).satisfies(lost -> {
                if (keeps) {
                    assertThat(lost).isNull();
                } else {
                    assertThat(lost).contains("does not extend an entry's expiry when it is written");
                }
            });
            if (!policy.equals("eternal")) {
                assertThat(engine.cannotKeep(Duration.ofMinutes(11))).as(policy).isNotNull();
            }
        } finally {
            engine.close();
        }
    }

    @Test
    void aCreatedExpiryCacheDropsABucketInUseSoTheCheckRefusesTheLimit() throws Exception {
        String name = "aigw-created-expiry-" + UUID.randomUUID();
        hazelcast.manager().createCache(name, new MutableConfiguration<Object, Object>().setStoreByValue(true)
                .setExpiryPolicyFactory(CreatedExpiryPolicy.factoryOf(
                        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, D))));
        StateEngine engine = StateEngines.jcache(hazelcast.manager(), name, null, SharedState.DEFAULT_CREATOR_TTL,
                TIMEOUT, false);
        try {
            String accepted = engine.cannotKeep(Duration.ofMillis(D));
            RateLimiter limit = RateLimiter.of(RateLimiter.Rate.parse("10/10s"), 1000, engine, 0);
            String who = "user:created-" + UUID.randomUUID();
            String key = "aigw:rate:10/10000ms:" + who;
            Cache<Object, Object> c = hazelcast.manager().getCache(name);

            long t0 = System.nanoTime(); // before the bucket's creation: it expires at t0 + D at the earliest
            assertThat(limit.acquire(who).allowed()).isTrue();
            Thread.sleep(D - 2_500); // the bucket is full again; now the principal uses all of it
            int used = 0;
            for (int i = 0; i < 10; i++) {
                used += limit.acquire(who).allowed() ? 1 : 0;
            }
            long emptied = System.nanoTime();
            assertThat(TimeUnit.NANOSECONDS.toMillis(emptied - t0)).as("emptied before the creation expiry")
                    .isLessThan(D - 500);
            assertThat(used).isEqualTo(10);
            while (c.containsKey(key)) {
                assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0)).isLessThan(3 * D);
                Thread.sleep(50);
            }
            long sinceEmptied = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - emptied);
            int again = 0;
            for (int i = 0; i < 10; i++) {
                again += limit.acquire(who).allowed() ? 1 : 0;
            }
            long refilledAtMost = 1 + (TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - emptied) * 10) / D;
            System.out.printf("bucket dropped %d ms after it was emptied (%d ms after creation); "
                    + "then %d of 10 allowed, at most %d refilled%n", sinceEmptied,
                    TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0), again, refilledAtMost);
            assertThat(again).as("the bucket in use was dropped and came back full").isGreaterThan((int) refilledAtMost);
            // the finding: the start-up check accepted a 10 s period on this cache
            assertThat(accepted).as("cannotKeep(10s) on a CreatedExpiryPolicy(10s) cache: an update does not extend "
                    + "the expiry, so a bucket in use is dropped (shown above) — the limit should be refused").isNotNull();
        } finally {
            engine.close();
        }
    }
}
