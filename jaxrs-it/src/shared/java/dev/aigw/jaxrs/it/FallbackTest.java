package dev.aigw.jaxrs.it;

import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.RecordedRequest;
import jakarta.annotation.Priority;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.net.URI;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * {@code aigw.fallback}: a call that could not connect to the gateway is resent to Replicate directly; a gateway
 * that answered, or may have seen the request, is never bypassed. Tests reach only loopback, so "Replicate" here is a filter that answers requests
 * for {@code api.replicate.com} itself.
 */
class FallbackTest extends GatewayTestBase {
    private final ReplicateStandIn standIn = new ReplicateStandIn();

    private Client clientWith(Gateway g) {
        return clientFor(g).register(standIn, AigwFeature.PRIORITY + 1);
    }

    @Test
    void anUnreachableGatewayFallsBackToReplicateAndTheRecordSaysDirect() throws Exception {
        try (Gateway g = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").fallback(true).build()) {
            Response r = api(clientWith(g), "/models/acme/echo/predictions").post(json("{\"input\":{}}"));
            assertThat(r.getStatus()).isEqualTo(201);
            assertThat(r.readEntity(String.class)).contains("direct-1");
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(rec.routedUrl()).isNull();
            assertThat(rec.httpStatus()).isEqualTo(201);
            assertThat(rec.predictionId()).isEqualTo("direct-1");
            assertThat(standIn.auth).containsExactly("null Bearer " + replicate.token());
            assertNoMoreRecords();
        }
    }

    @Test
    void theDirectResendGoesOverTheNetworkAndATypedReadGetsItsAnswer() throws Exception {
        try (Gateway g = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").fallback(true).build()) {
            Client c = clientFor(g).register(new ReplicateAt(replicate.baseUrl()), AigwFeature.PRIORITY + 1);
            String created = api(c, "/models/acme/echo/predictions").post(json("{\"input\":{\"prompt\":\"hi\"}}"),
                    String.class);
            String id = parse(created).get("id").asText();
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
            assertThat(rec.httpStatus()).isEqualTo(201);
            assertThat(rec.predictionId()).isEqualTo(id);
            RecordedRequest seen = replicate.requests().get(replicate.requests().size() - 1);
            assertThat(seen.path()).endsWith("/models/acme/echo/predictions");
            assertThat(seen.header("Authorization")).isEqualTo("Bearer " + replicate.token());
            assertThat(seen.headers().keySet()).noneMatch(h -> h.toLowerCase(java.util.Locale.ROOT).startsWith("cf-aig-"));
            assertThat(parse(seen.bodyAsString())).isEqualTo(parse("{\"input\":{\"prompt\":\"hi\"}}"));
            assertThat(fakeGateway.requests()).isEmpty();
            assertNoMoreRecords();
        }
    }

    @Test
    void aResendThatFailsToo() throws Exception {
        try (Gateway g = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").fallback(true).build()) {
            Client c = clientFor(g).register(new ReplicateAt(URI.create("http://127.0.0.1:" + closedPort() + "/v1")),
                    AigwFeature.PRIORITY + 1);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> api(c, "/account").get())
                    .isInstanceOf(jakarta.ws.rs.ProcessingException.class);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
            assertThat(rec.error()).contains("ConnectException");
            assertNoMoreRecords(); // one record, and no third attempt
        }
    }

    @Test
    void withoutFallbackTheFailureIsRecordedAndThrown() throws Exception {
        assumeThat(Stack.reportsTransportFailures()).as("the stack reports transport failures to a hook").isTrue();
        try (Gateway g = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").build()) {
            Client c = clientWith(g);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> api(c, "/account").get())
                    .isInstanceOf(jakarta.ws.rs.ProcessingException.class);
            assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
            assertThat(standIn.requests).isEmpty();
        }
    }

    @Test
    void aGatewayThatAnsweredIsNeverBypassed() throws Exception {
        fakeGateway.faults().next(1).status(502);
        try (Gateway g = gatewayBuilder().fallback(true).build()) {
            Response r = api(clientWith(g), "/account").get();
            assertThat(r.getStatus()).isEqualTo(502);
            r.close(); // the status checked, the body left unread: still the gateway's error
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.HTTP_ERROR);
            assertThat(standIn.requests).isEmpty();
        }
    }

    @Test
    void aConnectionResetByTheGatewayIsNeverResent() throws Exception {
        assumeThat(Stack.reportsTransportFailures()).as("the stack reports transport failures to a hook").isTrue();
        // more resets than any client retries a GET by itself: HttpURLConnection once, RESTEasy's Apache engine 3 times,
        // the JDK's HttpClient (CXF 4's conduit) up to 4 times when it takes a reset on a pooled connection for one that
        // had expired (its default limit is 5 attempts): 4 resets passed there when enough pooled connections were left
        fakeGateway.faults().next(8).resetBeforeFirstByte();
        try (Gateway g = gatewayBuilder().fallback(true).build()) {
            Client c = clientWith(g);
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> api(c, "/account").get())
                    .isInstanceOf(jakarta.ws.rs.ProcessingException.class);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(standIn.requests).isEmpty(); // it may have reached the gateway: no second attempt
            assertNoMoreRecords();
        } finally {
            fakeGateway.faults().clear();
        }
    }

    /**
     * After aigw's filter: sends what still goes to api.replicate.com to another API root on loopback (the fake
     * Replicate, or a closed port), so that a direct resend travels the client's transport as it would to Replicate.
     */
    @Priority(AigwFeature.PRIORITY + 1)
    static final class ReplicateAt implements ClientRequestFilter {
        private final URI root;

        ReplicateAt(URI root) {
            this.root = root;
        }

        @Override
        public void filter(ClientRequestContext request) {
            URI u = request.getUri();
            if ("api.replicate.com".equals(u.getHost())) {
                request.setUri(URI.create(root + u.getRawPath().substring("/v1".length())
                        + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery())));
            }
        }
    }
}
