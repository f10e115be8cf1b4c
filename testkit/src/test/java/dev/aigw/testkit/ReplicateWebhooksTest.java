package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicateWebhooksTest {
    static final String VECTOR_KEY = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    static final String VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    static final long VECTOR_TS = 1614265330L;
    static final String VECTOR_BODY = "{\"test\": 2432232314}";
    static final String VECTOR_SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create();
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    HttpServer receiver;
    final List<Received> received = new CopyOnWriteArrayList<>();
    final AtomicInteger failFirst = new AtomicInteger();

    record Received(String id, String timestamp, String signature, byte[] body) {
    }

    @BeforeEach
    void startReceiver() throws Exception {
        receiver = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        receiver.createContext("/hook", exchange -> {
            byte[] body = exchange.getRequestBody().readAllBytes();
            received.add(new Received(exchange.getRequestHeaders().getFirst("webhook-id"),
                    exchange.getRequestHeaders().getFirst("webhook-timestamp"),
                    exchange.getRequestHeaders().getFirst("webhook-signature"), body));
            int status = failFirst.getAndDecrement() > 0 ? 500 : 200;
            exchange.sendResponseHeaders(status, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiver() {
        receiver.stop(0);
    }

    String hookUrl() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/hook";
    }

    @Test
    void publishedTestVectorVerifies() {
        assertThat(ReplicateWebhooks.sign(VECTOR_KEY, VECTOR_ID, VECTOR_TS, VECTOR_BODY)).isEqualTo(VECTOR_SIG);
        byte[] body = VECTOR_BODY.getBytes(StandardCharsets.UTF_8);
        assertThat(ReplicateWebhooks.verify(VECTOR_KEY, VECTOR_ID, VECTOR_TS, body, VECTOR_SIG)).isTrue();
        assertThat(ReplicateWebhooks.verify(VECTOR_KEY, VECTOR_ID, VECTOR_TS, body, "v1,bogus " + VECTOR_SIG)).isTrue();
        assertThat(ReplicateWebhooks.verify(VECTOR_KEY, VECTOR_ID, VECTOR_TS + 1, body, VECTOR_SIG)).isFalse();
        assertThat(ReplicateWebhooks.verify(VECTOR_KEY, VECTOR_ID, VECTOR_TS,
                "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8), VECTOR_SIG)).isFalse();
        assertThat(ReplicateWebhooks.verify(VECTOR_KEY, VECTOR_ID, VECTOR_TS, body, "v2," + VECTOR_SIG.substring(3)))
                .isFalse();
        assertThat(ReplicateWebhooks.verify(VECTOR_KEY, VECTOR_ID, VECTOR_TS, body, VECTOR_SIG, VECTOR_TS + 299, 300))
                .isTrue();
        assertThat(ReplicateWebhooks.verify(VECTOR_KEY, VECTOR_ID, VECTOR_TS, body, VECTOR_SIG, VECTOR_TS + 301, 300))
                .isFalse();
    }

    @Test
    void secretEndpointReturnsTheSigningKey() {
        JsonNode secret = TestHttp.json(http.get(replicate.baseUrl() + "/webhooks/default/secret"));
        assertThat(secret.path("key").asText()).isEqualTo(replicate.webhookSecret()).startsWith("whsec_");
    }

    @Test
    void completedWebhookIsSignedAndCarriesThePrediction() throws Exception {
        replicate.model("acme/echo").output("hi");
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/echo/predictions",
                "{\"input\":{},\"webhook\":\"" + hookUrl() + "\",\"webhook_events_filter\":[\"start\",\"completed\"]}"));
        replicate.awaitWebhookDeliveries(2, Duration.ofSeconds(20));
        awaitReceived(2);
        assertThat(received).allSatisfy(r -> {
            assertThat(ReplicateWebhooks.verify(replicate.webhookSecret(), r.id(), Long.parseLong(r.timestamp()),
                    r.body(), r.signature(), Instant.now().getEpochSecond(), 300)).isTrue();
        });
        // Deliveries are asynchronous: identify them by content, not arrival order.
        JsonNode a = TestHttp.JSON.readTree(received.get(0).body());
        JsonNode b = TestHttp.JSON.readTree(received.get(1).body());
        JsonNode start = a.path("status").asText().equals("succeeded") ? b : a;
        JsonNode done = start == a ? b : a;
        assertThat(start.path("status").asText()).isEqualTo("processing");
        assertThat(done.path("id").asText()).isEqualTo(p.path("id").asText());
        assertThat(done.path("status").asText()).isEqualTo("succeeded");
        assertThat(done.path("output").asText()).isEqualTo("hi");
        assertThat(replicate.webhookDeliveries()).extracting(WebhookDelivery::event)
                .containsExactlyInAnyOrder("start", "completed");
    }

    @Test
    void defaultFilterSendsOutputAndCompletedButNotStart() throws Exception {
        replicate.model("acme/llm").tokens("a").bootTime(Duration.ZERO).duration(Duration.ofMillis(100));
        http.post(replicate.baseUrl() + "/models/acme/llm/predictions",
                "{\"input\":{},\"webhook\":\"" + hookUrl() + "\"}");
        awaitReceived(2);
        replicate.awaitWebhookDeliveries(2, Duration.ofSeconds(20));
        TestHttp.sleep(300); // nothing else may arrive
        assertThat(replicate.webhookDeliveries()).extracting(WebhookDelivery::event)
                .containsExactlyInAnyOrder("output", "completed");
    }

    @Test
    void failedDeliveryIsRetriedWithTheSameWebhookId() throws Exception {
        failFirst.set(1);
        replicate.model("acme/echo").output("hi");
        http.post(replicate.baseUrl() + "/models/acme/echo/predictions",
                "{\"input\":{},\"webhook\":\"" + hookUrl() + "\",\"webhook_events_filter\":[\"completed\"]}");
        awaitReceived(2);
        replicate.awaitWebhookDeliveries(2, Duration.ofSeconds(20)); // journal entry lands after the response
        assertThat(received.get(0).id()).isEqualTo(received.get(1).id()).startsWith("msg_");
        assertThat(replicate.webhookDeliveries()).extracting(WebhookDelivery::status).containsExactly(500, 200);
        assertThat(replicate.webhookDeliveries()).extracting(WebhookDelivery::attempt).containsExactly(1, 2);
    }

    @Test
    void badWebhookUrlIs422() {
        replicate.model("acme/echo");
        assertThat(http.post(replicate.baseUrl() + "/models/acme/echo/predictions",
                "{\"input\":{},\"webhook\":\"not a url\"}").statusCode()).isEqualTo(422);
    }

    void awaitReceived(int n) {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (received.size() < n) {
            assertThat(System.nanoTime()).as("webhooks received in time").isLessThan(deadline);
            TestHttp.sleep(20);
        }
    }
}
