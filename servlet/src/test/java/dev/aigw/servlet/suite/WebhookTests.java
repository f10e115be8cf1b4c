package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import dev.aigw.testkit.ReplicateWebhooks;
import dev.aigw.testkit.WebhookDelivery;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Webhook filter: signature, tolerance, replays, size, hand-on and completion records. */
public abstract class WebhookTests extends SuiteGroup {
    protected WebhookTests(ContainerSuite suite) {
        super(suite);
    }

    private HttpResponse<String> deliver(String path, String id, String ts, String sig, byte[] body) throws Exception {
        HttpRequest.Builder b = suite.request(path).POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json");
        if (id != null) {
            b.header("webhook-id", id);
        }
        if (ts != null) {
            b.header("webhook-timestamp", ts);
        }
        if (sig != null) {
            b.header("webhook-signature", sig);
        }
        return suite.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> deliverSigned(String id, long ts, byte[] body) throws Exception {
        String sig = ReplicateWebhooks.sign(suite.replicate.webhookSecret(), id, ts, body);
        return deliver("/webhooks/replicate", id, Long.toString(ts), sig, body);
    }

    @Test
    void officialTestVectorIsHandedOnUnchanged() throws Exception {
        byte[] body = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = deliver("/webhooks/vector", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(suite.webhooks.received).singleElement().satisfies(w -> {
            assertThat(w.body()).isEqualTo(body);
            assertThat(w.webhookId()).isEqualTo("msg_p5jXN8AQM9LWM0D4loKWxJek");
        });
    }

    @Test
    void tamperedBodyIsRefused() throws Exception {
        byte[] body = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = deliver("/webhooks/vector", "msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330",
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", body);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.body()).contains("\"code\":\"webhook_signature_mismatch\"").doesNotContain("whsec_");
        assertThat(suite.webhooks.received).isEmpty();
    }

    @Test
    void oldTimestampIsRefusedEvenWhenSignedCorrectly() throws Exception {
        byte[] body = "{\"id\":\"p1\",\"status\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = deliverSigned("msg_old", Instant.now().minus(Duration.ofMinutes(10)).getEpochSecond(),
                body);
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(r.body()).contains("webhook_timestamp_out_of_tolerance");
        assertThat(suite.webhooks.received).isEmpty();
    }

    @Test
    void replayOfAnAcceptedDeliveryIsNotHandedOnAgain() throws Exception {
        byte[] body = "{\"id\":\"p2\",\"status\":\"processing\"}".getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        assertThat(deliverSigned("msg_replay", now, body).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = deliverSigned("msg_replay", now, body);
        assertThat(replay.statusCode()).isEqualTo(200);
        assertThat(replay.headers().firstValue("aigw-webhook")).hasValue("duplicate");
        assertThat(suite.webhooks.received).hasSize(1);
    }

    @Test
    void retryOfADeliveryTheAppRefusedReachesItAgain() throws Exception {
        byte[] body = "{\"id\":\"p3\",\"status\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);
        suite.webhooks.answer.set(503);
        assertThat(deliverSigned("msg_retry", Instant.now().getEpochSecond(), body).statusCode()).isEqualTo(503);
        suite.webhooks.answer.set(200);
        assertThat(deliverSigned("msg_retry", Instant.now().getEpochSecond(), body).statusCode()).isEqualTo(200);
        assertThat(suite.webhooks.received).hasSize(2);
        assertThat(deliverSigned("msg_retry", Instant.now().getEpochSecond(), body).statusCode()).isEqualTo(200);
        assertThat(suite.webhooks.received).hasSize(2);
    }

    @Test
    void missingOrMalformedHeadersAre400sNamingWhatIsWrong() throws Exception {
        byte[] body = "{}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = deliver("/webhooks/replicate", null, null, null, body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("webhook-id").contains("webhook-signature");
        r = deliver("/webhooks/replicate", "msg_x", "yesterday", "v1,AAAA", body);
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("Unix seconds");
        assertThat(suite.webhooks.received).isEmpty();
    }

    @Test
    void aBodyOverTheLimitIs413() throws Exception {
        byte[] big = ("{\"pad\":\"" + "x".repeat(70 * 1024) + "\"}").getBytes(StandardCharsets.UTF_8);
        assertThat(deliverSigned("msg_big", Instant.now().getEpochSecond(), big).statusCode()).isEqualTo(413);
        assertThat(suite.webhooks.received).isEmpty();
    }

    @Test
    void aGetIsRefusedWith405() throws Exception {
        assertThat(suite.get("/webhooks/replicate").statusCode()).isEqualTo(405);
        assertThat(suite.webhooks.received).isEmpty();
    }

    @Test
    void completionIsRecordedWithTheCreatorsMetadata() throws Exception {
        String hook = suite.app + "/webhooks/replicate";
        HttpResponse<String> created = suite.http.send(suite.request("/create", "X-Test-User", "dana", "X-Tenant", "t-9")
                .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"acme/echo\",\"input\":{\"prompt\":\"hi\"},"
                        + "\"webhook\":\"" + hook + "\",\"webhook_events_filter\":[\"completed\"]}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).isEqualTo(201);
        List<WebhookDelivery> d = suite.replicate.awaitWebhookDeliveries(1, ContainerSuite.WAIT);
        assertThat(d.get(0).status()).isEqualTo(200);
        ExchangeRecord rec = awaitRecord("WEBHOOK");
        assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.WEBHOOK);
        assertThat(rec.predictionStatus()).isEqualTo("succeeded");
        assertThat(rec.model()).isEqualTo("acme/echo");
        assertThat(rec.metrics()).containsKeys("predict_time", "total_time");
        assertThat(rec.metadata()).containsEntry("user", "dana").containsEntry("tenant", "t-9");
        assertThat(rec.httpStatus()).isEqualTo(200);
        // the application's handler ran in the creator's context
        assertThat(suite.webhooks.received).singleElement()
                .satisfies(w -> assertThat(w.contextMetadata()).contains("\"user\":\"dana\""));
    }

    private ExchangeRecord awaitRecord(String method) throws InterruptedException {
        long end = System.nanoTime() + ContainerSuite.WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (ExchangeRecord r : suite.records) {
                if (r.method().equals(method)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no " + method + " record in " + suite.records);
    }
}
