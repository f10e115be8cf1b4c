package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** The README example, plus the reset-between-tests contract. */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TestkitExtensionTest {
    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create();

    static int firstReplicatePort;

    @BeforeAll
    static void scriptModels() {
        kit.replicate().model("acme/echo").output("hello").duration(Duration.ofMillis(50));
    }

    @Test
    @Order(1)
    void routesThroughTheGatewayToReplicate(FakeReplicate replicate, FakeGateway gateway) {
        firstReplicatePort = replicate.port();
        TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
        HttpResponse<String> r = http.post(kit.replicateViaGateway() + "/models/acme/echo/predictions",
                "{\"input\":{}}", "cf-aig-authorization", "Bearer " + kit.gatewayToken(), "Prefer", "wait");
        assertThat(r.statusCode()).isEqualTo(201);
        JsonNode prediction = TestHttp.json(r);
        assertThat(prediction.path("output").asText()).isEqualTo("hello");
        assertThat(r.headers().firstValue("cf-aig-log-id")).isPresent();
        assertThat(gateway.requests()).singleElement()
                .satisfies(g -> assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer cf-testkit-token"));
        assertThat(replicate.requests()).singleElement()
                .satisfies(q -> assertThat(q.header("cf-aig-authorization")).isNull());
        assertThat(http.post(kit.replicateViaGateway() + "/models/acme/echo/predictions", "{\"input\":{}}")
                .statusCode()).isEqualTo(401); // gateway is authenticated by default
    }

    @Test
    @Order(2)
    void stateIsResetBetweenTestsButServersAndModelsStay(FakeReplicate replicate) {
        assertThat(replicate.port()).isEqualTo(firstReplicatePort);
        assertThat(replicate.requests()).isEmpty();
        assertThat(kit.gateway().requests()).isEmpty();
        assertThat(kit.gateway().logs()).isEmpty();
        assertThat(replicate.model("acme/echo").versionId()).matches("[0-9a-f]{64}");
        assertThat(new TestHttp(FakeReplicate.DEFAULT_TOKEN).get(replicate.baseUrl() + "/predictions").body())
                .contains("\"results\":[]");
    }
}
