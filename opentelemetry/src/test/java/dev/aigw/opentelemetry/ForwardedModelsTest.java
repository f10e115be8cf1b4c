package dev.aigw.opentelemetry;

import dev.aigw.Gateway;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.SharedState;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.RefusingPort;
import dev.aigw.testkit.TestkitExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.trace.data.SpanData;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Through the servlet proxy, the model a call names is the client's choice: metrics and span names carry it only once
 * the provider accepted it, and only for a bounded number of models, so invented names cannot add series (nor, by
 * overflowing the SDK's cardinality limit, merge the real models' series away). Real proxy, real SDK, loopback.
 */
class ForwardedModelsTest {
    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create();
    static final AttributeKey<String> MODEL = AttributeKey.stringKey("gen_ai.request.model");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<Boolean> OVERFLOW = AttributeKey.booleanKey("otel.metric.overflow");

    TestOtel otel;
    Gateway gateway;
    WebServer app;
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void models() {
        for (String m : List.of("acme/echo", "acme/one", "acme/two", "acme/three")) {
            kit.replicate().model(m).output("hello").bootTime(Duration.ZERO).duration(Duration.ofMillis(1));
        }
    }

    private void start(AigwTelemetry telemetry) throws Exception {
        gateway = Kit.gateway(kit).observer(telemetry).build();
        AigwProxyFilter proxy = AigwProxyFilter.builder().gateway(gateway).path("/replicate")
                .replicateToken(FakeReplicate.DEFAULT_TOKEN).access(r -> true, "anyone").build();
        app = new WebServer().filter(proxy, "/replicate/*").start();
    }

