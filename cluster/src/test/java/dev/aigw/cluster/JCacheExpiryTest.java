package dev.aigw.cluster;

import dev.aigw.Gateway;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.Settings;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import dev.aigw.testkit.FakeGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.cache.Cache;
import javax.cache.CacheManager;
import javax.cache.configuration.CompleteConfiguration;
import javax.cache.configuration.MutableConfiguration;
import javax.cache.expiry.ModifiedExpiryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * On JCache a bucket lives as long as the cache's expiry policy keeps the entry after its last write; one dropped
 * before its period has passed comes back full. On an embedded Hazelcast member, with caches whose expiry is seconds
 * instead of a day: a limit whose period such a cache cannot keep is refused when the proxy is built, naming the
 * limit, what it needs and what keeps less; a cache aigw creates from the settings keeps the settings' limit's period.
 */
class JCacheExpiryTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1500); // 3 × the default, for a saturated machine
    private static final Duration SHORT = Duration.ofSeconds(2);

    private static HazelcastMembers hazelcast;
    private static CacheManager manager;
    private static Gateway gateway;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        hazelcast = new HazelcastMembers(1);
        manager = hazelcast.managers.get(0);
        // built, never called: the proxy only needs a gateway that routes Replicate
        gateway = Gateway.builder().baseUrl("http://127.0.0.1:9").accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token("cf-token").log(Gateway.Log.OFF).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
        hazelcast.close();
    }

    @AfterEach
    void close() throws Exception {
        for (int i = closing.size() - 1; i >= 0; i--) { // the filters before the states they use
            closing.get(i).close();
        }
    }

    /** The application's own cache, untyped, whose entries expire {@code expiry} after their last write. */
    private static String cacheExpiringAfter(Duration expiry) {
        String name = "aigw-expiry-" + UUID.randomUUID();
        manager.createCache(name, new MutableConfiguration<Object, Object>().setStoreByValue(true)
                .setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(
                        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, expiry.toMillis()))));
        return name;
    }

    private SharedState state(SharedState s) {
        closing.add(s);
        return s;
    }

    private StateEngine engine(String cache) {
        StateEngine e = StateEngines.jcache(manager, cache, null, SharedState.DEFAULT_CREATOR_TTL, TIMEOUT, false);
        closing.add(e);
        return e;
    }

    private AigwProxyFilter proxy(SharedState state, String rate) {
        AigwProxyFilter f = AigwProxyFilter.builder().gateway(gateway).path("/replicate").replicateToken("r8-token")
                .rateLimit(rate).state(state).build();
        closing.add(f::destroy);
        return f;
    }

    @Test
    void aLimitWhoseBucketTheCacheWouldDropBeforeItsPeriodIsRefusedWhenTheProxyIsBuilt() {
        String cache = cacheExpiringAfter(SHORT);
        SharedState state = state(SharedState.builder().jcache(manager, cache).timeout(TIMEOUT).build());
        assertThatThrownBy(() -> proxy(state, "3/min"))
                .isInstanceOf(GatewayConfigurationException.class)
                .hasMessageStartingWith("aigw: aigw.proxy.rate-limit = \"3/min\" (code) is not allowed: ")
                .hasMessageContaining("a bucket must live 1m after its principal's last call")
                .hasMessageContaining("the JCache cache '" + cache + "' keeps an entry 2s after its last write")
                .hasMessageContaining("a cache whose expiry keeps entries at least 1m after their last write");
        assertThat(proxy(state, "3/2s")).as("a period the cache keeps").isNotNull();
    }

    /** What the refusal prevents, and that a cache keeping entries for the period keeps the limit. */
    @Test
    void aBucketDroppedBeforeItsPeriodComesBackFullAndOneKeptHoldsTheLimit() throws Exception {
        String shortCache = cacheExpiringAfter(SHORT);
        String longCache = cacheExpiringAfter(Duration.ofMinutes(1));
        RateLimiter onShort = RateLimiter.of(RateLimiter.Rate.parse("3/min"), 1000, engine(shortCache), 0);
        RateLimiter onLong = RateLimiter.of(RateLimiter.Rate.parse("3/min"), 1000, engine(longCache), 0);
        String who = "user:quiet-" + UUID.randomUUID();
        for (int i = 0; i < 3; i++) {
            assertThat(onShort.acquire(who).allowed()).isTrue();
            assertThat(onLong.acquire(who).allowed()).isTrue();
        }
        assertThat(onShort.acquire(who).allowed()).isFalse();
        assertThat(onLong.acquire(who).allowed()).isFalse();
        long start = System.nanoTime();
        Cache<Object, Object> c = manager.getCache(shortCache);
        String key = "aigw:rate:3/60000ms:" + who;
        while (c.containsKey(key)) { // the principal is quiet; the short cache drops the bucket after 2 s
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            Thread.sleep(100);
        }
        int onShortAllowed = 0;
        int onLongAllowed = 0;
        for (int i = 0; i < 3; i++) {
            onShortAllowed += onShort.acquire(who).allowed() ? 1 : 0;
            onLongAllowed += onLong.acquire(who).allowed() ? 1 : 0;
        }
        // a token comes back every 20 s: within the 15 s waited at most, none has
        assertThat(onShortAllowed).as("dropped: full again, 3 calls more than 3/min allows").isEqualTo(3);
        assertThat(onLongAllowed).as("kept: still empty").isZero();
    }

    @Test
    void aCacheAigwCreatesFromTheSettingsKeepsEntriesForTheSettingsLimit() {
        String cache = "aigw-created-" + UUID.randomUUID();
        Settings settings = Settings.of(Map.of("aigw.state", "jcache", "aigw.proxy.rate-limit", "10/7d"));
        SharedState state = state(SharedState.check(settings).jcache(manager, cache).timeout(TIMEOUT).build());
        assertThat(expiryAfterUpdate(cache)).isEqualTo(Duration.ofDays(7));
        assertThat(proxy(state, "10/7d")).isNotNull();

        String defaults = "aigw-created-" + UUID.randomUUID(); // no limit in the settings: a day
        SharedState plain = state(SharedState.builder().jcache(manager, defaults).timeout(TIMEOUT).build());
        assertThat(expiryAfterUpdate(defaults)).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> proxy(plain, "10/7d")).isInstanceOf(GatewayConfigurationException.class)
                .hasMessageContaining("a bucket must live 168h after its principal's last call")
                .hasMessageContaining("keeps an entry 24h after its last write");
        assertThat(proxy(plain, "100/day")).as("a day's limit in a day's cache").isNotNull();
    }

    private static Duration expiryAfterUpdate(String cache) {
        @SuppressWarnings("unchecked")
        CompleteConfiguration<Object, Object> cfg = manager.getCache(cache).getConfiguration(
                CompleteConfiguration.class);
        javax.cache.expiry.Duration d = cfg.getExpiryPolicyFactory().create().getExpiryForUpdate();
        return Duration.of(d.getDurationAmount(), d.getTimeUnit().toChronoUnit());
    }
}
