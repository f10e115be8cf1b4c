package dev.aigw.jaxrs.it;

import dev.aigw.ExchangeRecord;
import dev.aigw.ExchangeRecord.Outcome;
import dev.aigw.Gateway;
import dev.aigw.jaxrs.AigwFeature;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import org.apache.http.client.config.RequestConfig;
import org.apache.http.impl.nio.client.CloseableHttpAsyncClient;
import org.apache.http.impl.nio.client.HttpAsyncClients;
import org.jboss.resteasy.client.jaxrs.ClientHttpEngine;
import org.jboss.resteasy.client.jaxrs.ResteasyClientBuilder;
import org.jboss.resteasy.client.jaxrs.engines.ApacheHttpAsyncClient4Engine;
import org.jboss.resteasy.client.jaxrs.engines.URLConnectionEngine;
import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * RESTEasy engines other than the default. aigw sends a routed call through the client's engine itself, except where
 * an asynchronous engine has a send of its own for async calls; an engine that follows redirects, or does not say, is
 * refused.
 */
class ResteasyEnginesTest extends GatewayTestBase {

    private Client clientWith(Gateway g, ClientHttpEngine engine) {
        ResteasyClientBuilder b = (ResteasyClientBuilder) ClientBuilder.newBuilder().property(AigwFeature.GATEWAY, g);
        return track(b.httpEngine(engine).build());
    }

    /**
     * An asynchronous Apache engine the application built not to follow redirects, and which says so: it keeps its
     * own send (no thread is blocked by aigw).
     */
    private static ClientHttpEngine asyncEngineFollowingNoRedirect() {
        CloseableHttpAsyncClient http = HttpAsyncClients.custom()
                .setDefaultRequestConfig(RequestConfig.custom().setRedirectsEnabled(false).build()).build();
        return new ApacheHttpAsyncClient4Engine(http, true) {
            @Override
            public boolean isFollowRedirects() {
                return false;
            }
        };
    }

    /**
     * {@code useAsyncHttpEngine()}'s engine follows redirects and does not say so ({@code isFollowRedirects} throws):
     * refused before anything is sent, with the reason.
     */
    @Test
    void anEngineThatDoesNotSayWhetherItFollowsRedirectsIsRefused() throws Exception {
        ResteasyClientBuilder b = (ResteasyClientBuilder) ClientBuilder.newBuilder().property(AigwFeature.GATEWAY, gateway);
        Client c = track(b.useAsyncHttpEngine().build());
        assertThatThrownBy(() -> api(c, "/account").async().get().get(10, TimeUnit.SECONDS))
                .hasCauseInstanceOf(ProcessingException.class)
                .hasMessageContaining("does not say whether it follows redirects");
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(rec.error()).contains("ApacheHttpAsyncClient4Engine").doesNotContain(CF_TOKEN);
        assertThat(fakeGateway.requests()).isEmpty();
        assertNoMoreRecords();
    }

    @Test
    void anAsyncEngineThatFollowsNoRedirectIsRoutedAndRecorded() throws Exception {
        Client c = clientWith(gateway, asyncEngineFollowingNoRedirect());
        try (Response r = api(c, "/account").async().get().get(10, TimeUnit.SECONDS)) {
            assertThat(r.getStatus()).isEqualTo(200);
            assertThat(r.readEntity(String.class)).contains("username");
        }
        assertThat(fakeGateway.requests()).singleElement()
                .satisfies(g -> assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN));
        assertThat(nextRecord().outcome()).isEqualTo(Outcome.SUCCESS);
        assertNoMoreRecords();
    }

    /** Documented limit: an async engine's failed send reaches no hook; the unanswered call is recorded when collected. */
    @Test
    void anAsyncEnginesTransportFailureIsRecordedWhenTheCallIsCollected() throws Exception {
        try (Gateway unreachable = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").build()) {
            Client c = clientWith(unreachable, asyncEngineFollowingNoRedirect());
            assertThatThrownBy(() -> api(c, "/account").async().get().get(10, TimeUnit.SECONDS))
                    .hasRootCauseInstanceOf(java.net.ConnectException.class);
            ExchangeRecord rec = null;
            for (int i = 0; i < 100 && rec == null; i++) {
                System.gc();
                rec = records.poll(100, TimeUnit.MILLISECONDS);
            }
            assertThat(rec).as("record of the failed call").isNotNull();
            assertThat(rec.outcome()).isEqualTo(Outcome.FAILURE);
            assertThat(rec.httpStatus()).isZero();
            assertNoMoreRecords();
        }
    }

    /** RESTEasy's URLConnectionEngine follows every GET's redirects, whatever its setting says: refused, named. */
    @Test
    void theUrlConnectionEngineIsRefusedForGetsAndServesTheRest() throws Exception {
        Client c = clientWith(gateway, new URLConnectionEngine());
        assertThatThrownBy(() -> api(c, "/account").get()).isInstanceOf(ProcessingException.class)
                .hasMessageContaining("URLConnectionEngine follows the redirects of every GET");
        ExchangeRecord refused = nextRecord();
        assertThat(refused.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(refused.error()).doesNotContain(CF_TOKEN);
        assertThat(fakeGateway.requests()).isEmpty();

        assertThat(createPrediction(c).get("id").asText()).isNotEmpty(); // a POST goes through it
        assertThat(fakeGateway.requests()).singleElement()
                .satisfies(g -> assertThat(g.providerPath()).isEqualTo("/predictions"));
        assertThat(nextRecord().httpStatus()).isEqualTo(201);
        assertNoMoreRecords();
    }
}
