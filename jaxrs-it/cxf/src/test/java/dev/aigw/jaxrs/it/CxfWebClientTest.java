package dev.aigw.jaxrs.it;

import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.apache.cxf.jaxrs.client.JAXRSClientFactory;
import org.apache.cxf.jaxrs.client.WebClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CXF's own client APIs ({@code WebClient} and proxies, outside the Jakarta REST client API): the bus providers
 * reach them too, with the settings from system properties (such a client has no Jakarta REST client object to key
 * a gateway on, so it is resolved per call).
 */
class CxfWebClientTest extends GatewayTestBase {
    private final Map<String, String> settings = new HashMap<>(Map.of("aigw.account-id", FakeGateway.DEFAULT_ACCOUNT,
            "aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY, "aigw.token", CF_TOKEN, "aigw.log", "off"));

    /** A Replicate endpoint as a CXF proxy interface. */
    @Path("/account")
    public interface Account {
        @GET
        @Produces(MediaType.APPLICATION_JSON)
        String get();
    }

    /** Sets the aigw.* system properties, to the fake gateway or to a closed port with fallback on. */
    private void settings(boolean gatewayUnreachable) throws IOException {
        if (gatewayUnreachable) {
            settings.put("aigw.base-url", "http://127.0.0.1:" + closedPort() + "/v1");
            settings.put("aigw.fallback", "true");
        } else {
            settings.put("aigw.base-url", fakeGateway.baseUrl().toString());
        }
        settings.forEach(System::setProperty);
    }

    @AfterEach
    void clearSettings() {
        settings.keySet().forEach(System::clearProperty);
    }

    @Test
    void aWebClientIsRoutedWithoutRegistration() throws Exception {
        settings(false);
        WebClient client = WebClient.create(API).path("account").header("Authorization", "Bearer " + replicate.token());
        try (Response r = client.get()) {
            assertThat(r.getStatus()).isEqualTo(200);
            assertThat(r.readEntity(String.class)).contains("username");
        } finally {
            client.close();
        }
        GatewayRequest seen = fakeGateway.requests().get(0);
        assertThat(fakeGateway.requests()).hasSize(1);
        assertThat(seen.providerPath()).isEqualTo("/account");
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
    }

    @Test
    void aWebClientFallsBackDirectlyAndKeepsItsBaseAddress() throws Exception {
        settings(true);
        WebClient client = WebClient.create(API, List.of(new FallbackTest.ReplicateAt(replicate.baseUrl()))).path("account")
                .header("Authorization", "Bearer " + replicate.token());
        try (Response r = client.get()) {
            assertThat(r.getStatus()).isEqualTo(200);
            assertThat(r.readEntity(String.class)).contains("username");
            assertThat(client.getBaseURI()).isEqualTo(URI.create(API)); // CXF's retry would have moved it
            assertThat(client.getCurrentURI()).isEqualTo(URI.create(API + "/account"));
        } finally {
            client.close();
        }
        assertDirectOnly(1);
    }

    @Test
    void aProxyFallsBackDirectlyAndKeepsWorking() throws Exception {
        settings(true);
        Account account = JAXRSClientFactory.create(API, Account.class, List.of(new FallbackTest.ReplicateAt(replicate.baseUrl())));
        WebClient.client(account).header("Authorization", "Bearer " + replicate.token());
        try {
            assertThat(account.get()).contains("username");
            assertThat(account.get()).contains("username"); // the proxy's addresses are as they were
            assertThat(WebClient.client(account).getBaseURI()).isEqualTo(URI.create(API));
        } finally {
            WebClient.client(account).close();
        }
        assertDirectOnly(2);
    }

    private void assertDirectOnly(int calls) {
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).hasSize(calls).allSatisfy(seen -> {
            assertThat(seen.path()).isEqualTo("/v1/account");
            assertThat(seen.header("cf-aig-authorization")).isNull();
        });
    }
}
