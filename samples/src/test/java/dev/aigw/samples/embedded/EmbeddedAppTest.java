package dev.aigw.samples.embedded;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigw.samples.Call;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.GatewayRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** The offline demo over HTTP, as the page and curl use it: what ./demo serves, and what it records. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedAppTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String HAIKU = "Calls leave the server\nthrough one gate, each one written\ndown: who, when, how long.";

    private RunningDemo demo;

    @BeforeAll
    void start() throws Exception {
        demo = new RunningDemo();
    }

    @AfterAll
    void stop() throws Exception {
        if (demo != null) {
            demo.close();
        }
    }

    @Test
    void pageAndItsSettingsAreServedWithoutSecrets() throws Exception {
        HttpResponse<String> page = demo.get("/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t).startsWith("text/html"));
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(
                csp -> assertThat(csp).contains("default-src 'self'"));
        assertThat(page.body()).contains("<script src=\"assets/app.js\"");
        for (String asset : List.of("app.js", "style.css", "favicon.svg")) {
            assertThat(demo.get("/assets/" + asset, null).statusCode()).as(asset).isEqualTo(200);
        }
        assertThat(demo.get("/assets/index.html", null).statusCode()).isEqualTo(404); // assets by name only
        assertThat(demo.get("/assets/..%2Fpage%2Findex.html", null).statusCode()).isIn(400, 404);

        JsonNode config = JSON.readTree(demo.get("/api/config", null).body());
        assertThat(config.path("proxy").asText()).isEqualTo("/replicate");
        assertThat(config.path("gateway").asText()).startsWith("http://127.0.0.1:").endsWith("/testkit");
        assertThat(config.path("webhook").asText()).isEqualTo(demo.app.uri() + DemoServices.WEBHOOK_PATH);
        assertThat(config.path("models").toString()).contains(DemoServices.EXPLAINER, DemoServices.HAIKU);
        assertNoSecrets(config.toString());
    }

    @Test
    void aPredictionThroughTheProxyStreamsThroughTheAppAndEveryCallIsRecordedWithItsUser() throws Exception {
        // what the page sends: the prompt, and the app's webhook for the completion
        HttpResponse<String> created = demo.post("/replicate/models/" + DemoServices.HAIKU + "/predictions", "alice",
                "{\"input\":{\"prompt\":\"streams\"},\"stream\":true,\"webhook\":\"" + demo.app.uri()
                        + DemoServices.WEBHOOK_PATH + "\",\"webhook_events_filter\":[\"completed\"]}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode prediction = JSON.readTree(created.body());
        String id = prediction.path("id").asText();
        // Replicate's own URLs come back pointing at the proxy, so following them stays on this origin
        assertThat(prediction.at("/urls/get").asText()).isEqualTo(demo.app.uri() + "/replicate/predictions/" + id);

        List<String> events = demo.events("/api/predictions/" + id + "/stream", "alice");
        assertThat(events).last().isEqualTo("done: {}");
        assertThat(events.stream().filter(e -> e.startsWith("output: ")).map(e -> e.substring(8))
                .reduce("", String::concat)).isEqualTo(HAIKU);

        Call create = demo.awaitCall(c -> id.equals(c.predictionId()) && c.method().equals("POST"));
        assertThat(create.user()).isEqualTo("alice");
        assertThat(create.source()).isEqualTo("/replicate/*");
        assertThat(create.endpoint()).isEqualTo("/models/" + DemoServices.HAIKU + "/predictions");
        assertThat(create.status()).isEqualTo(201);
        assertThat(create.cache()).isEqualTo("MISS");
        assertThat(create.logId()).isNotBlank();
        assertThat(create.routedTo()).startsWith(demo.fakes.gateway().baseUrl().toString())
                .endsWith("/replicate/models/" + DemoServices.HAIKU + "/predictions");

        Call lookup = demo.awaitCall(c -> id.equals(c.predictionId()) && c.method().equals("GET"));
        assertThat(lookup.user()).isEqualTo("alice");
        assertThat(lookup.source()).isEqualTo("/*"); // the app's own JAX-RS client, not the proxy
        assertThat(lookup.endpoint()).isEqualTo("/predictions/" + id);

        Call webhook = demo.awaitCall(c -> id.equals(c.predictionId()) && c.method().equals("WEBHOOK"));
        assertThat(webhook.user()).isEqualTo("alice");
        assertThat(webhook.predictionStatus()).isEqualTo("succeeded");
        assertThat(webhook.predictionTime()).isPositive();

        // and the gateway was told who made each call, and from where
        List<GatewayRequest> atGateway = demo.fakes.gateway().requests().stream()
                .filter(g -> g.providerPath().contains(id) || g.logId().equals(create.logId())).toList();
        assertThat(atGateway).isNotEmpty().allSatisfy(g -> assertThat(g.metadata()).containsEntry("user_id", "alice"));
        assertThat(demo.get("/api/calls", null).body()).contains(create.logId());
        assertNoSecrets(demo.get("/api/calls", null).body());
    }

    @Test
    void outputReachesTheClientWhileThePredictionRuns() throws Exception {
        String id = JSON.readTree(demo.post("/replicate/models/" + DemoServices.EXPLAINER + "/predictions", "dora",
                body("as it comes")).body()).path("id").asText();
        List<Long> arrivals = new java.util.ArrayList<>();
        List<String> events = demo.events("/api/predictions/" + id + "/stream", "dora", arrivals);
        assertThat(events).hasSizeGreaterThan(20);
        // the explainer's words are spread over 2.5 s: relayed as they come, not all at the end
        assertThat(java.time.Duration.ofNanos(arrivals.get(arrivals.size() - 1) - arrivals.get(0)))
                .isGreaterThan(java.time.Duration.ofSeconds(1));
    }

    @Test
    void theSameRunAgainIsAnsweredFromTheGatewaysCache() throws Exception {
        String body = body("twice");
        HttpResponse<String> first = demo.post("/replicate/models/" + DemoServices.EXPLAINER + "/predictions", "bob",
                body);
        HttpResponse<String> second = demo.post("/replicate/models/" + DemoServices.EXPLAINER + "/predictions", "bob",
                body);
        assertThat(second.statusCode()).isEqualTo(201);
        String id = JSON.readTree(first.body()).path("id").asText();
        assertThat(JSON.readTree(second.body()).path("id").asText()).isEqualTo(id);
        assertThat(second.headers().firstValue("cf-aig-cache-status")).hasValue("HIT");
        demo.awaitCall(c -> id.equals(c.predictionId()) && "HIT".equals(c.cache()) && "bob".equals(c.user()));
    }

    @Test
    void theCallsStreamPushesEachNewCall() throws Exception {
        CompletableFuture<String> firstCall = demo.http.sendAsync(HttpRequest.newBuilder(demo.uri("/api/calls/events"))
                .header("Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream())
                .thenApply(r -> firstCallEvent(r.body()));
        Thread.sleep(300); // let the page's stream open before the call
        demo.post("/replicate/models/" + DemoServices.HAIKU + "/predictions", "carol", body("pushed"));
        String event = firstCall.get(15, TimeUnit.SECONDS);
        assertThat(JSON.readTree(event).path("user").asText()).isEqualTo("carol");
    }

    @Test
    void theProxyServesSignedInUsersOnly() throws Exception {
        HttpResponse<String> anonymous = demo.post("/replicate/models/" + DemoServices.HAIKU + "/predictions", null,
                body("who?"));
        assertThat(anonymous.statusCode()).isEqualTo(401);
        assertThat(anonymous.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }

    @Test
    void unknownPredictionsAndUnverifiedWebhooksAreRefused() throws Exception {
        assertThat(demo.get("/api/predictions/nosuchprediction/stream", "alice").statusCode()).isEqualTo(404);
        assertThat(demo.get("/api/predictions/bad%20id/stream", "alice").statusCode()).isEqualTo(404);
        // aigw's webhook filter answers before the app: no signature, no delivery
        assertThat(demo.post(DemoServices.WEBHOOK_PATH, null, "{\"id\":\"x\",\"status\":\"succeeded\"}").statusCode())
                .isEqualTo(400);
    }

    private static String body(String prompt) {
        return "{\"input\":{\"prompt\":\"" + prompt + "\"},\"stream\":true}";
    }

    private void assertNoSecrets(String text) {
        assertThat(text).doesNotContain(FakeReplicate.DEFAULT_TOKEN).doesNotContain("cf-demo-")
                .doesNotContain(demo.fakes.replicate().webhookSecret());
    }

    private static String firstCallEvent(InputStream body) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
            boolean call = false;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.equals("event: call")) {
                    call = true;
                } else if (call && line.startsWith("data: ")) {
                    return line.substring(6);
                }
            }
            throw new AssertionError("the calls stream ended without a call");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
