package dev.aigw.cluster;

import dev.aigw.Gateway;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.Settings;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.ReplayVerdict;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import dev.aigw.testkit.FakeGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

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
 * The same for the webhook filter's accepted ids, which must be kept for the replay window.
 */
class JCacheExpiryTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1500); // 3 × the default, for a saturated machine
    private static final Duration SHORT = Duration.ofSeconds(2);
    private static final String SECRET = "whsec_" + java.util.Base64.getEncoder().encodeToString(new byte[32]);

    @RegisterExtension
    static final OneHazelcastMember hazelcast = new OneHazelcastMember();
    private static Gateway gateway;
    private final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void start() throws Exception {
        // built, never called: the proxy only needs a gateway that routes Replicate
        gateway = Gateway.builder().baseUrl("http://127.0.0.1:9").accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token("cf-token").log(Gateway.Log.OFF).build();
    }

    @AfterAll
    static void stop() {
        gateway.close();
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
        hazelcast.manager().createCache(name, new MutableConfiguration<Object, Object>().setStoreByValue(true)
                .setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(
                        new javax.cache.expiry.Duration(TimeUnit.MILLISECONDS, expiry.toMillis()))));
        return name;
    }

    private SharedState state(SharedState s) {
        closing.add(s);
        return s;
    }

    private StateEngine engine(String cache) {
        StateEngine e = StateEngines.jcache(hazelcast.manager(), cache, null, SharedState.DEFAULT_CREATOR_TTL, TIMEOUT,
                false);
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
        SharedState state = state(SharedState.builder().jcache(hazelcast.manager(), cache).timeout(TIMEOUT).build());
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
        Cache<Object, Object> c = hazelcast.manager().getCache(shortCache);
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
        SharedState state = state(SharedState.check(settings).jcache(hazelcast.manager(), cache).timeout(TIMEOUT)
                .build());
        assertThat(expiryAfterUpdate(cache)).isEqualTo(Duration.ofDays(7));
        assertThat(proxy(state, "10/7d")).isNotNull();

        String defaults = "aigw-created-" + UUID.randomUUID(); // no limit in the settings: a day
        SharedState plain = state(SharedState.builder().jcache(hazelcast.manager(), defaults).timeout(TIMEOUT).build());
        assertThat(expiryAfterUpdate(defaults)).isEqualTo(Duration.ofDays(1));
        assertThatThrownBy(() -> proxy(plain, "10/7d")).isInstanceOf(GatewayConfigurationException.class)
                .hasMessageContaining("a bucket must live 168h after its principal's last call")
                .hasMessageContaining("keeps an entry 24h after its last write");
        assertThat(proxy(plain, "100/day")).as("a day's limit in a day's cache").isNotNull();
    }

    private AigwWebhookFilter webhooks(SharedState state, Duration tolerance) {
        AigwWebhookFilter f = AigwWebhookFilter.builder().secret(SECRET).path("/webhooks/replicate")
                .tolerance(tolerance).state(state).build();
        closing.add(f::destroy);
        return f;
    }

    @Test
    void aReplayWindowTheCacheWouldNotKeepIsRefusedWhenTheWebhookFilterIsBuilt() {
        String cache = cacheExpiringAfter(SHORT);
        SharedState state = state(SharedState.builder().jcache(hazelcast.manager(), cache).timeout(TIMEOUT).build());
        assertThatThrownBy(() -> webhooks(state, Duration.ofMinutes(5)))
                .isInstanceOf(GatewayConfigurationException.class)
                .hasMessageStartingWith("aigw: aigw.webhook.tolerance = \"5m\" (code) is not allowed: ")
                .hasMessageContaining("an accepted webhook-id must live 11m after its acceptance")
                .hasMessageContaining("the JCache cache '" + cache + "' keeps an entry 2s after its last write")
                .hasMessageContaining("use a shorter tolerance, or a cache whose expiry keeps entries at least 11m");

        String minutes = cacheExpiringAfter(Duration.ofMinutes(3)); // 2 × 30s + 1m = 2m fits, 11m does not
        SharedState kept = state(SharedState.builder().jcache(hazelcast.manager(), minutes).timeout(TIMEOUT).build());
        assertThat(webhooks(kept, Duration.ofSeconds(30))).as("a window the cache keeps").isNotNull();
        assertThatThrownBy(() -> webhooks(kept, Duration.ofMinutes(5)))
                .hasMessageContaining("keeps an entry 3m after its last write");
    }

    /** What the refusal prevents: an accepted id the cache forgets inside the window is handed on again. */
    @Test
    void anAcceptedIdDroppedInsideTheWindowIsHandedOnAgain() throws Exception {
        String cache = cacheExpiringAfter(SHORT);
        ReplayGuard guard = ReplayGuard.of(Duration.ofMinutes(11), 1, engine(cache));
        String id = "msg_" + UUID.randomUUID();
        assertThat(guard.begin(id)).isEqualTo(ReplayVerdict.ADMITTED);
        assertThat(guard.accepted(id)).isTrue();
        assertThat(guard.begin(id)).isEqualTo(ReplayVerdict.DUPLICATE);
        long start = System.nanoTime();
        while (hazelcast.manager().getCache(cache).containsKey("aigw:webhook:" + id)) {
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
            Thread.sleep(100);
        }
        assertThat(guard.begin(id)).as("a replay 2 s after acceptance, inside the 11m window")
                .isEqualTo(ReplayVerdict.ADMITTED);
    }

    private static Duration expiryAfterUpdate(String cache) {
        @SuppressWarnings("unchecked")
        CompleteConfiguration<Object, Object> cfg = hazelcast.manager().getCache(cache).getConfiguration(
                CompleteConfiguration.class);
        javax.cache.expiry.Duration d = cfg.getExpiryPolicyFactory().create().getExpiryForUpdate();
        return Duration.of(d.getDurationAmount(), d.getTimeUnit().toChronoUnit());
    }
}
