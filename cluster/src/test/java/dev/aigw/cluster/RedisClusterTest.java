package dev.aigw.cluster;

import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Three instances (Jetty, Tomcat, Jetty) configured only by settings ({@code aigw.state=redis}) share a real
 * {@code redis-server} on loopback, with AUTH. Then the server is stopped, made slow, and restarted.
 */
class RedisClusterTest extends SharedScenarios {
    static final int LIMIT = 12;
    static final int TIMEOUT_MS = 1500;

    RedisServer redis;

    @Override
    int limit() {
        return LIMIT;
    }

    @Override
    String name() {
        return "redis";
    }

    @BeforeAll
    void start() throws Exception {
        redis = new RedisServer();
        redis.start();
        cluster = new Cluster();
        cluster.start(i -> settings(i == 1 ? "closed" : null), i -> null);
    }

    /** Instance B refuses calls whose rate limit cannot be checked; A and C take the default (let them through). */
    private Map<String, String> settings(String onFailure) {
        Map<String, String> m = new HashMap<>(cluster.gatewaySettings());
        m.put("aigw.proxy.path", "/replicate");
        m.put("aigw.proxy.replicate-token", cluster.replicate.token());
        m.put("aigw.proxy.rate-limit", LIMIT + "/min");
        m.put("aigw.webhook.path", "/webhooks/replicate");
        m.put("aigw.webhook.secret", cluster.replicate.webhookSecret());
        m.put("aigw.state", "redis");
        m.put("aigw.state.redis-url", redis.url());
        m.put("aigw.state.timeout", TIMEOUT_MS + "ms"); // the default 500 ms, tripled for a saturated test machine
        if (onFailure != null) {
            m.put("aigw.state.on-failure", onFailure);
        }
        return m;
    }

