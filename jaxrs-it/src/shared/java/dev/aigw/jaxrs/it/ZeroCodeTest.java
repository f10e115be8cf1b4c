package dev.aigw.jaxrs.it;

import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * aigw without registration (Jersey's auto-discovery, RESTEasy's built-in providers, CXF's bus
 * providers): with aigw configured, a client that never mentions aigw is routed.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the calls inside
class ZeroCodeTest extends GatewayTestBase {

    @BeforeEach
    void discoveringStacksOnly() {
        assumeThat(Stack.activatesWithoutRegistration()).as("aigw activates itself on this stack").isTrue();
    }

    @Test
    void aPlainClientInAJvmWithOnlyTheEnvironmentSetIsRouted() throws Exception {
        assertRoutedInAChildJvm(PlainClientMain.class);
    }

    static ClientBuilder configuredByProperties() {
        return ClientBuilder.newBuilder()
                .property("aigw.account-id", FakeGateway.DEFAULT_ACCOUNT)
                .property("aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY)
                .property("aigw.token", CF_TOKEN)
                .property("aigw.log", "off")
                .property("aigw.base-url", fakeGateway.baseUrl().toString());
    }

    @Test
    void clientPropertiesAloneActivateAigwInAPlainClient() {
        Client c = track(configuredByProperties().build());
        Response r = api(c, "/account").get();
        assertThat(r.getStatus()).isEqualTo(200);
        r.close();
        assertThat(fakeGateway.requests()).singleElement()
                .satisfies(g -> assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN));
    }

    @Test
    void aigwEnabledFalseTurnsItOffInAConfiguredClient() {
        List<String> uris = new CopyOnWriteArrayList<>();
        ClientRequestFilter probe = (ClientRequestContext req) -> {
            uris.add(req.getUri().toString());
            req.abortWith(Response.noContent().build());
        };
        Client c = track(configuredByProperties().property("aigw.enabled", "false")
                .register(probe, Integer.MAX_VALUE).build());
        api(c, "/account").get().close();
        assertThat(uris).containsExactly(API + "/account");
    }

    @Test
    void withoutConfigurationClientsAreUntouched() {
        List<String> uris = new CopyOnWriteArrayList<>();
        ClientRequestFilter probe = (ClientRequestContext req) -> {
            uris.add(req.getUri() + " " + req.getHeaderString("cf-aig-authorization"));
            req.abortWith(Response.noContent().build());
        };
        Client c = track(ClientBuilder.newBuilder().register(probe, Integer.MAX_VALUE).build());
        api(c, "/account").get().close();
        assertThat(uris).containsExactly(API + "/account null");
    }


    /**
     * Gateways are shared per distinct aigw.* client configuration up to a bound; each client beyond it gets a gateway
     * of its own, which nothing closes (Jakarta REST has no client-close hook). Its record thread held it forever: an
     * application making a client per tenant or per request leaked a thread per client. A record thread now ends after
     * a few seconds without records, and with it the last hold on a gateway nobody uses.
     */
    @Test
    void clientsBeyondTheSharedConfigurationsLeaveNoRecordThreadBehind() throws Exception {
        long before = recordThreads();
        int clients = 64 + 24; // more distinct configurations than the scope keeps (64)
        for (int i = 0; i < clients; i++) {
            Client c = configuredByProperties().property("aigw.log", "summary")
                    .property("aigw.metadata", "{\"tenant\":\"t" + i + "\"}").build();
            Response r = api(c, "/account").get();
            assertThat(r.getStatus()).isEqualTo(200);
            r.close();
            c.close();
        }
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(20);
        Client live = track(configuredByProperties().build());
        while (recordThreads() - before > 64 && System.nanoTime() < deadline) {
            System.gc();
            Thread.sleep(100);
            // the application goes on calling: on RESTEasy and CXF that drops the dead clients' entries from the
            // shared filter's weak map, whose values hold their gateways until then
            api(live, "/account").get().close();
        }
        assertThat(recordThreads() - before).as("record threads left by %d clients, at most one per shared "
                + "configuration", clients).isLessThanOrEqualTo(64);
    }

    private static long recordThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.isAlive()
                && t.getName().equals("aigw-records")).count();
    }

    /** Sets aigw.* system properties for one test (the settings auto-discovery reads), restoring them after. */
    private static AutoCloseable systemProperties(Map<String, String> props) {
        props.forEach(System::setProperty);
        return () -> props.keySet().forEach(System::clearProperty);
    }

    @Test
    void anExplicitlyRegisteredGatewayWinsOverAutoDiscovery() throws Exception {
        // auto-discovery alone would send calls to a port where nobody listens
        try (AutoCloseable p = systemProperties(Map.of(
                "aigw.account-id", FakeGateway.DEFAULT_ACCOUNT, "aigw.gateway-id", "elsewhere",
                "aigw.base-url", "http://127.0.0.1:9/v1", "aigw.log", "off"))) {
            Response r = api(track(ClientBuilder.newClient().register(new AigwFeature(gateway))), "/account").get();
            assertThat(r.getStatus()).isEqualTo(200);
            r.close();
        }
        assertThat(fakeGateway.requests()).singleElement()
                .satisfies(g -> assertThat(g.gateway()).isEqualTo(FakeGateway.DEFAULT_GATEWAY));
        assertThat(nextRecord().httpStatus()).isEqualTo(200);
        assertNoMoreRecords();
    }

    @Test
    void registeringTheFeatureWhereAutoDiscoveryAlsoDoesRoutesOnce() throws Exception {
        try (AutoCloseable p = systemProperties(Map.of(
                "aigw.account-id", FakeGateway.DEFAULT_ACCOUNT, "aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY,
                "aigw.token", CF_TOKEN, "aigw.base-url", fakeGateway.baseUrl().toString(), "aigw.log", "off"))) {
            Client c = track(ClientBuilder.newBuilder().register(AigwFeature.class).build());
            Response r = api(c, "/account").get();
            assertThat(r.getStatus()).isEqualTo(200);
            r.close();
        }
        GatewayRequest seen = fakeGateway.requests().get(0);
        assertThat(fakeGateway.requests()).hasSize(1);
        assertThat(seen.request().headers().entrySet()).filteredOn(e -> e.getKey().equalsIgnoreCase("cf-aig-authorization"))
                .singleElement().satisfies(e -> assertThat(e.getValue()).containsExactly("Bearer " + CF_TOKEN));
    }
}
