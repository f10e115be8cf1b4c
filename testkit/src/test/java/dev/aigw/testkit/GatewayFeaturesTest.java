package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static dev.aigw.testkit.GatewayForwardingTest.assertGatewayError;
import static org.assertj.core.api.Assertions.assertThat;

class GatewayFeaturesTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create()
            .openGateway().gatewayWithReplicate(SseReader::streamRoute);
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    final FakeGateway gateway = kit.gateway();
    final String routed = kit.replicateViaGateway().toString();

    @BeforeAll
    static void script() {
        kit.replicate().model("acme/echo").output("hi").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
    }

    HttpResponse<String> create(String body, String... headers) {
        return http.post(routed + "/models/acme/echo/predictions", body, headers);
    }

    @Test
    void fixedWindowRateLimitAnswers429With2003() {
        try (FakeGateway limited = FakeGateway.builder().provider("replicate", replicate.baseUrl())
                .rateLimit(2, Duration.ofDays(3650), FakeGateway.Window.FIXED).start()) {
            String url = limited.providerUrl("replicate") + "/account";
            assertThat(http.get(url).statusCode()).isEqualTo(200);
            assertThat(http.get(url).statusCode()).isEqualTo(200);
            assertGatewayError(http.get(url), 429, 2003, "Rate limited");
            assertThat(replicate.requests()).hasSize(2);
            assertThat(limited.awaitLogs(3, Duration.ofSeconds(10)).get(2).statusCode()).isEqualTo(429);
        }
    }

    @Test
    void slidingWindowRateLimitFreesUpAsRequestsAge() {
        try (FakeGateway limited = FakeGateway.builder().provider("replicate", replicate.baseUrl())
                .rateLimit(2, Duration.ofMillis(2500), FakeGateway.Window.SLIDING).start()) {
            String url = limited.providerUrl("replicate") + "/account";
            assertThat(http.get(url).statusCode()).isEqualTo(200);
            assertThat(http.get(url).statusCode()).isEqualTo(200);
            assertThat(http.get(url).statusCode()).isEqualTo(429);
            TestHttp.sleep(2700);
            assertThat(http.get(url).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void cachingByTtlHeaderGivesHitWithoutReachingUpstream() {
        HttpResponse<String> first = create("{\"input\":{\"a\":1}}", "cf-aig-cache-ttl", "120");
        HttpResponse<String> second = create("{\"input\":{\"a\":1}}", "cf-aig-cache-ttl", "120");
        assertThat(first.headers().firstValue("cf-aig-cache-status")).hasValue("MISS");
        assertThat(second.headers().firstValue("cf-aig-cache-status")).hasValue("HIT");
        assertThat(second.statusCode()).isEqualTo(201);
        assertThat(second.body()).isEqualTo(first.body()); // same prediction id: why the library must not cache creates
        assertThat(second.headers().firstValue("cf-aig-log-id")).isNotEqualTo(first.headers().firstValue("cf-aig-log-id"));
        assertThat(replicate.requests()).hasSize(1);
        List<GatewayLog> logs = gateway.awaitLogs(2, Duration.ofSeconds(10));
        assertThat(logs).extracting(GatewayLog::cached).containsExactly(false, true);

        // Different body (or different Authorization) = different key.
        assertThat(create("{\"input\":{\"a\":2}}", "cf-aig-cache-ttl", "120").headers()
                .firstValue("cf-aig-cache-status")).hasValue("MISS");
        // Skip the lookup.
        assertThat(create("{\"input\":{\"a\":1}}", "cf-aig-cache-ttl", "120", "cf-aig-skip-cache", "true").headers()
                .firstValue("cf-aig-cache-status")).hasValue("MISS");
        assertThat(replicate.requests()).hasSize(3);
        // Without any cache header the gateway (cache off by default) never serves from cache.
        assertThat(create("{\"input\":{\"a\":1}}").headers().firstValue("cf-aig-cache-status")).hasValue("MISS");
    }

    @Test
    void cacheKeyReplacesTheKeyAndBadTtlIsIgnoredWithWarning() {
        create("{\"input\":{\"a\":1}}", "cf-aig-cache-key", "k1");
        HttpResponse<String> other = create("{\"input\":{\"b\":9}}", "cf-aig-cache-key", "k1");
        assertThat(other.headers().firstValue("cf-aig-cache-status")).hasValue("HIT");

        HttpResponse<String> bad1 = create("{\"input\":{\"c\":1}}", "cf-aig-cache-ttl", "30");
        HttpResponse<String> bad2 = create("{\"input\":{\"c\":1}}", "cf-aig-cache-ttl", "30");
        assertThat(bad2.headers().firstValue("cf-aig-cache-status")).hasValue("MISS");
        assertThat(bad1.statusCode()).isEqualTo(201);
        assertThat(gateway.requests().get(2).warnings()).singleElement().asString().contains("cf-aig-cache-ttl ignored");
    }

    @Test
    void eventStreamsAreNeverCached() {
        replicate.model("acme/llm").tokens("a", "b").bootTime(Duration.ZERO).duration(Duration.ofMillis(50));
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/llm/predictions", "{\"input\":{}}"));
        String id = p.path("id").asText();
        String streamUrl = gateway.providerUrl("replicate-stream") + "/stream/v1/predictions/" + id;
        HttpResponse<String> first = http.get(streamUrl, "cf-aig-cache-ttl", "120", "Accept", "text/event-stream");
        HttpResponse<String> second = http.get(streamUrl, "cf-aig-cache-ttl", "120", "Accept", "text/event-stream");
        assertThat(first.body()).contains("event: done");
        assertThat(second.headers().firstValue("cf-aig-cache-status")).hasValue("MISS");
        assertThat(replicate.requests().stream().filter(r -> r.path().startsWith("/stream/"))).hasSize(2);
    }

    @Test
    void metadataKeepsFirstFiveValidEntriesAndRecordsWhatWasDropped() {
        // a null entry is dropped alone; a nested one makes the gateway ignore the whole header (Gateway2026Test)
        create("{\"input\":{}}", "cf-aig-metadata",
                "{\"a\":1,\"obj\":null,\"cf.user_id\":\"u\",\"b\":\"two\",\"c\":true,\"d\":4.5,\"e\":5,\"f\":6}");
        GatewayRequest seen = gateway.awaitRequests(1, Duration.ofSeconds(10)).get(0);
        assertThat(seen.metadata()).containsOnlyKeys("a", "b", "c", "d", "e");
        assertThat(seen.metadata()).containsEntry("b", "two").containsEntry("c", true);
        assertThat(seen.warnings()).hasSize(3);
        assertThat(seen.warnings()).anyMatch(w -> w.contains("'obj'") && w.contains("only string, number and boolean"));
        assertThat(seen.warnings()).anyMatch(w -> w.contains("'cf.user_id'") && w.contains("reserved"));
        assertThat(seen.warnings()).anyMatch(w -> w.contains("'f'") && w.contains("first 5"));
        assertThat(gateway.awaitLogs(1, Duration.ofSeconds(10)).get(0).metadata()).isEqualTo(seen.metadata());
        create("{\"input\":{}}", "cf-aig-metadata", "not json");
        assertThat(gateway.awaitRequests(2, Duration.ofSeconds(10)).get(1).warnings())
                .containsExactly("cf-aig-metadata ignored: not a JSON object");
    }

    @Test
    void collectLogFlags() {
        create("{\"input\":{}}", "cf-aig-collect-log", "false");
        create("{\"input\":{\"x\":1}}", "cf-aig-collect-log-payload", "false");
        create("{\"input\":{\"y\":2}}");
        List<GatewayLog> logs = gateway.awaitLogs(2, Duration.ofSeconds(10));
        TestHttp.sleep(200);
        assertThat(gateway.logs()).hasSize(2);
        GatewayLog noPayload = logs.get(0);
        assertThat(noPayload.requestBody()).isNull();
        assertThat(noPayload.responseBody()).isNull();
        assertThat(noPayload.requestSize()).isEqualTo("{\"input\":{\"x\":1}}".length());
        GatewayLog full = gateway.logs().get(1);
        assertThat(new String(full.requestBody())).isEqualTo("{\"input\":{\"y\":2}}");
        assertThat(new String(full.responseBody())).contains("\"acme/echo\"");
        assertThat(full.provider()).isEqualTo("replicate");
        assertThat(full.model()).isEqualTo("acme/echo");
        assertThat(full.path()).isEqualTo("models/acme/echo/predictions");
        assertThat(full.statusCode()).isEqualTo(201);
        assertThat(full.success()).isTrue();
        assertThat(full.responseSize()).isPositive();
        assertThat(full.durationMs()).isNotNegative();
    }

    @Test
    void logsApiListsGetsAndTakesFeedback() {
        HttpResponse<String> r = create("{\"input\":{}}", "cf-aig-event-id", "evt-42");
        String logId = r.headers().firstValue("cf-aig-log-id").orElseThrow();
        create("{\"input\":{\"other\":1}}");
        gateway.awaitLogs(2, Duration.ofSeconds(10));
        String logsUrl = gateway.logsUrl(FakeGateway.DEFAULT_ACCOUNT, FakeGateway.DEFAULT_GATEWAY).toString();
        TestHttp api = new TestHttp("cf-api-token");
        JsonNode list = TestHttp.json(api.get(logsUrl + "?per_page=1"));
        assertThat(list.path("success").asBoolean()).isTrue();
        assertThat(list.path("result")).hasSize(1);
        assertThat(list.path("result_info").path("total_count").asInt()).isEqualTo(2);
        JsonNode byEvent = TestHttp.json(api.get(logsUrl + "?event_id=evt-42"));
        assertThat(byEvent.path("result").get(0).path("id").asText()).isEqualTo(logId);
        JsonNode one = TestHttp.json(api.get(logsUrl + "/" + logId)).path("result");
        assertThat(one.path("status_code").asInt()).isEqualTo(201);
        assertThat(one.path("event_id").asText()).isEqualTo("evt-42");
        assertThat(one.path("provider").asText()).isEqualTo("replicate");
        assertThat(api.get(logsUrl + "/" + logId + "/request").body()).isEqualTo("{\"input\":{}}");
        HttpResponse<String> patched = api.send(api.request(logsUrl + "/" + logId).header("Content-Type", "application/json")
                .method("PATCH", HttpRequest.BodyPublishers.ofString("{\"feedback\":1,\"score\":90}")).build());
        assertThat(TestHttp.json(patched).path("result").path("feedback").asInt()).isEqualTo(1);
        assertThat(gateway.logs().stream().filter(l -> l.id().equals(logId)).findFirst().orElseThrow().score())
                .isEqualTo(90);
        assertThat(api.get(logsUrl + "/nope").statusCode()).isEqualTo(404);
        assertThat(TestHttp.json(api.get(gateway.logsUrl(FakeGateway.DEFAULT_ACCOUNT, "other-gw").toString()))
                .path("result")).isEmpty();
    }

    @Test
    void requestTimeoutGives504AndRetriesRecoverFrom5xxBursts() {
        replicate.faults().next(1).onPath("/v1/account").latency(Duration.ofSeconds(3));
        HttpResponse<String> slow = http.get(routed + "/account", "cf-aig-request-timeout", "300");
        assertGatewayError(slow, 504, 2005, "Request timeout");

        replicate.faults().next(2).onPath("/v1/account").status(503);
        HttpResponse<String> retried = http.get(routed + "/account", "cf-aig-max-attempts", "3",
                "cf-aig-retry-delay", "20", "cf-aig-backoff", "exponential");
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(replicate.requests().stream().filter(r -> r.path().equals("/v1/account"))).hasSize(4);

        replicate.faults().next(1).onPath("/v1/account").status(503);
        HttpResponse<String> noRetry = http.get(routed + "/account");
        assertThat(noRetry.statusCode()).isEqualTo(503); // passed through as Replicate sent it
        assertThat(noRetry.headers().firstValue("Content-Type")).hasValue("application/problem+json");

        // A reset without retries is a 502; with a second attempt it recovers (so nothing retries silently).
        replicate.faults().next(1).onPath("/v1/account").resetBeforeFirstByte();
        assertGatewayError(http.get(routed + "/account"), 502, 2005, "Failed to get response from provider");
        replicate.clearRequests();
        replicate.faults().next(1).onPath("/v1/account").resetBeforeFirstByte();
        assertThat(http.get(routed + "/account", "cf-aig-max-attempts", "2", "cf-aig-retry-delay", "10")
                .statusCode()).isEqualTo(200);
        assertThat(replicate.requests()).hasSize(2);
    }

    @Test
    void unreachableUpstreamIs502With2005() throws Exception {
        try (RefusingPort nobody = RefusingPort.open();
             FakeGateway g = FakeGateway.builder().provider("replicate", nobody.url("/v1")).start()) {
            assertGatewayError(http.get(g.providerUrl("replicate") + "/account"), 502, 2005,
                    "Failed to get response from provider");
        }
    }
}
