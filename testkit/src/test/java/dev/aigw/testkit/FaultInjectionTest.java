package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FaultInjectionTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create().openGateway();
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    final FakeGateway gateway = kit.gateway();

    /** POST so the JDK client never silently retries a broken exchange. */
    static HttpRequest post(String url) {
        return http.request(url).POST(HttpRequest.BodyPublishers.ofString("")).build();
    }

    @Test
    void statusBurstIsConsumedPerRequest() {
        replicate.faults().next(3).status(503);
        for (int i = 0; i < 3; i++) {
            HttpResponse<String> r = http.get(replicate.baseUrl() + "/account");
            assertThat(r.statusCode()).isEqualTo(503);
            assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
            assertThat(TestHttp.json(r).path("status").asInt()).isEqualTo(503);
        }
        assertThat(http.get(replicate.baseUrl() + "/account").statusCode()).isEqualTo(200);
        assertThat(replicate.faults().pending()).isZero();
    }

    @Test
    void faultsCanBeScopedByPathAndMethodAndCleared() {
        replicate.faults().always().onPath("/v1/hardware").onMethod("GET").status(500);
        assertThat(http.get(replicate.baseUrl() + "/account").statusCode()).isEqualTo(200);
        assertThat(http.get(replicate.baseUrl() + "/hardware").statusCode()).isEqualTo(500);
        assertThat(http.get(replicate.baseUrl() + "/hardware").statusCode()).isEqualTo(500);
        replicate.faults().clear();
        assertThat(http.get(replicate.baseUrl() + "/hardware").statusCode()).isEqualTo(200);
    }

    @Test
    void latencyDelaysTheAnswer() {
        replicate.faults().next(1).latency(Duration.ofMillis(600));
        long start = System.nanoTime();
        assertThat(http.get(replicate.baseUrl() + "/account").statusCode()).isEqualTo(200);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(550));
    }

    @Test
    void resetBeforeFirstByteAndCloseMidBodyBreakTheExchange() {
        replicate.faults().next(1).resetBeforeFirstByte();
        assertThatThrownBy(() -> http.client.send(post(replicate.baseUrl() + "/predictions/x/cancel"),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);

        replicate.model("acme/echo").output("x".repeat(500));
        replicate.faults().next(1).closeAfterBytes(20);
        assertThatThrownBy(() -> http.client.send(http.request(replicate.baseUrl() + "/models/acme/echo/predictions")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{}}")).build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        // Both requests were still recorded as having reached the fake.
        assertThat(replicate.requests()).hasSize(2);
    }

    @Test
    void slowEventsSpaceOutTheStream() throws Exception {
        replicate.model("acme/llm").tokens("a", "b", "c").bootTime(Duration.ZERO).duration(Duration.ofMillis(30));
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/llm/predictions", "{\"input\":{}}"));
        replicate.faults().next(1).onPath("/stream/").slowEvents(Duration.ofMillis(300));
        long start = System.nanoTime();
        HttpResponse<InputStream> r = SseReader.open(p.path("urls").path("stream").asText());
        List<Long> arrivals = new ArrayList<>();
        List<SseReader.Sse> events = SseReader.readEvents(r.body(), null);
        arrivals.add(System.nanoTime() - start);
        assertThat(events).hasSize(4);
        // Four event writes, each delayed by 300 ms: the whole stream took at least ~1.2 s.
        assertThat(Duration.ofNanos(arrivals.get(0))).isGreaterThanOrEqualTo(Duration.ofMillis(1100));
    }

    @Test
    void clearingTheFaultsEndsAPauseUnderWay() throws Exception {
        replicate.model("acme/llm").tokens("a", "b").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/llm/predictions", "{\"input\":{}}"));
        replicate.faults().next(1).onPath("/stream/").slowEvents(Duration.ofMinutes(5));
        replicate.faults().next(1).onPath("/v1/account").latency(Duration.ofMinutes(5));
        var stream = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
            try {
                return SseReader.readEvents(SseReader.open(p.path("urls").path("stream").asText()).body(), null);
            } catch (IOException | InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        var account = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> http.get(replicate.baseUrl() + "/account").statusCode());
        // a body sent in two parts: the rest after the pause
        replicate.faults().next(1).onPath("/v1/hardware").withLength(5, Duration.ofMinutes(5));
        var hardware = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> http.get(replicate.baseUrl() + "/hardware"));
        replicate.awaitRequests(4, Duration.ofSeconds(20)); // the create, the stream, the account, the hardware
        replicate.faults().clear();
        // five minutes of pauses would outlast the bound: both answer in full once the plan is cleared
        assertThat(stream.get(30, java.util.concurrent.TimeUnit.SECONDS)).hasSize(3);
        assertThat(account.get(30, java.util.concurrent.TimeUnit.SECONDS)).isEqualTo(200);
        HttpResponse<String> h = hardware.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(h.statusCode()).isEqualTo(200);
        assertThat(h.body().length()).as("the rest came too").isGreaterThan(5);
    }

    @Test
    void gatewayFaultsUseTheGatewayErrorShape() {
        gateway.faults().next(1).status(503);
        HttpResponse<String> r = http.get(gateway.providerUrl("replicate") + "/account");
        GatewayForwardingTest.assertGatewayError(r, 503, 2005, "Failed to get response from provider");
        assertThat(replicate.requests()).isEmpty();

        gateway.faults().next(1).resetBeforeFirstByte();
        assertThatThrownBy(() -> http.client.send(post(gateway.providerUrl("replicate") + "/predictions/x/cancel"),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        assertThat(gateway.requests()).hasSize(2);
        assertThat(http.get(gateway.providerUrl("replicate") + "/account").statusCode()).isEqualTo(200);
    }
}
