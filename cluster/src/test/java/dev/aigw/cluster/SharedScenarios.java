package dev.aigw.cluster;

import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What must hold on any shared engine, with requests spread over the three instances; each engine's test class
 * starts {@link #cluster} and adds what is its own (failures).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
abstract class SharedScenarios {
    Cluster cluster;

    /** The rate limit every instance is configured with, per minute. */
    abstract int limit();

    /** A prefix for this engine's users and webhook ids (every test class shares the recorders). */
    abstract String name();

    /** Stops the engine (and what the instances' state used), after the instances. */
    abstract void stopEngine() throws Exception;

    @AfterAll
    void stopClusterThenEngine() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            stopEngine();
        }
    }

    @Test
    @Order(1)
    void aLimitOfNPerMinuteLetsNThroughClusterWide() throws Exception {
        limitHoldsClusterWide(name() + "-rl-1", limit());
    }

    @Test
    @Order(2)
    void aWebhookReplayedToAnotherInstanceIsADuplicate() throws Exception {
        replayToAnotherInstanceIsADuplicate("msg_" + name() + "_replay");
    }

    @Test
    @Order(3)
    void ofSimultaneousDeliveriesToThreeInstancesExactlyOneIsHandedOn() throws Exception {
        firstSightIsAtomic("msg_" + name() + "_race");
    }

    @Test
    @Order(4)
    void aWebhookOnCIsRecordedWithTheUserWhoCreatedThePredictionOnA() throws Exception {
        creatorFoundOnAnotherInstance("msg_" + name() + "_creator", name() + "-alice");
    }

    /**
     * {@code 3 × limit} calls of one user, round robin: exactly {@code limit} pass, plus what refills while they run
     * (the documented tolerance: one more per {@code period / limit} elapsed). Every instance refuses some, with a
     * {@code Retry-After} of the refill interval.
     */
    void limitHoldsClusterWide(String user, int limit) throws Exception {
        int allowed = 0;
        boolean[] refusedOn = new boolean[3];
        long t0 = System.nanoTime();
        for (int i = 0; i < 3 * limit; i++) {
            int instance = cluster.nextInstance();
            HttpResponse<String> r = cluster.proxied(instance, "GET", "/account", null, user);
            if (r.statusCode() == 200) {
                allowed++;
            } else {
                assertThat(r.statusCode()).as(r.body()).isEqualTo(429);
                long retryAfter = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
                assertThat(retryAfter).isBetween(1L, (long) Math.ceil(60.0 / limit));
                assertThat(r.body()).contains("\"retry_after\":" + retryAfter);
                refusedOn[instance] = true;
            }
        }
        double elapsedSeconds = (System.nanoTime() - t0) / 1e9;
        int tolerance = (int) Math.floor(elapsedSeconds * limit / 60.0);
        // a check the engine did not answer in time lets its call through (on-failure=open) and says so in the
        // record: such calls are not the limit's, and on a saturated machine one may happen
        Thread.sleep(200); // the last records reach the listeners
        long unchecked = ClusterRecords.ALL.stream().filter(r -> user.equals(r.metadata().get(Cluster.USER_KEY))
                && r.notes().stream().anyMatch(n -> n.startsWith("rate limit not checked"))).count();
        assertThat(allowed - unchecked).as("allowed of %d calls in %.1f s (tolerance %d, %d unchecked)", 3 * limit,
                elapsedSeconds, tolerance, unchecked).isBetween(limit - unchecked, limit + (long) tolerance);
        assertThat(unchecked).as("checks the engine did not answer within the timeout").isLessThanOrEqualTo(1);
        assertThat(refusedOn).containsOnly(true);
    }

    void replayToAnotherInstanceIsADuplicate(String webhookId) throws Exception {
        Cluster.Delivery d = cluster.delivery(webhookId, "p-" + webhookId, "succeeded");
        HttpResponse<String> first = cluster.deliver(0, d);
        assertThat(first.statusCode()).isEqualTo(200);
        assertThat(first.headers().firstValue("aigw-webhook")).isEmpty();
        for (int instance : new int[]{1, 2}) {
            HttpResponse<String> again = cluster.deliver(instance, d);
            assertThat(again.statusCode()).isEqualTo(200);
            assertThat(again.headers().firstValue("aigw-webhook")).as(Cluster.NAMES[instance]).hasValue("duplicate");
        }
        assertThat(ClusterApp.HANDLED.get(webhookId).get()).isEqualTo(1);
    }

    /** The same delivery reaches A, B and C at once: one is handed on, the others are told to retry (409). */
    void firstSightIsAtomic(String webhookId) throws Exception {
        Cluster.Delivery d = cluster.delivery(webhookId, "p-" + webhookId, "processing");
        ClusterApp.handlerMillis = 500;
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                int instance = i;
                answers.add(pool.submit(() -> {
                    go.await();
                    return cluster.deliver(instance, d);
                }));
            }
            go.countDown();
            int handedOn = 0;
            for (Future<HttpResponse<String>> f : answers) {
                HttpResponse<String> r = f.get();
                if (r.statusCode() == 200 && r.headers().firstValue("aigw-webhook").isEmpty()) {
                    handedOn++;
                } else {
                    assertThat(r.statusCode()).isIn(409, 200);
                }
            }
            assertThat(handedOn).isEqualTo(1);
            assertThat(ClusterApp.HANDLED.get(webhookId).get()).isEqualTo(1);
        } finally {
            ClusterApp.handlerMillis = 0;
            pool.shutdownNow();
        }
    }

    /**
     * Delivers {@code d} again, as Replicate does with a delivery it got no 2xx for, while the answer is 503 (not
     * checked) or 409 (a mark of a check that timed out, until it is removed); the first other answer.
     */
    HttpResponse<String> redeliverWhileRefused(int instance, Cluster.Delivery d, Duration max) throws Exception {
        long end = System.nanoTime() + max.toNanos();
        while (true) {
            HttpResponse<String> r = cluster.deliver(instance, d);
            if ((r.statusCode() != 503 && r.statusCode() != 409) || System.nanoTime() > end) {
                return r;
            }
            Thread.sleep(250);
        }
    }

    record Created(String id) {
    }

    /** A prediction created through instance {@code instance}'s proxy by {@code user}, once its record is out. */
    Created create(int instance, String user) throws Exception {
        HttpResponse<String> r = cluster.proxied(instance, "POST", "/predictions",
                "{\"version\":\"acme/echo\",\"input\":{\"prompt\":\"hi\"},\"webhook\":\"https://app.example/webhooks/"
                        + "replicate\"}", user);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        String id = Cluster.field(r.body(), "id");
        // the creating gateway's listeners (the creator index first) have seen the call
        ClusterRecords.await(rec -> "POST".equals(rec.method()) && id.equals(rec.predictionId()),
                Duration.ofSeconds(10));
        return new Created(id);
    }

    void creatorFoundOnAnotherInstance(String webhookId, String user) throws Exception {
        String id = create(0, user).id();
        deliverAndExpectCreator(2, webhookId, id, user);
    }

    /** Instance {@code instance} receives the completion of {@code predictionId} and records {@code user} with it. */
    void deliverAndExpectCreator(int instance, String webhookId, String predictionId, String user) throws Exception {
        HttpResponse<String> r = cluster.deliver(instance, cluster.delivery(webhookId, predictionId, "succeeded"));
        assertThat(r.statusCode()).isEqualTo(200);
        ExchangeRecord rec = ClusterRecords.await(x -> cluster.receivedBy(x, instance)
                && predictionId.equals(x.predictionId()), Duration.ofSeconds(10));
        assertThat(rec.metadata()).containsEntry(Cluster.USER_KEY, user);
        assertThat(rec.predictionStatus()).isEqualTo("succeeded");
        assertThat(rec.notes()).isEmpty();
        @SuppressWarnings("unchecked")
        Map<String, Object> seenByHandler = (Map<String, Object>) ClusterApp.CREATORS.get(webhookId);
        assertThat(seenByHandler).containsEntry(Cluster.USER_KEY, user);
    }
}
