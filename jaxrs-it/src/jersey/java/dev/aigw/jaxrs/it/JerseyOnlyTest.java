package dev.aigw.jaxrs.it;

import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/** What only Jersey has: its auto-discovery switch. */
class JerseyOnlyTest extends GatewayTestBase {

    @Test
    void jerseysAutoDiscoverySwitchTurnsItOff() {
        List<String> uris = new CopyOnWriteArrayList<>();
        ClientRequestFilter probe = (ClientRequestContext req) -> {
            uris.add(req.getUri().toString());
            req.abortWith(Response.noContent().build()); // never leave loopback
        };
        Client c = track(ZeroCodeTest.configuredByProperties().property("jersey.config.client.disableAutoDiscovery", true)
                .register(probe, Integer.MAX_VALUE).build());
        api(c, "/account").get().close();
        assertThat(uris).containsExactly(API + "/account");
        assertThat(fakeGateway.requests()).isEmpty();
    }
}
