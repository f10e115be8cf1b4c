package dev.aigw.servlet.containers;

import dev.aigw.Gateway;
import dev.aigw.Settings;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.servlet.PredictionCreators;
import dev.aigw.servlet.SharedState;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * This module has aigw-servlet as an application would without any engine: no Jedis, no JCache API (the engines
 * are optional dependencies; only Bucket4j's core comes along). Memory mode works — the whole container suite next to
 * this class runs in it — and asking for an engine says what to add, in one line, instead of failing with a missing
 * class.
 */
class WithoutEnginesTest {
    @Test
    void theEngineLibrariesAreNotOnThisClassPath() {
        for (String c : new String[]{"redis.clients.jedis.UnifiedJedis", "javax.cache.Caching",
                "io.github.bucket4j.grid.jcache.Bucket4jJCache"}) {
            assertThatThrownBy(() -> Class.forName(c)).as(c).isInstanceOf(ClassNotFoundException.class);
        }
    }

    @Test
    void memoryModeBuildsEverythingWithoutThem() {
        SharedState memory = SharedState.fromSettings(Settings.of(Map.of()), getClass().getClassLoader());
        assertThat(memory).isSameAs(SharedState.memory());
        PredictionCreators creators = new PredictionCreators(memory);
        try (Gateway g = Gateway.builder().baseUrl("http://127.0.0.1:9/v1")
                .accountId("0123456789abcdef0123456789abcdef").gatewayId("gw").log(Gateway.Log.OFF)
                .listener(creators).build()) {
            AigwProxyFilter proxy = AigwProxyFilter.builder().gateway(g).path("/replicate").rateLimit("5/min")
                    .state(memory).build();
            AigwWebhookFilter hooks = AigwWebhookFilter.builder().secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
                    .gateway(g).creators(creators).state(memory).build();
            proxy.destroy();
            hooks.destroy();
        }
        memory.close();
    }

    @Test
    void askingForAnEngineWithoutItsLibrariesNamesWhatToAdd() {
        assertThatThrownBy(() -> SharedState.check(Settings.of(Map.of("aigw.state", "redis",
                "aigw.state.redis-url", "redis://:secret-pw@cache.example:6379/0"))))
                .hasMessage("aigw: aigw.state = \"redis\" (settings) is not allowed: redis with its libraries on the "
                        + "web application's class path; missing: redis.clients:jedis (7.x)");
        assertThatThrownBy(() -> SharedState.check(Settings.of(Map.of("aigw.state", "jcache"))))
                .hasMessageEndingWith("missing: javax.cache:cache-api and com.bucket4j:bucket4j_jdk17-jcache");
    }
}
