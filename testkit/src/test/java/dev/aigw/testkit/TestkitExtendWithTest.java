package dev.aigw.testkit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import static org.assertj.core.api.Assertions.assertThat;

/** {@code @ExtendWith} style: the fakes arrive as parameters. */
@ExtendWith(TestkitExtension.class)
class TestkitExtendWithTest {

    @Test
    void injectsRunningFakesWiredTogether(FakeReplicate replicate, FakeGateway gateway) {
        replicate.model("acme/echo");
        TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
        assertThat(http.get(gateway.providerUrl("replicate") + "/models/acme/echo",
                "cf-aig-authorization", "Bearer " + TestkitExtension.DEFAULT_GATEWAY_TOKEN).statusCode()).isEqualTo(200);
        assertThat(replicate.requests()).singleElement()
                .satisfies(r -> assertThat(r.path()).isEqualTo("/v1/models/acme/echo"));
    }
}
