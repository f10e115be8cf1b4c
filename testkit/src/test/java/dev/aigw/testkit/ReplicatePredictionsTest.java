package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.URI;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicatePredictionsTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create()
            .replicate(b -> b.pageSize(2).cancelAfterMinimum(Duration.ZERO));
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    final String base = replicate.baseUrl().toString();

    /** Replicate hands out api.replicate.com URLs; tests follow them against the fake. */
    String local(String absolute) {
        assertThat(absolute).startsWith("https://api.replicate.com/v1/");
        return base + absolute.substring("https://api.replicate.com/v1".length());
    }

    @Test
    void createAcceptsTheThreeVersionForms() {
        ModelScript echo = replicate.model("acme/echo").output("hello");
        String v = echo.versionId();
        assertThat(v).matches("[0-9a-f]{64}");
        for (String version : new String[] {"acme/echo", "acme/echo:" + v, v}) {
            HttpResponse<String> r = http.post(base + "/predictions",
                    "{\"version\":\"" + version + "\",\"input\":{\"prompt\":\"hi\"}}");
            assertThat(r.statusCode()).as(version).isEqualTo(201);
            JsonNode p = TestHttp.json(r);
            assertThat(p.path("status").asText()).isEqualTo("starting");
            assertThat(p.path("model").asText()).isEqualTo("acme/echo");
            assertThat(p.path("version").asText()).isEqualTo(v);
            assertThat(p.path("input").path("prompt").asText()).isEqualTo("hi");
            assertThat(p.path("id").asText()).matches("[a-z2-7]{26}");
            String id = p.path("id").asText();
            assertThat(p.path("urls").path("get").asText()).isEqualTo("https://api.replicate.com/v1/predictions/" + id);
            assertThat(p.path("urls").path("cancel").asText())
                    .isEqualTo("https://api.replicate.com/v1/predictions/" + id + "/cancel");
            assertThat(p.path("urls").path("stream").asText())
                    .isEqualTo("http://127.0.0.1:" + replicate.port() + "/stream/v1/predictions/" + id);
            assertThat(r.headers().firstValue("Location")).hasValue(p.path("urls").path("get").asText());
            assertThat(r.headers().firstValue("ratelimit-remaining")).hasValue("599");
            assertThat(http.awaitTerminal(local(p.path("urls").path("get").asText())).path("output").asText())
                    .isEqualTo("hello");
        }
    }

    @Test
    void unscriptedOrUnofficialModelIs422() {
        replicate.model("acme/private").official(false);
        for (String version : new String[] {"nobody/nothing", "acme/private", "acme/echo:" + "0".repeat(64),
                "f".repeat(64)}) {
            HttpResponse<String> r = http.post(base + "/predictions", "{\"version\":\"" + version + "\",\"input\":{}}");
            assertThat(r.statusCode()).as(version).isEqualTo(422);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(TestHttp.json(r).path("title").asText()).isEqualTo("Invalid version or not permitted");
        }
        assertThat(http.post(base + "/models/nobody/nothing/predictions", "{\"input\":{}}").statusCode()).isEqualTo(422);
        // A version id still runs the unofficial model.
        String v = replicate.model("acme/private").versionId();
        assertThat(http.post(base + "/predictions", "{\"version\":\"" + v + "\",\"input\":{}}").statusCode())
                .isEqualTo(201);
    }

    @Test
    void modelAndDeploymentEndpointsCreate() {
        replicate.model("acme/echo").output("x");
        replicate.deployment("acme/prod", "acme/echo");
        HttpResponse<String> viaModel = http.post(base + "/models/acme/echo/predictions", "{\"input\":{}}");
        assertThat(viaModel.statusCode()).isEqualTo(201);
        assertThat(TestHttp.json(viaModel).path("model").asText()).isEqualTo("acme/echo");
        HttpResponse<String> viaDeployment = http.post(base + "/deployments/acme/prod/predictions", "{\"input\":{}}");
        assertThat(viaDeployment.statusCode()).isEqualTo(201);
        assertThat(TestHttp.json(viaDeployment).path("deployment").asText()).isEqualTo("acme/prod");
        assertThat(http.post(base + "/deployments/acme/none/predictions", "{\"input\":{}}").statusCode()).isEqualTo(404);
        assertThat(TestHttp.json(http.get(base + "/deployments/acme/prod")).path("current_release").path("model")
                .asText()).isEqualTo("acme/echo");
    }

    @Test
    void scriptedLifecycleGoesStartingProcessingSucceeded() {
        replicate.model("acme/llm").tokens("Once", " upon", " a time").logs("loading", "ready")
                .bootTime(Duration.ofMillis(300)).duration(Duration.ofMillis(900));
        JsonNode created = TestHttp.json(http.post(base + "/models/acme/llm/predictions", "{\"input\":{}}"));
        assertThat(created.path("status").asText()).isEqualTo("starting");
        assertThat(created.path("started_at").isNull()).isTrue();
        String url = base + "/predictions/" + created.path("id").asText();
        boolean sawProcessing = false;
        JsonNode p;
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        do {
            p = TestHttp.json(http.get(url));
            sawProcessing |= p.path("status").asText().equals("processing");
            TestHttp.sleep(30);
        } while (!p.path("status").asText().equals("succeeded") && System.nanoTime() < deadline);
        assertThat(sawProcessing).as("observed processing").isTrue();
        assertThat(p.path("output")).hasSize(3);
        assertThat(p.path("output").get(0).asText() + p.path("output").get(1).asText() + p.path("output").get(2).asText())
                .isEqualTo("Once upon a time");
        assertThat(p.path("logs").asText()).isEqualTo("loading\nready\n");
        assertThat(p.path("completed_at").isTextual()).isTrue();
        assertThat(p.path("metrics").path("predict_time").asDouble()).isPositive();
        assertThat(p.path("error").isNull()).isTrue();
    }

    @Test
    void failureEndsFailedWithError() {
        replicate.model("acme/broken").fails("boom");
        JsonNode created = TestHttp.json(http.post(base + "/models/acme/broken/predictions", "{\"input\":{}}"));
        JsonNode p = http.awaitTerminal(base + "/predictions/" + created.path("id").asText());
        assertThat(p.path("status").asText()).isEqualTo("failed");
        assertThat(p.path("error").asText()).isEqualTo("boom");
    }

    @Test
    void cancelReturnsCanceledAndIsStable() {
        replicate.model("acme/slow").bootTime(Duration.ZERO).duration(Duration.ofSeconds(30));
        JsonNode created = TestHttp.json(http.post(base + "/models/acme/slow/predictions", "{\"input\":{}}"));
        String cancelUrl = local(created.path("urls").path("cancel").asText());
        HttpResponse<String> canceled = http.post(cancelUrl, "");
        assertThat(canceled.statusCode()).isEqualTo(200);
        assertThat(TestHttp.json(canceled).path("status").asText()).isEqualTo("canceled");
        assertThat(TestHttp.json(http.post(cancelUrl, "")).path("status").asText()).isEqualTo("canceled");
        assertThat(http.post(base + "/predictions/doesnotexist/cancel", "").statusCode()).isEqualTo(404);
    }

    @Test
    void cancelAfterAbortsQueuedAndCancelsRunning() {
        replicate.model("acme/cold").bootTime(Duration.ofSeconds(30));
        replicate.model("acme/long").bootTime(Duration.ZERO).duration(Duration.ofSeconds(30));
        JsonNode queued = TestHttp.json(http.post(base + "/models/acme/cold/predictions", "{\"input\":{}}",
                "Cancel-After", "1s"));
        assertThat(queued.path("deadline").isTextual()).isTrue();
        JsonNode running = TestHttp.json(http.post(base + "/models/acme/long/predictions", "{\"input\":{}}",
                "Cancel-After", "1"));
        assertThat(http.awaitTerminal(base + "/predictions/" + queued.path("id").asText()).path("status").asText())
                .isEqualTo("aborted");
        assertThat(http.awaitTerminal(base + "/predictions/" + running.path("id").asText()).path("status").asText())
                .isEqualTo("canceled");
        assertThat(http.post(base + "/models/acme/long/predictions", "{\"input\":{}}", "Cancel-After", "soon")
                .statusCode()).isEqualTo(400);
    }

    @Test
    void preferWaitHoldsUntilDoneOrTimeout() {
        replicate.model("acme/quick").output("done");
        HttpResponse<String> r = http.post(base + "/models/acme/quick/predictions", "{\"input\":{}}", "Prefer", "wait=20");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(r.headers().firstValue("Preference-Applied")).hasValue("wait=20");
        assertThat(TestHttp.json(r).path("status").asText()).isEqualTo("succeeded");
        assertThat(TestHttp.json(r).path("output").asText()).isEqualTo("done");

        replicate.model("acme/slow").bootTime(Duration.ZERO).duration(Duration.ofSeconds(30));
        HttpResponse<String> timedOut = http.post(base + "/models/acme/slow/predictions", "{\"input\":{}}",
                "Prefer", "wait=1");
        assertThat(timedOut.statusCode()).isEqualTo(201);
        assertThat(timedOut.headers().firstValue("Preference-Applied")).hasValue("wait=1");
        assertThat(TestHttp.json(timedOut).path("status").asText()).isIn("starting", "processing");

        HttpResponse<String> async = http.post(base + "/models/acme/quick/predictions", "{\"input\":{}}");
        assertThat(async.headers().firstValue("Preference-Applied")).isEmpty();
    }

    @Test
    void fileOutputsAreUrlsServedByTheFakeOrDataUrisInSyncMode() {
        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        replicate.model("acme/painter").fileOutput("image/png", png);
        JsonNode created = TestHttp.json(http.post(base + "/models/acme/painter/predictions", "{\"input\":{}}"));
        JsonNode done = http.awaitTerminal(base + "/predictions/" + created.path("id").asText());
        String url = done.path("output").get(0).asText();
        assertThat(url).startsWith("http://127.0.0.1:" + replicate.port() + "/delivery/").endsWith(".png");
        HttpResponse<byte[]> file = new TestHttp(null).sendBytes(url);
        assertThat(file.statusCode()).isEqualTo(200);
        assertThat(file.body()).isEqualTo(png);
        assertThat(file.headers().firstValue("Content-Type")).hasValue("image/png");

        JsonNode sync = TestHttp.json(http.post(base + "/models/acme/painter/predictions", "{\"input\":{}}",
                "Prefer", "wait"));
        assertThat(sync.path("output").get(0).asText())
                .isEqualTo("data:image/png;base64," + Base64.getEncoder().encodeToString(png));
    }

    @Test
    void listIsPaginatedWithAbsoluteCursorUrls() {
        replicate.model("acme/echo");
        for (int i = 0; i < 3; i++) {
            http.post(base + "/models/acme/echo/predictions", "{\"input\":{\"i\":" + i + "}}");
        }
        JsonNode page1 = TestHttp.json(http.get(base + "/predictions"));
        assertThat(page1.path("results")).hasSize(2);
        assertThat(page1.path("previous").isNull()).isTrue();
        assertThat(page1.path("results").get(0).path("input").path("i").asInt()).isEqualTo(2); // newest first
        String next = page1.path("next").asText();
        assertThat(next).startsWith("https://api.replicate.com/v1/predictions?cursor=");
        JsonNode page2 = TestHttp.json(http.get(local(next)));
        assertThat(page2.path("results")).hasSize(1);
        assertThat(page2.path("next").isNull()).isTrue();
        assertThat(page2.path("previous").asText()).startsWith("https://api.replicate.com/v1/predictions?cursor=");
    }

    @Test
    void useLocalUrlsMakesUrlsFollowableDirectly() {
        try (FakeReplicate local = FakeReplicate.builder().useLocalUrls().start()) {
            local.model("acme/echo").output("ok");
            JsonNode created = TestHttp.json(http.post(local.baseUrl() + "/models/acme/echo/predictions",
                    "{\"input\":{}}"));
            String get = created.path("urls").path("get").asText();
            assertThat(get).startsWith(local.baseUrl().toString());
            assertThat(http.awaitTerminal(get).path("output").asText()).isEqualTo("ok");
        }
    }

    @Test
    void recordsEveryRequest() {
        replicate.model("acme/echo");
        http.post(base + "/models/acme/echo/predictions?x=1", "{\"input\":{\"a\":1}}", "X-Trace", "t1");
        RecordedRequest r = replicate.awaitRequests(1, Duration.ofSeconds(10)).get(0);
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.path()).isEqualTo("/v1/models/acme/echo/predictions");
        assertThat(r.query()).isEqualTo("x=1");
        assertThat(r.header("x-trace")).isEqualTo("t1");
        assertThat(r.header("AUTHORIZATION")).isEqualTo("Bearer " + FakeReplicate.DEFAULT_TOKEN);
        assertThat(r.bodyAsString()).isEqualTo("{\"input\":{\"a\":1}}");
        assertThat(r.time()).isNotNull();
        replicate.clearRequests();
        assertThat(replicate.requests()).isEmpty();
        assertThat(URI.create(base).getPath()).isEqualTo("/v1");
    }
}
