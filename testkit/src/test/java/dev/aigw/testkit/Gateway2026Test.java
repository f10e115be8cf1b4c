package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The gateway as it is since the changes of spec §9: ids, envelopes, metadata, otel headers, User-Agent. */
class Gateway2026Test {
    /** A lowercase UUIDv7: version 7, variant 10. */
    static final String UUID_V7 = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create().openGateway()
            .gateway(g -> g.denyWhenMetadata("user_id", "mallory").spendLimit("user_id", 1.0));
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    FakeReplicate replicate;
    FakeGateway gateway;
    String routed;

    @BeforeEach
    void fakes() {
        replicate = kit.replicate();
        gateway = kit.gateway();
        routed = kit.replicateViaGateway().toString();
        replicate.model("acme/echo").output("hi").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
    }

    HttpResponse<String> create(String... headers) {
        return http.post(routed + "/models/acme/echo/predictions", "{\"input\":{}}", headers);
    }

    @Test
    void requestLogAndEventIdAreOneTimeOrderedUuidV7() {
        HttpResponse<String> a = create();
        HttpResponse<String> b = create();
        String logA = a.headers().firstValue("cf-aig-log-id").orElseThrow();
        String logB = b.headers().firstValue("cf-aig-log-id").orElseThrow();
        assertThat(logA).matches(UUID_V7);
        assertThat(a.headers().firstValue("cf-aig-request-id")).hasValue(logA);
        assertThat(a.headers().firstValue("cf-aig-event-id")).hasValue(logA);
        assertThat(logB.substring(0, 13).compareTo(logA.substring(0, 13))).isGreaterThanOrEqualTo(0); // ms prefix
        assertThat(Long.parseLong(logA.substring(0, 8) + logA.substring(9, 13), 16))
                .isCloseTo(System.currentTimeMillis(), org.assertj.core.data.Offset.offset(60_000L));
        // an event id the client chose is echoed instead
        HttpResponse<String> chosen = create("cf-aig-event-id", "order-7");
        assertThat(chosen.headers().firstValue("cf-aig-event-id")).hasValue("order-7");
        assertThat(gateway.logs()).extracting(GatewayLog::id).contains(logA, logB);
        // and on a refusal too
        HttpResponse<String> denied = create("cf-aig-metadata", "{\"user_id\":\"mallory\"}");
        String deniedLog = denied.headers().firstValue("cf-aig-log-id").orElseThrow();
        assertThat(denied.headers().firstValue("cf-aig-event-id")).hasValue(deniedLog);
    }

    @Test
    void legacyGatewaysStillHandOutUlids() {
        try (FakeGateway old = FakeGateway.builder().provider("replicate", replicate.baseUrl()).legacyLogIds(true)
                .start()) {
            HttpResponse<String> r = http.get(old.providerUrl("replicate") + "/account");
            assertThat(r.headers().firstValue("cf-aig-log-id").orElseThrow()).matches("[0-9A-Z]{26}");
        }
    }

    @Test
    void policiesAnswerWithTheErrorObjectEnvelope() {
        HttpResponse<String> r = create("cf-aig-metadata", "{\"user_id\":\"mallory\",\"team\":\"x\"}");
        assertThat(r.statusCode()).isEqualTo(403);
        JsonNode body = TestHttp.json(r);
        assertThat(body.path("success").asBoolean(true)).isFalse();
        assertThat(body.path("error").isObject()).isTrue();
        assertThat(body.path("error").path("message").asText()).isEqualTo("Access denied by policy");
        assertThat(replicate.requests()).isEmpty();
        assertThat(gateway.awaitLogs(1, Duration.ofSeconds(10)).get(0).statusCode()).isEqualTo(403);
    }

    @Test
    void spendLimitsSplitByAMetadataKeyAnswerWithTheErrorObjectEnvelope() {
        String[] alice = {"cf-aig-metadata", "{\"user_id\":\"alice\"}", "cf-aig-custom-cost", "{\"total_cost\":0.6}"};
        assertThat(create(alice).statusCode()).isEqualTo(201);
        assertThat(create(alice).statusCode()).isEqualTo(201); // 1.2 spent: the next one is over
        HttpResponse<String> over = create(alice);
        assertThat(over.statusCode()).isEqualTo(429);
        JsonNode error = TestHttp.json(over).path("error");
        assertThat(error.path("message").asText()).isEqualTo("Spending limit exceeded");
        assertThat(error.path("bucket").asText()).isEqualTo("user_id:alice");
        assertThat(error.path("spent").asDouble()).isEqualTo(1.2, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(error.path("limit").asDouble()).isEqualTo(1.0);
        // another bucket, and calls without the key, are not limited
        assertThat(create("cf-aig-metadata", "{\"user_id\":\"bob\"}").statusCode()).isEqualTo(201);
        assertThat(create().statusCode()).isEqualTo(201);
    }

    @Test
    void aNestedMetadataValueMakesTheGatewayIgnoreTheWholeHeader() {
        create("cf-aig-metadata", "{\"user_id\":\"u1\",\"ctx\":{\"a\":1}}");
        GatewayRequest seen = gateway.requests().get(0);
        assertThat(seen.metadata()).isEmpty();
        assertThat(seen.warnings()).anyMatch(w -> w.contains("ignored entirely") && w.contains("'ctx'"));
        assertThat(gateway.logs().get(0).metadata()).isEmpty();
    }

    @Test
    void otelHeadersAreRecordedAndMalformedOnesReported() {
        create("cf-aig-otel-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736", "cf-aig-otel-parent-span-id",
                "00f067aa0ba902b7", "cf-aig-zdr", "true");
        create("cf-aig-otel-trace-id", "4BF92F3577B34DA6A3CE929D0E0E4736", "cf-aig-otel-parent-span-id",
                "0000000000000000", "cf-aig-zdr", "yes");
        List<GatewayRequest> seen = gateway.requests();
        assertThat(seen.get(0).otelTraceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
        assertThat(seen.get(0).otelParentSpanId()).isEqualTo("00f067aa0ba902b7");
        assertThat(seen.get(0).warnings()).isEmpty();
        assertThat(seen.get(1).warnings()).hasSize(3)
                .anyMatch(w -> w.startsWith("cf-aig-otel-trace-id ignored"))
                .anyMatch(w -> w.startsWith("cf-aig-otel-parent-span-id ignored"))
                .anyMatch(w -> w.startsWith("cf-aig-zdr ignored"));
        // neither reaches Replicate
        assertThat(replicate.requests().get(0).header("cf-aig-otel-trace-id")).isNull();
    }

    @Test
    void logsRecordTheUserAgentAndFilterByIt() throws Exception {
        create("User-Agent", "shop/1.0 aigw/0.1.0");
        create("User-Agent", "curl/8");
        assertThat(gateway.logs()).extracting(GatewayLog::userAgent).containsExactly("shop/1.0 aigw/0.1.0", "curl/8");
        String url = gateway.logsUrl(FakeGateway.DEFAULT_ACCOUNT, FakeGateway.DEFAULT_GATEWAY) + "?user_agent=aigw/";
        JsonNode listed = TestHttp.json(new TestHttp(null).get(url));
        assertThat(listed.path("result")).hasSize(1);
        assertThat(listed.path("result").get(0).path("user_agent").asText()).isEqualTo("shop/1.0 aigw/0.1.0");
    }
}
