package dev.aigw.cluster;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.cache.impl.HazelcastClientCachingProvider;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.CacheConfig;
import com.hazelcast.config.EvictionConfig;
import com.hazelcast.config.MaxSizePolicy;
import com.hazelcast.core.HazelcastInstance;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.ReplayVerdict;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import javax.cache.CacheManager;
import javax.cache.configuration.MutableConfiguration;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Hazelcast bounds every cache by entry count (10,000 by default, approximated per partition: a one-member cluster
 * keeps about 14,900). On an embedded member: the cache aigw creates keeps more principals' buckets and accepted
 * webhook ids than that for their lifetime, none evicted; a cache bounded lower is named in a start-up warning; both
 * also through a Hazelcast client.
 */
class JCacheEvictionTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1500); // 3 × the default, for a saturated machine
    /** Distinct principals and webhook ids each: together well beyond what the default bound keeps. */
    private static final int N = 12_000;

    @RegisterExtension
    static final OneHazelcastMember hazelcast = new OneHazelcastMember();

    private static StateEngine engine(String cache) {
        return StateEngines.jcache(hazelcast.manager(), cache, null, Duration.ofDays(1), TIMEOUT, false);
    }

    @Test
    void theCacheAigwCreatesKeepsMoreBucketsAndWebhookIdsThanHazelcastsDefaultBound() {
        String cache = "aigw-evict-" + UUID.randomUUID();
        try (StateEngine engine = engine(cache)) {
            RateLimiter limit = RateLimiter.of(RateLimiter.Rate.parse("1/day"), RateLimiter.MEMORY_KEYS, engine, 0);
            ReplayGuard replays = ReplayGuard.of(Duration.ofMinutes(11), 1, engine);
            for (int i = 0; i < N; i++) {
                assertThat(limit.acquire("user:" + i).allowed()).isTrue();
                String id = "msg_" + i;
                assertThat(replays.begin(id)).isEqualTo(ReplayVerdict.ADMITTED);
                assertThat(replays.accepted(id)).isTrue();
            }
            int fullAgain = 0;
            int handedOnAgain = 0;
            for (int i = 0; i < N; i++) {
                fullAgain += limit.acquire("user:" + i).allowed() ? 1 : 0;
                handedOnAgain += replays.begin("msg_" + i) == ReplayVerdict.DUPLICATE ? 0 : 1;
            }
            assertThat(fullAgain).as("buckets evicted within their day: 1/day allowed twice").isZero();
            assertThat(handedOnAgain).as("accepted ids evicted within the window: replays handed on").isZero();
            EvictionConfig eviction = hazelcast.manager().getCache(cache).getConfiguration(CacheConfig.class)
                    .getEvictionConfig();
            assertThat(eviction.getMaxSizePolicy()).isEqualTo(MaxSizePolicy.ENTRY_COUNT);
            assertThat(eviction.getSize()).as("memory mode's bounds: buckets, webhook ids, creators")
                    .isEqualTo(RateLimiter.MEMORY_KEYS + ReplayGuard.DEFAULT_CAPACITY + 10_000);
        } finally {
            hazelcast.manager().destroyCache(cache);
        }
    }

    @Test
    void aCacheBoundedBelowWhatMemoryModeKeepsIsNamedInOneWarning() {
        assertWarnsOfASmallCache(hazelcast.manager());
    }

    /** Client-server Hazelcast: the client's provider is Hazelcast's too, and the configuration reaches the members. */
    @Test
    void throughAClientTheCreatedCacheIsBoundedAndASmallOneNamed() {
        HazelcastInstance member = hazelcast.member();
        ClientConfig config = new ClientConfig();
        config.setClusterName(member.getConfig().getClusterName());
        config.setProperty("hazelcast.logging.type", "jdk");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.getNetworkConfig().addAddress("127.0.0.1:" + member.getCluster().getLocalMember().getAddress()
                .getPort());
        HazelcastInstance client = HazelcastClient.newHazelcastClient(config);
        try {
            CacheManager viaClient = new HazelcastClientCachingProvider(client).getCacheManager();
            String cache = "aigw-client-" + UUID.randomUUID();
            try (StateEngine ignored = StateEngines.jcache(viaClient, cache, null, Duration.ofDays(1), TIMEOUT,
                    false)) {
                assertThat(hazelcast.manager().getCache(cache).getConfiguration(CacheConfig.class).getEvictionConfig()
                        .getSize())
                        .as("as the members have it").isEqualTo(210_000);
            } finally {
                viaClient.destroyCache(cache);
            }
            assertWarnsOfASmallCache(viaClient);
            viaClient.close();
        } finally {
            client.shutdown();
        }
    }

    private static void assertWarnsOfASmallCache(CacheManager via) {
        String cache = "aigw-small-" + UUID.randomUUID(); // the application's: Hazelcast's default bound
        via.createCache(cache, new MutableConfiguration<Object, Object>().setStoreByValue(true));
        try (Warnings warnings = new Warnings();
             StateEngine ignored = StateEngines.jcache(via, cache, null, Duration.ofDays(1), TIMEOUT, false)) {
            assertThat(warnings.messages()).singleElement().asString()
                    .contains("the JCache cache '" + cache + "' is bounded to 10000 entries")
                    .contains("a rate-limit bucket comes back full")
                    .contains("a replay inside the window is handed on again")
                    .contains("at least 210000");
        } finally {
            via.destroyCache(cache);
        }
    }
}
