package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class GatewayForwardingTest {
    static final String CF = "cf-test-token";
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create().gatewayToken(CF);
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    final FakeGateway gateway = kit.gateway();
    final String routed = kit.replicateViaGateway().toString();

    @BeforeAll
    static void script() {
        kit.replicate().model("acme/echo").output("hi");
    }

    static void assertGatewayError(HttpResponse<String> r, int status, int code, String message) {
        assertThat(r.statusCode()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/json");
        JsonNode body = TestHttp.json(r);
        assertThat(body.path("success").asBoolean(true)).isFalse();
        assertThat(body.path("error").get(0).path("code").asInt()).isEqualTo(code);
        assertThat(body.path("error").get(0).path("message").asText()).isEqualTo(message);
        assertThat(body.path("name").asText()).isEqualTo("AiGatewayError");
        assertThat(body.path("httpCode").asInt()).isEqualTo(status);
        assertThat(body.path("internalCode").asInt()).isEqualTo(code);
        assertThat(body.path("message").asText()).isEqualTo(message);
        assertThat(r.headers().firstValue("cf-aig-request-id")).isPresent();
        assertThat(r.headers().firstValue("cf-aig-event-id")).isPresent();
    }

    @Test
    void forwardsMethodPathBodyAndHeadersStrippingCfAig() {
        HttpResponse<String> r = http.post(routed + "/models/acme/echo/predictions", "{\"input\":{\"p\":1}}",
                "cf-aig-authorization", "Bearer " + CF, "cf-aig-event-id", "evt-1",
                "cf-aig-metadata", "{\"team\":\"ai\"}", "X-Custom", "kept", "User-Agent", "replicate-java/1");
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(TestHttp.json(r).path("model").asText()).isEqualTo("acme/echo");
        String logId = r.headers().firstValue("cf-aig-log-id").orElseThrow();
        assertThat(logId).matches(Gateway2026Test.UUID_V7);
        assertThat(r.headers().firstValue("cf-aig-request-id")).hasValue(logId);
        assertThat(r.headers().firstValue("cf-aig-event-id")).hasValue("evt-1");
        assertThat(r.headers().firstValue("cf-aig-cache-status")).hasValue("MISS");
        assertThat(r.headers().firstValue("ratelimit-remaining")).hasValue("599"); // upstream headers pass through
        assertThat(r.headers().allValues("Date")).hasSize(1);

        RecordedRequest upstream = replicate.awaitRequests(1, Duration.ofSeconds(10)).get(0);
        assertThat(upstream.method()).isEqualTo("POST");
        assertThat(upstream.path()).isEqualTo("/v1/models/acme/echo/predictions");
        assertThat(upstream.bodyAsString()).isEqualTo("{\"input\":{\"p\":1}}");
        assertThat(upstream.header("Authorization")).isEqualTo("Bearer " + FakeReplicate.DEFAULT_TOKEN);
        assertThat(upstream.header("X-Custom")).isEqualTo("kept");
        assertThat(upstream.header("User-Agent")).isEqualTo("replicate-java/1");
        assertThat(upstream.header("Content-Type")).isEqualTo("application/json");
        assertThat(upstream.headers().keySet()).noneMatch(h -> h.toLowerCase().startsWith("cf-aig-"));

        GatewayRequest seen = gateway.requests().get(0);
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF);
        assertThat(seen.account()).isEqualTo(FakeGateway.DEFAULT_ACCOUNT);
        assertThat(seen.gateway()).isEqualTo(FakeGateway.DEFAULT_GATEWAY);
        assertThat(seen.provider()).isEqualTo("replicate");
        assertThat(seen.providerPath()).isEqualTo("/models/acme/echo/predictions");
        assertThat(seen.metadata()).containsEntry("team", "ai");
        assertThat(seen.logId()).isEqualTo(logId);
        assertThat(seen.eventId()).isEqualTo("evt-1");
    }

    @Test
    void rawPathAndQueryAreKeptByteForByte() {
        HttpResponse<String> r = http.get(routed + "/files/abc%2Fdef%20x?x=a%2Fb+c&y=%E2%82%AC",
                "cf-aig-authorization", "Bearer " + CF);
        assertThat(r.statusCode()).isEqualTo(404); // Replicate's own 404 passes through
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        RecordedRequest upstream = replicate.awaitRequests(1, Duration.ofSeconds(10)).get(0);
        assertThat(upstream.path()).isEqualTo("/v1/files/abc%2Fdef%20x");
        assertThat(upstream.query()).isEqualTo("x=a%2Fb+c&y=%E2%82%AC");
    }

    @Test
    void nonStandardQueryMethodIsForwarded() {
        HttpResponse<String> r = http.send(http.request(routed + "/models").header("cf-aig-authorization", "Bearer " + CF)
                .header("Content-Type", "text/plain").method("QUERY", HttpRequest.BodyPublishers.ofString("echo")).build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(TestHttp.json(r).path("results").findValuesAsText("name")).contains("echo");
        assertThat(replicate.requests().get(0).method()).isEqualTo("QUERY");
    }

    @Test
    void authenticatedGatewayRefusesMissingOrWrongToken() {
        assertGatewayError(http.get(routed + "/account"), 401, 2009, "Unauthorized");
        assertGatewayError(http.get(routed + "/account", "cf-aig-authorization", "Bearer nope"), 401, 2009, "Unauthorized");
        // The CF token in Authorization is the classic mistake: still 401/2009.
        assertGatewayError(new TestHttp(CF).get(routed + "/account"), 401, 2009, "Unauthorized");
        assertThat(replicate.requests()).isEmpty();
        assertThat(gateway.requests()).hasSize(3);
        assertThat(gateway.logs()).isEmpty();
        // A bad Replicate token on a good gateway is Replicate's own 401, passed through.
        HttpResponse<String> provider401 = new TestHttp("r8_wrong").get(routed + "/account",
                "cf-aig-authorization", "Bearer " + CF);
        assertThat(provider401.statusCode()).isEqualTo(401);
        assertThat(TestHttp.json(provider401).path("title").asText()).isEqualTo("Unauthenticated");
    }

    @Test
    void unknownProviderIs400With2008() {
        assertGatewayError(http.get(gateway.providerUrl("nosuch") + "/x", "cf-aig-authorization", "Bearer " + CF),
                400, 2008, "Invalid provider");
    }

    @Test
    void openGatewayAndAccountRestriction() {
        try (FakeGateway open = FakeGateway.builder().provider("replicate", replicate.baseUrl())
                .account(FakeGateway.DEFAULT_ACCOUNT).gateway("gw1").start()) {
            HttpResponse<String> ok = http.get(open.providerUrl(FakeGateway.DEFAULT_ACCOUNT, "gw1", "replicate") + "/account");
            assertThat(ok.statusCode()).isEqualTo(200);
            assertGatewayError(http.get(open.providerUrl("ffffffffffffffffffffffffffffffff", "gw1", "replicate")
                    + "/account"), 404, 2001, "Gateway not found");
            assertGatewayError(http.get(open.providerUrl(FakeGateway.DEFAULT_ACCOUNT, "other", "replicate")
                    + "/account"), 404, 2001, "Gateway not found");
        }
    }
}
