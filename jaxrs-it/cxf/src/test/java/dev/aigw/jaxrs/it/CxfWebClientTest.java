package dev.aigw.jaxrs.it;

import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.core.Response;
import org.apache.cxf.jaxrs.client.WebClient;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CXF's own client API ({@code WebClient}, outside the Jakarta REST client API): the bus providers
 * reach it too, with the settings from system properties (such a client has no Jakarta REST client
 * object to key a gateway on, so it is resolved per call).
 */
class CxfWebClientTest extends GatewayTestBase {

    @Test
    void aWebClientIsRoutedWithoutRegistration() {
        Map<String, String> settings = Map.of("aigw.account-id", FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY, "aigw.token", CF_TOKEN,
                "aigw.base-url", fakeGateway.baseUrl().toString(), "aigw.log", "off");
        settings.forEach(System::setProperty);
        WebClient client = WebClient.create(API).path("account").header("Authorization", "Bearer " + replicate.token());
        try (Response r = client.get()) {
            assertThat(r.getStatus()).isEqualTo(200);
            assertThat(r.readEntity(String.class)).contains("username");
        } finally {
            settings.keySet().forEach(System::clearProperty);
            client.close();
        }
        GatewayRequest seen = fakeGateway.requests().get(0);
        assertThat(fakeGateway.requests()).hasSize(1);
        assertThat(seen.providerPath()).isEqualTo("/account");
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
    }

    @Test
    void aWebClientFallsBackDirectlyAndKeepsItsBaseAddress() throws Exception {
        Map<String, String> settings = Map.of("aigw.account-id", FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY, "aigw.token", CF_TOKEN,
                "aigw.base-url", "http://127.0.0.1:" + closedPort() + "/v1", "aigw.fallback", "true", "aigw.log", "off");
        settings.forEach(System::setProperty);
        WebClient client = WebClient.create(API, List.of(new FallbackTest.ToFakeReplicate())).path("account")
                .header("Authorization", "Bearer " + replicate.token());
        try (Response r = client.get()) {
            assertThat(r.getStatus()).isEqualTo(200);
            assertThat(r.readEntity(String.class)).contains("username");
        } finally {
            settings.keySet().forEach(System::clearProperty);
        }
        try {
            assertThat(client.getBaseURI()).isEqualTo(URI.create(API)); // CXF's retry would have moved it
            assertThat(client.getCurrentURI()).isEqualTo(URI.create(API + "/account"));
        } finally {
            client.close();
        }
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).singleElement()
                .satisfies(seen -> assertThat(seen.header("cf-aig-authorization")).isNull());
    }
}
