package dev.aigw.jaxrs.it;

import dev.aigw.CallOptions;
import dev.aigw.ExchangeRecord;
import dev.aigw.GatewayContext;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Gateway options from the caller's context, request properties and typed options; the poll policy. */
@SuppressWarnings("try") // scopes are opened for their effect on the calls inside
class OptionsTest extends GatewayTestBase {

    private GatewayRequest lastSeen() {
        List<GatewayRequest> all = fakeGateway.requests();
        assertThat(all).isNotEmpty();
        return all.get(all.size() - 1);
    }

    @Test
    void metadataFromTheCallersContextIsSent() throws Exception {
        Client c = client();
        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", "u-1").build())) {
            api(c, "/account").get().close();
        }
        assertThat(parse(lastSeen().header("cf-aig-metadata"))).isEqualTo(parse("{\"user\":\"u-1\"}"));
        assertThat(nextRecord().metadata()).isEqualTo(Map.of("user", "u-1"));
    }

    @Test
    void requestPropertiesNamedAsSettingsOverrideTheContext() throws Exception {
        Client c = client();
        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", "u-1")
                .cacheTtl(Duration.ofSeconds(600)).build())) {
            api(c, "/account").property("aigw.metadata", "{\"tenant\":\"t-9\",\"user\":\"u-2\"}")
                    .property("aigw.cache-ttl", "120")
                    .property("aigw.event-id", "evt-1")
                    .get().close();
        }
        GatewayRequest seen = lastSeen();
        assertThat(parse(seen.header("cf-aig-metadata"))).isEqualTo(parse("{\"tenant\":\"t-9\",\"user\":\"u-2\"}"));
        assertThat(seen.header("cf-aig-cache-ttl")).isEqualTo("120");
        assertThat(seen.header("cf-aig-event-id")).isEqualTo("evt-1");
        ExchangeRecord rec = nextRecord();
        assertThat(rec.eventId()).isEqualTo("evt-1");
    }

    /** CXF keeps a builder's properties in its target and hands them to the target's later calls: aigw's must not ride along. */
    @Test
    void aPropertyOnOneCallOfATargetLeavesItsNextCallRouted() throws Exception {
        WebTarget target = client().target(API + "/account");
        target.request().header("Authorization", "Bearer " + replicate.token()).property("aigw.event-id", "evt-1")
                .get().close();
        target.request().header("Authorization", "Bearer " + replicate.token()).get().close();
        assertThat(fakeGateway.requests()).hasSize(2);
        assertThat(nextRecord().eventId()).isEqualTo("evt-1");
        assertThat(nextRecord().via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        assertNoMoreRecords();
    }

    @Test
    void typedCallOptionsWinOverStringProperties() throws Exception {
        api(client(), "/account")
                .property("aigw.cache-ttl", "120")
                .property(AigwFeature.CALL_OPTIONS, CallOptions.builder().cacheTtl(Duration.ofSeconds(300))
                        .metadata("job", 7).build())
                .get().close();
        GatewayRequest seen = lastSeen();
        assertThat(seen.header("cf-aig-cache-ttl")).isEqualTo("300");
        assertThat(parse(seen.header("cf-aig-metadata"))).isEqualTo(parse("{\"job\":7}"));
        nextRecord();
    }

    @Test
    void defaultsFromTheGatewayApplyToEveryCall() throws Exception {
        gateway.close();
        gateway = gatewayBuilder().defaults(CallOptions.builder().collectLogPayload(false).build()).build();
        api(client(), "/account").get().close();
        assertThat(lastSeen().header("cf-aig-collect-log-payload")).isEqualTo("false");
        nextRecord();
    }

    @Test
    void pollsSkipTheCacheAndCreatesDoNot() throws Exception {
        Client c = client();
        com.fasterxml.jackson.databind.JsonNode created = createPrediction(c);
        assertThat(lastSeen().header("cf-aig-skip-cache")).isNull();
        readJson(c.target(created.at("/urls/get").asText()).request()
                .header("Authorization", "Bearer " + replicate.token()).get());
        assertThat(lastSeen().header("cf-aig-skip-cache")).isEqualTo("true");
    }

    @Test
    void aBadRequestPropertyFailsTheCallNamingTheKey() {
        Client c = client();
        assertThatThrownBy(() -> api(c, "/account").property("aigw.cache-ttl", "soon").get())
                .isInstanceOf(ProcessingException.class)
                .hasMessageContaining("aigw.cache-ttl")
                .hasMessageContaining("soon");
        assertThat(fakeGateway.requests()).isEmpty();
    }

    @Test
    void theGatewayCanComeFromClientProperties() throws Exception {
        Client c = track(ClientBuilder.newBuilder()
                .property("aigw.account-id", dev.aigw.testkit.FakeGateway.DEFAULT_ACCOUNT)
                .property("aigw.gateway-id", dev.aigw.testkit.FakeGateway.DEFAULT_GATEWAY)
                .property("aigw.token", CF_TOKEN)
                .property("aigw.base-url", fakeGateway.baseUrl().toString())
                .property("aigw.log", "off")
                .property("aigw.metadata", "{\"app\":\"it\"}")
                .register(AigwFeature.class)
                .build());
        Response r = api(c, "/account").get();
        assertThat(r.getStatus()).isEqualTo(200);
        r.close();
        GatewayRequest seen = lastSeen();
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
        assertThat(parse(seen.header("cf-aig-metadata"))).isEqualTo(parse("{\"app\":\"it\"}"));
    }

    @Test
    void theGatewayTokenNeverAppearsInRecords() throws Exception {
        api(client(), "/account").get().close();
        assertThat(nextRecord().toString()).doesNotContain(CF_TOKEN).doesNotContain(replicate.token());
    }

    @Test
    void aBadClientPropertyFailsNamingTheKeyWithoutShowingTheToken() {
        // RESTEasy configures features at register(), Jersey at the first request: either way it fails
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> api(track(ClientBuilder.newBuilder()
                        .property("aigw.account-id", "not-an-account")
                        .property("aigw.gateway-id", "gw")
                        .property("aigw.token", "secret-token-value")
                        .register(AigwFeature.class)
                        .build()), "/account").get())
                .satisfies(e -> {
                    String all = org.assertj.core.util.Throwables.getStackTrace(e);
                    assertThat(all).contains("aigw.account-id").contains("not-an-account").contains("client property")
                            .doesNotContain("secret-token-value");
                });
        assertThat(fakeGateway.requests()).isEmpty();
    }
}
