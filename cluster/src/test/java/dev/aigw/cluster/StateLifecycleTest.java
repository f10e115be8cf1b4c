package dev.aigw.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.aigw.servlet.suite.JettyEe10Container;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whatever an engine configured by settings starts inside a web application ends when the application stops: the
 * Redis client's connections, the JCache manager and the Hazelcast member its provider started, aigw's threads.
 */
class StateLifecycleTest {
    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void theRedisClientsConnectionsEndWithTheApplication() throws Exception {
        try (RedisServer redis = new RedisServer(); Cluster fakes = new Cluster()) {
            redis.start();
            Map<String, String> params = settings(fakes);
            params.put("aigw.state", "redis");
            params.put("aigw.state.redis-url", redis.url());
            try (JettyEe10Container jetty = new JettyEe10Container()) {
                URI app = jetty.start("/app", params, new ClusterApp(null));
                assertThat(call(app).statusCode()).isEqualTo(200);
                assertThat(aigwClients(redis)).isPositive();
            }
            long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (aigwClients(redis) > 0 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            assertThat(aigwClients(redis)).as("connections named aigw after the application stopped").isZero();
            assertThat(aigwThreads()).isEmpty();
        }
    }

    @Test
    void theCacheManagerAndTheHazelcastMemberItsProviderStartedEndWithTheApplication() throws Exception {
        System.setProperty("aigw.test.hazelcast.port", Integer.toString(HazelcastMembers.freePort()));
        // JCache's own way to choose among providers; Hazelcast's default one is a client of a remote cluster
        System.setProperty("javax.cache.spi.CachingProvider", "com.hazelcast.cache.HazelcastMemberCachingProvider");
        try (Cluster fakes = new Cluster()) {
            Map<String, String> params = settings(fakes);
            params.put("aigw.state", "jcache");
            params.put("aigw.state.jcache-uri", "classpath:aigw-lifecycle-hazelcast.xml");
            params.put("aigw.state.cache", "aigw-lifecycle");
            try (JettyEe10Container jetty = new JettyEe10Container()) {
                URI app = jetty.start("/app", params, new ClusterApp(null));
                assertThat(call(app).statusCode()).isEqualTo(200);
                assertThat(lifecycleMembers()).hasSize(1);
            }
            assertThat(lifecycleMembers()).as("the member started for the application").isEmpty();
            assertThat(aigwThreads()).isEmpty();
        } finally {
            System.clearProperty("aigw.test.hazelcast.port");
            System.clearProperty("javax.cache.spi.CachingProvider");
        }
    }

    private static Map<String, String> settings(Cluster fakes) {
        Map<String, String> m = new HashMap<>(fakes.gatewaySettings());
        m.put("aigw.proxy.path", "/replicate");
        m.put("aigw.proxy.replicate-token", fakes.replicate.token());
        m.put("aigw.proxy.rate-limit", "100/min");
        return m;
    }

    private HttpResponse<String> call(URI app) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create(app + "/replicate/account"))
                .header("X-Test-User", "lifecycle").build(), HttpResponse.BodyHandlers.ofString());
    }

    private static long aigwClients(RedisServer redis) {
        try (Jedis j = redis.client()) {
            return j.clientList().lines().filter(l -> l.contains(" name=aigw ")).count();
        }
    }

    private static Set<HazelcastInstance> lifecycleMembers() {
        Set<HazelcastInstance> s = new java.util.HashSet<>(Hazelcast.getAllHazelcastInstances());
        s.removeIf(h -> !h.getName().equals("aigw-lifecycle-member"));
        return s;
    }

    private static java.util.List<String> aigwThreads() {
        return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("aigw-state")).toList();
    }
}
