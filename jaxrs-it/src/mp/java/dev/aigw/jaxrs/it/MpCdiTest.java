package dev.aigw.jaxrs.it;

import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.GatewayRequest;
import jakarta.enterprise.inject.spi.Extension;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RestClient;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.HashMap;
import java.util.Map;
import java.util.ServiceLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * MicroProfile Rest Client through CDI (Weld SE): {@link ReplicateApi} injected with
 * {@code @RestClient}, configured by MicroProfile Config (system properties here, as
 * {@code microprofile-config.properties} or the environment would), with aigw's settings beside it.
 * aigw is active automatically, or registered by {@code replicate/mp-rest/providers}: either way the
 * call is routed once.
 */
class MpCdiTest extends GatewayTestBase {

    @ParameterizedTest(name = "mp-rest/providers: {0}")
    @ValueSource(strings = {"", "dev.aigw.jaxrs.AigwFeature"})
    void anInjectedClientIsRoutedOnce(String providers) throws Exception {
        Map<String, String> config = new HashMap<>(Map.of(
                "replicate/mp-rest/uri", ReplicateApi.BASE,
                "aigw.account-id", FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY,
                "aigw.token", CF_TOKEN,
                "aigw.base-url", fakeGateway.baseUrl().toString(),
                "aigw.log", "off"));
        if (!providers.isEmpty()) {
            config.put("replicate/mp-rest/providers", providers);
            assertThat(providers).isEqualTo(AigwFeature.class.getName());
        }
        config.forEach(System::setProperty);
        // A synthetic archive of the interface and the implementation's CDI extension (as a deployment would have).
        Weld weld = new Weld().disableDiscovery().addBeanClasses(ReplicateApi.class);
        ServiceLoader.load(Extension.class).forEach(weld::addExtension);
        try (WeldContainer cdi = weld.initialize()) {
            ReplicateApi api = cdi.select(ReplicateApi.class, RestClient.LITERAL).get();
            try (Response r = api.createPrediction("Bearer " + replicate.token(), "acme", "echo",
                    "{\"input\":{\"prompt\":\"cdi\"}}")) {
                assertThat(r.getStatus()).isEqualTo(201);
                assertThat(r.readEntity(String.class)).contains("acme/echo");
            }
        } finally {
            config.keySet().forEach(System::clearProperty);
        }
        GatewayRequest seen = fakeGateway.requests().get(0);
        assertThat(fakeGateway.requests()).hasSize(1);
        assertThat(seen.providerPath()).isEqualTo("/models/acme/echo/predictions");
        assertThat(seen.request().headers().entrySet()).filteredOn(e -> e.getKey().equalsIgnoreCase("cf-aig-authorization"))
                .singleElement().satisfies(e -> assertThat(e.getValue()).containsExactly("Bearer " + CF_TOKEN));
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + replicate.token());
    }
}