    @AfterEach
    void stop() throws Exception {
        if (app != null) {
            app.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        otel.close();
    }

    private CompletableFuture<HttpResponse<String>> run(String model) {
        return client.sendAsync(HttpRequest.newBuilder(app.uri("/replicate/models/" + model + "/predictions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"prompt\":\"hi\"}}"))
                        .timeout(Duration.ofSeconds(60)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private int status(String model) {
        return run(model).join().statusCode();
    }

    @Test
    void moreInventedModelsThanTheSdksCardinalityLimitAddOneSeriesAndTheRealModelKeepsItsOwn() throws Exception {
        otel = new TestOtel();
        start(AigwTelemetry.create(otel.sdk));
        assertThat(status("acme/echo")).isEqualTo(201);

        int invented = 2_100; // past the SDK's default cardinality limit (2,000 series per metric)
        Semaphore inFlight = new Semaphore(12); // under the proxy's per-client limit (16)
        List<CompletableFuture<Integer>> answers = new ArrayList<>(invented);
        for (int i = 0; i < invented; i++) {
            inFlight.acquire();
            answers.add(run("mallory/m" + i).whenComplete((r, e) -> inFlight.release())
                    .thenApply(HttpResponse::statusCode));
        }
        int refused = answers.get(0).join();
        assertThat(refused).as("Replicate has no such model").isBetween(400, 499);
        for (CompletableFuture<Integer> a : answers) {
            assertThat(a.join()).isEqualTo(refused);
        }
        assertThat(status("acme/echo")).isEqualTo(201);
        kit.replicate().faults().next(1).status(503);
        assertThat(status("acme/echo")).isEqualTo(503);
        awaitSpans(invented + 3);

        MetricData duration = MetricsTest.metric(otel.collect(), "gen_ai.client.operation.duration");
        Map<String, Long> byModel = new TreeMap<>();
        for (HistogramPointData p : duration.getHistogramData().getPoints()) {
            assertThat(p.getAttributes().get(OVERFLOW)).as("the SDK's cardinality limit is never reached").isNull();
            byModel.merge(p.getAttributes().get(MODEL) + " " + p.getAttributes().get(ERROR_TYPE), p.getCount(),
                    Long::sum);
        }
        assertThat(byModel).containsExactlyInAnyOrderEntriesOf(Map.of(
                "acme/echo null", 2L, // the real model's series, intact
                "acme/echo 503", 1L, // once accepted, a model is named whatever the outcome
                "_OTHER " + refused, (long) invented));

        List<SpanData> spans = otel.spans.getFinishedSpanItems();
        SpanData one = spans.stream().filter(s -> "mallory/m17".equals(s.getAttributes().get(MODEL))).findFirst()
                .orElseThrow(() -> new AssertionError("the span keeps the model the call asked for"));
        assertThat(one.getName()).as("span names stay low-cardinality").isEqualTo("generate_content");
        assertThat(spans.stream().map(SpanData::getName).distinct())
                .containsExactlyInAnyOrder("generate_content", "generate_content acme/echo");
    }

    @Test
    void onlyTheFirstAcceptedModelsUpToTheLimitAreNamedAndTheApplicationsOwnCallsAreNotLimited() throws Exception {
        otel = new TestOtel();
        start(AigwTelemetry.builder(otel.sdk).forwardedModelLimit(2).build());
        // reading a model's public page is free and vouches for nothing: it takes no place under the bound
        HttpResponse<String> page = client.send(HttpRequest.newBuilder(app.uri("/replicate/models/acme/three"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(status("acme/one")).isEqualTo(201);
        assertThat(status("acme/one")).isEqualTo(201);
        assertThat(status("acme/two")).isEqualTo(201);
        assertThat(status("acme/three")).isEqualTo(201);
        // a success that does not confirm a model its request body alone named
        HttpResponse<String> account = client.send(HttpRequest.newBuilder(app.uri("/replicate/account"))
                .header("Content-Type", "application/json")
                .method("GET", HttpRequest.BodyPublishers.ofString("{\"model\":\"mallory/made-up\"}"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(account.statusCode()).isEqualTo(200);
        Kit.create(gateway); // the application's own call: its code chose the model, no bound applies
        awaitSpans(7);

        Map<String, Long> byModel = new TreeMap<>();
        for (HistogramPointData p : MetricsTest.metric(otel.collect(), "gen_ai.client.operation.duration")
                .getHistogramData().getPoints()) {
            byModel.merge(String.valueOf(p.getAttributes().get(MODEL)), p.getCount(), Long::sum);
        }
        assertThat(byModel).containsExactlyInAnyOrderEntriesOf(Map.of(
                "acme/one", 2L, "acme/two", 1L, "_OTHER", 3L, // acme/three (page and run), the made-up name
                "acme/echo", 1L)); // the application's call
        List<SpanData> spans = otel.spans.getFinishedSpanItems();
        assertThat(spans.stream().filter(s -> "acme/three".equals(s.getAttributes().get(MODEL))).map(SpanData::getName))
                .containsExactlyInAnyOrder("generate_content", "models");
        SpanData madeUp = spans.stream().filter(s -> "mallory/made-up".equals(s.getAttributes().get(MODEL)))
                .findFirst().orElseThrow(() -> new AssertionError("the record took the body's model: " + spans));
        assertThat(madeUp.getName()).isEqualTo("account");
        assertThat(spans.stream().map(SpanData::getName)).contains("generate_content acme/one",
                "generate_content acme/two");
    }

    @Test
    void aSuccessWhoseAnswerWasNotReadVouchesForNoModelTheRequestAloneNamed() throws Exception {
        otel = new TestOtel();
        start(AigwTelemetry.create(otel.sdk));
        HttpResponse<String> created = run("acme/one").join();
        assertThat(created.statusCode()).isEqualTo(201);
        java.util.regex.Matcher id = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"")
                .matcher(created.body());
        assertThat(id.find()).as(created.body()).isTrue();
        // an answer labelled with a content coding is not read (its model unknown): the record's model is then the
        // one the request's body named, the client's invention
        kit.replicate().faults().next(1).onPath("/v1/predictions/").header("Content-Encoding", "gzip");
        HttpResponse<String> got = client.send(HttpRequest.newBuilder(app.uri("/replicate/predictions/" + id.group(1)))
                .header("Content-Type", "application/json")
                .method("GET", HttpRequest.BodyPublishers.ofString("{\"version\":\"mallory/made-up\"}"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(got.statusCode()).isEqualTo(200);
        assertThat(got.headers().firstValue("Content-Encoding")).hasValue("gzip");
        awaitSpans(2);

        Map<String, Long> byModel = new TreeMap<>();
        for (HistogramPointData p : MetricsTest.metric(otel.collect(), "gen_ai.client.operation.duration")
                .getHistogramData().getPoints()) {
            byModel.merge(p.getAttributes().get(AttributeKey.stringKey("gen_ai.operation.name")) + " "
                    + p.getAttributes().get(MODEL), p.getCount(), Long::sum);
        }
        assertThat(byModel).containsExactlyInAnyOrderEntriesOf(Map.of(
                "generate_content acme/one", 1L, "get_prediction _OTHER", 1L));
        SpanData get = otel.spans.getFinishedSpanItems().stream()
                .filter(s -> "mallory/made-up".equals(s.getAttributes().get(MODEL))).findFirst()
                .orElseThrow(() -> new AssertionError("the record took the body's model"));
        assertThat(get.getName()).isEqualTo("get_prediction");
    }

    /**
     * A call refused because the shared rate limit cannot be checked ({@code on-failure=closed}) is recorded too:
     * its model is as much the client's choice as a forwarded one's.
     */
    @Test
    void aCallRefusedUncheckedByTheSharedRateLimitNamesNoInventedModel() throws Exception {
        otel = new TestOtel();
        try (RefusingPort nobody = RefusingPort.open()) {
            SharedState state = SharedState.builder().redis("redis://127.0.0.1:" + nobody.port())
                    .onFailure(SharedState.OnFailure.CLOSED).build();
            try {
                gateway = Kit.gateway(kit).observer(AigwTelemetry.create(otel.sdk)).build();
                AigwProxyFilter proxy = AigwProxyFilter.builder().gateway(gateway).path("/replicate")
                        .replicateToken(FakeReplicate.DEFAULT_TOKEN).access(r -> true, "anyone").rateLimit("100/min")
                        .state(state).build();
                app = new WebServer().filter(proxy, "/replicate/*").start();
                for (int i = 0; i < 3; i++) {
                    assertThat(status("mallory/unchecked" + i)).isEqualTo(503);
                }
                awaitSpans(3);
            } finally {
                app.close();
                app = null;
                state.close();
            }
        }
        Map<String, Long> byModel = new TreeMap<>();
        for (HistogramPointData p : MetricsTest.metric(otel.collect(), "gen_ai.client.operation.duration")
                .getHistogramData().getPoints()) {
            byModel.merge(String.valueOf(p.getAttributes().get(MODEL)), p.getCount(), Long::sum);
        }
        assertThat(byModel).containsExactlyInAnyOrderEntriesOf(Map.of("_OTHER", 3L));
        assertThat(otel.spans.getFinishedSpanItems().stream().map(SpanData::getName).distinct())
                .containsExactly("generate_content");
    }

    @Test
    void aNegativeLimitIsRefusedWithWhatIsAllowed() {
        otel = new TestOtel();
        assertThatThrownBy(() -> AigwTelemetry.builder(otel.sdk).forwardedModelLimit(-1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("0 (name none) or more, not -1");
    }

    private void awaitSpans(int n) {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (otel.spans.getFinishedSpanItems().size() < n) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(otel.spans.getFinishedSpanItems().size() + " of " + n + " spans ended");
            }
            TestOtel.sleep(20);
        }
    }
}
