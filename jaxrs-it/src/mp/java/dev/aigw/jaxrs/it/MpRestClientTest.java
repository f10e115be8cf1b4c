package dev.aigw.jaxrs.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.CallOptions;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.GatewayContext;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.RestClientBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * MicroProfile Rest Client: a typed interface for Replicate ({@link ReplicateApi}), built with
 * {@code RestClientBuilder} as an application builds it, is routed with no aigw code: the
 * implementation's JAX-RS client activates aigw by itself (RESTEasy's built-in providers, Jersey's
 * auto-discovery). Run by the mp-resteasy and mp-jersey modules.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the calls inside
class MpRestClientTest extends GatewayTestBase {
    private final List<AutoCloseable> apis = new ArrayList<>();

    @AfterEach
    void closeApis() throws Exception {
        for (AutoCloseable api : apis) {
            api.close();
        }
    }

    private String auth() {
        return "Bearer " + replicate.token();
    }

    /** The interface with nothing but the gateway (as the typed client property, for the records) configured. */
    private ReplicateApi api(RestClientBuilder builder) {
        ReplicateApi api = builder.baseUri(URI.create(ReplicateApi.BASE)).build(ReplicateApi.class);
        apis.add((AutoCloseable) api);
        return api;
    }

    private ReplicateApi api() {
        return api(RestClientBuilder.newBuilder().property(AigwFeature.GATEWAY, gateway));
    }

    @Test
    void typedCallsAreRoutedAndRecordedWithoutRegistration() throws Exception {
        ReplicateApi api = api();
        String body = "{\"input\":{\"prompt\":\"hi\"}}";
        JsonNode created;
        try (Response r = api.createPrediction(auth(), "acme", "echo", body)) {
            assertThat(r.getStatus()).isEqualTo(201);
            created = parse(r.readEntity(String.class));
        }
        ExchangeRecord create = nextRecord();
        assertThat(create.url()).isEqualTo(API + "/models/acme/echo/predictions");
        assertThat(create.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        assertThat(create.model()).isEqualTo("acme/echo");
        assertThat(create.predictionId()).isEqualTo(created.get("id").asText());
        assertThat(create.bytesSent()).isEqualTo(body.length());

        String id = created.get("id").asText();
        assertThat(parse(api.prediction(auth(), id)).get("id").asText()).isEqualTo(id);
        assertThat(nextRecord().predictionId()).isEqualTo(id);
        try (Response cancelled = api.cancel(auth(), id)) {
            assertThat(cancelled.getStatus()).isLessThan(500);
        }
        nextRecord();
        assertThat(api.account(auth())).contains("username");
        assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);

        List<GatewayRequest> seen = fakeGateway.requests();
        assertThat(seen).extracting(g -> g.request().method() + " " + g.providerPath()).containsExactly(
                "POST /models/acme/echo/predictions", "GET /predictions/" + id,
                "POST /predictions/" + id + "/cancel", "GET /account");
        assertThat(seen).allSatisfy(g -> {
            assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
            assertThat(g.header("Authorization")).isEqualTo(auth());
        });
        assertThat(seen.get(0).header("cf-aig-skip-cache")).isNull();
        assertThat(seen.get(1).header("cf-aig-skip-cache")).isEqualTo("true"); // a poll
        assertThat(replicate.requests()).hasSize(4);
        assertNoMoreRecords();
    }

    @Test
    void anErrorStatusMappedToAnExceptionIsRecorded() throws Exception {
        Throwable e = catchThrowable(() -> api().prediction(auth(), "doesnotexist"));
        assertThat(e).isInstanceOf(WebApplicationException.class);
        assertThat(((WebApplicationException) e).getResponse().getStatus()).isEqualTo(404);
        if (Stack.leavesErrorResponsesOpen()) {
            ((WebApplicationException) e).getResponse().close(); // recorded at close (or when collected): README
        }
        ExchangeRecord rec = nextRecord();
        // left open and closed unread, an error answer is still the error (ARCHITECTURE.md RATIONALE: early close)
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.HTTP_ERROR);
        assertThat(rec.httpStatus()).isEqualTo(404);
        assertNoMoreRecords();
    }

    @Test
    void asyncMethodsAreRoutedAndCarryTheCallersContext() throws Exception {
        ReplicateApi api = api();
        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", "mp-1").build())) {
            assertThat(api.accountAsync(auth()).toCompletableFuture().get(10, TimeUnit.SECONDS)).contains("username");
        }
        assertThat(parse(fakeGateway.requests().get(0).header("cf-aig-metadata"))).isEqualTo(parse("{\"user\":\"mp-1\"}"));
        assertThat(nextRecord().metadata()).isEqualTo(Map.of("user", "mp-1"));
        assertNoMoreRecords();
    }

    @Test
    void registeringTheFeatureOnTheBuilderRoutesOnce() throws Exception {
        ReplicateApi api = api(RestClientBuilder.newBuilder().register(new AigwFeature(gateway)));
        assertThat(api.account(auth())).contains("username");
        assertThat(fakeGateway.requests()).singleElement().satisfies(g -> assertThat(g.request().headers().entrySet())
                .filteredOn(h -> h.getKey().equalsIgnoreCase("cf-aig-authorization"))
                .singleElement().satisfies(h -> assertThat(h.getValue()).containsExactly("Bearer " + CF_TOKEN)));
        nextRecord();
        assertNoMoreRecords();
    }

    /** Fallback is the underlying client's: Jersey's and RESTEasy's resend through the same client. */
    @Test
    void anUnreachableGatewayFallsBack() throws Exception {
        ReplicateStandIn standIn = new ReplicateStandIn();
        try (Gateway g = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").fallback(true).build()) {
            ReplicateApi api = api(RestClientBuilder.newBuilder().property(AigwFeature.GATEWAY, g)
                    .register(standIn, AigwFeature.PRIORITY + 1));
            try (Response r = api.createPrediction(auth(), "acme", "echo", "{\"input\":{}}")) {
                assertThat(r.getStatus()).isEqualTo(201);
                assertThat(r.readEntity(String.class)).contains("direct-1");
            }
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(rec.predictionId()).isEqualTo("direct-1");
            assertThat(standIn.auth).containsExactly("null " + auth());
            assertNoMoreRecords();
        }
    }

    /**
     * {@code followRedirects(true)} (MicroProfile Rest Client 2.0): nothing reaches another origin. Jersey's client
     * follows no redirect for the routed request (the 302 is the answer); RESTEasy's engine would, so the call is
     * refused before it is sent.
     */
    @Test
    void aClientBuiltToFollowRedirectsSendsNothingToAnotherOrigin() throws Exception {
        fakeGateway.faults().next(1).redirect(302, replicate.baseUrl() + "/account");
        try {
            ReplicateApi api = api(RestClientBuilder.newBuilder().property(AigwFeature.GATEWAY, gateway)
                    .followRedirects(true));
            Throwable t = catchThrowable(() -> api.account(auth()));
            ExchangeRecord rec = nextRecord();
            if (Stack.NAME.equals("mp-resteasy")) {
                assertThat(t).isInstanceOf(ProcessingException.class).hasMessageContaining("follows redirects");
                assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
            } else {
                assertThat(rec.httpStatus()).isEqualTo(302);
            }
            assertThat(replicate.requests()).isEmpty();
            assertNoMoreRecords();
        } finally {
            fakeGateway.faults().clear();
        }
    }

    @Test
    void aPlainMpClientInAJvmWithOnlyTheEnvironmentSetIsRouted() throws Exception {
        assertRoutedInAChildJvm(PlainMpClientMain.class);
    }
}