    @Override
    void stopEngine() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    @Order(5)
    void redisStoppedMidRunLosesNothingAndItsRestartRestoresService() throws Exception {
        Cluster.Delivery accepted = cluster.delivery("msg_redis_before_stop", "p-before-stop", "succeeded");
        assertThat(cluster.deliver(0, accepted).statusCode()).isEqualTo(200);
        String created = create(0, "bob-before").id();

        redis.stop();
        // rate limit on A and C (on-failure=open): let through, and each record says so
        for (int i = 0; i < 4; i++) {
            int instance = i % 2 == 0 ? 0 : 2;
            HttpResponse<String> r = cluster.proxied(instance, "GET", "/account", null, "redis-down-open");
            assertThat(r.statusCode()).as("let through while Redis is down").isEqualTo(200);
        }
        assertThat(ClusterRecords.await(r -> "GET".equals(r.method())
                && "redis-down-open".equals(r.metadata().get(Cluster.USER_KEY)) && !r.notes().isEmpty(),
                Duration.ofSeconds(5)).notes().get(0)).startsWith("rate limit not checked (redis: ")
                .endsWith("let through: aigw.state.on-failure=open");
        // on B (on-failure=closed): 503 with Retry-After, not sent, recorded
        HttpResponse<String> refused = cluster.proxied(1, "GET", "/account", null, "redis-down-closed");
        assertThat(refused.statusCode()).isEqualTo(503);
        assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        assertThat(refused.body()).contains("\"code\":\"rate_limit_unavailable\"").doesNotContain("127.0.0.1")
                .doesNotContain(RedisServer.PASSWORD);
        ExchangeRecord notSent = ClusterRecords.await(r -> "redis-down-closed".equals(
                r.metadata().get(Cluster.USER_KEY)), Duration.ofSeconds(5));
        assertThat(notSent.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
        assertThat(notSent.notes().get(0)).contains("refused with 503: aigw.state.on-failure=closed");
        // a webhook that cannot be checked for replay: 503, not handed on, recorded
        Cluster.Delivery during = cluster.delivery("msg_redis_during_outage", "p-during", "succeeded");
        HttpResponse<String> unchecked = cluster.deliver(1, during);
        assertThat(unchecked.statusCode()).isEqualTo(503);
        assertThat(unchecked.headers().firstValue("Retry-After")).isPresent();
        assertThat(ClusterApp.HANDLED).doesNotContainKey(during.id());
        ExchangeRecord webhook503 = ClusterRecords.await(r -> cluster.receivedBy(r, 1) && r.httpStatus() == 503
                && "p-during".equals(r.predictionId()), Duration.ofSeconds(5));
        assertThat(webhook503.notes().get(0)).startsWith("replay check unavailable (redis: ");
        // a prediction created while Redis is down: its creator is written when Redis is back
        String createdDuring = create(2, "carol-during").id();
        for (ExchangeRecord r : ClusterRecords.ALL) {
            assertThat(r.toString()).doesNotContain(RedisServer.PASSWORD);
        }

        redis.start(); // same port, same data (append-only file)
        // Replicate retries the refused delivery; once Redis answers, it is handed on exactly once
        HttpResponse<String> retried = redeliverWhileRefused(0, during, Duration.ofSeconds(15));
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(retried.headers().firstValue("aigw-webhook")).isEmpty();
        assertThat(ClusterApp.HANDLED.get(during.id()).get()).isEqualTo(1);
        // (a 503 or 409 here would be the engine missing the timeout on a saturated machine: Replicate retries it)
        assertThat(redeliverWhileRefused(2, during, Duration.ofSeconds(10)).headers().firstValue("aigw-webhook"))
                .hasValue("duplicate");
        // what was accepted before the stop is still remembered
        assertThat(redeliverWhileRefused(1, accepted, Duration.ofSeconds(10)).headers().firstValue("aigw-webhook"))
                .hasValue("duplicate");
        assertThat(ClusterApp.HANDLED.get(accepted.id()).get()).isEqualTo(1);
        // creators written before and during the outage are found by another instance
        deliverAndExpectCreator(1, "msg_redis_after_1", created, "bob-before");
        // the creator written during the outage waits in the retry queue (one try a second) until Redis answers
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        try (Jedis j = redis.client()) {
            while (!j.exists("aigw:creator:" + createdDuring) && System.nanoTime() < until) {
                Thread.sleep(100);
            }
        }
        deliverAndExpectCreator(0, "msg_redis_after_2", createdDuring, "carol-during");
        // and the limit holds again, cluster-wide
        limitHoldsClusterWide("redis-rl-after", LIMIT);
    }

    @Test
    @Order(6)
    void aSlowRedisCostsAtMostTheTimeoutAndTheDeliveryIsHandedOnWhenRetried() throws Exception {
        Cluster.Delivery slow = cluster.delivery("msg_redis_slow", "p-slow", "succeeded");
        CompletableFuture<Object> sleeping = CompletableFuture.supplyAsync(() -> {
            try (Jedis j = redis.client()) {
                // DEBUG SLEEP: the server answers nobody for 4 s (two calls, on two instances, each wait the timeout)
                return j.sendCommand(() -> "DEBUG".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "SLEEP", "4");
            }
        });
        Thread.sleep(200); // the server is now asleep for ~4 s
        long t0 = System.nanoTime();
        HttpResponse<String> call = cluster.proxied(0, "GET", "/account", null, "redis-slow");
        long callMillis = (System.nanoTime() - t0) / 1_000_000;
        t0 = System.nanoTime();
        HttpResponse<String> hook = cluster.deliver(2, slow);
        long hookMillis = (System.nanoTime() - t0) / 1_000_000;
        assertThat(call.statusCode()).isEqualTo(200);
        assertThat(callMillis).as("one call waits at most the timeout (plus the call)").isLessThan(TIMEOUT_MS + 1000);
        assertThat(hook.statusCode()).isEqualTo(503);
        assertThat(hookMillis).isLessThan(TIMEOUT_MS + 1000);
        sleeping.get();
        // the check that timed out may have set its mark after all: it is removed, so the retry is not "in flight"
        HttpResponse<String> retried = redeliverWhileRefused(1, slow, Duration.ofSeconds(15));
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(ClusterApp.HANDLED.get(slow.id()).get()).isEqualTo(1);
    }
}
