package dev.aigw.jaxrs.it;

import dev.aigw.ExchangeRecord;
import dev.aigw.ExchangeRecord.Outcome;
import dev.aigw.jaxrs.AigwFeature;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A routed call follows no redirect. The request to the gateway carries {@code cf-aig-authorization} and the
 * caller's Replicate token; a client that follows a redirect sends its request's headers again, to wherever the
 * redirect points (another host included). Here the fake gateway redirects to another loopback origin (the fake
 * Replicate's port), which must receive nothing.
 */
class RedirectTest extends GatewayTestBase {

    @AfterEach
    void clearFaults() {
        fakeGateway.faults().clear();
    }

    private static String elsewhere() {
        return replicate.baseUrl() + "/account";
    }

    /** With the stack's defaults (Jersey's follow redirects, RESTEasy's and CXF's do not): the caller gets the 3xx. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(ints = {301, 302, 303, 307, 308})
    void aRedirectFromTheGatewayReachesTheCallerUnfollowed(int status) throws Exception {
        fakeGateway.faults().next(1).redirect(status, elsewhere());
        Response r = api(client(), "/account").get();
        assertThat(r.getStatus()).isEqualTo(status);
        assertThat(r.getHeaderString("Location")).isEqualTo(elsewhere());
        r.close();
        assertThat(replicate.requests()).isEmpty();
        ExchangeRecord rec = nextRecord();
        assertThat(rec.httpStatus()).isEqualTo(status);
        assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        assertNoMoreRecords();
    }

    /** A 307 keeps the method and the body: a create must not be run elsewhere either. */
    @Test
    void aCreateRedirectedWith307IsNotSentElsewhere() throws Exception {
        fakeGateway.faults().next(1).redirect(307, replicate.baseUrl() + "/predictions");
        Response r = api(client(), "/predictions").post(json("{\"version\":\"x\",\"input\":{}}"));
        assertThat(r.getStatus()).isEqualTo(307);
        r.close();
        assertThat(replicate.requests()).isEmpty();
        assertThat(nextRecord().httpStatus()).isEqualTo(307);
    }

    /**
     * The application turned following on, the stack's way. Jersey: aigw turns it off for the routed request (the
     * caller gets the 302). RESTEasy: following is a setting of the client's engine, which one request cannot change:
     * the routed call is refused before it is sent, naming the setting. CXF: aigw allows no redirect target for the
     * routed request, so CXF fails the call instead of following.
     */
    @Test
    void aClientThatFollowsRedirectsSendsNothingToAnotherOrigin() throws Exception {
        fakeGateway.faults().next(1).redirect(302, elsewhere());
        ClientBuilder b = ClientBuilder.newBuilder().property(AigwFeature.GATEWAY, gateway);
        b.property(Stack.jersey() ? "jersey.config.client.followRedirects"
                : Stack.resteasy() ? "dev.resteasy.client.follow.redirects" : "http.autoredirect", true);
        Client c = track(Stack.activatesWithoutRegistration() ? b.build() : b.register(AigwFeature.class).build());
        Invocation call = api(c, "/account").buildGet();
        if (Stack.jersey()) {
            Response r = call.invoke();
            assertThat(r.getStatus()).isEqualTo(302);
            r.close();
            assertThat(nextRecord().httpStatus()).isEqualTo(302);
        } else {
            assertThatThrownBy(call::invoke).isInstanceOf(ProcessingException.class)
                    .satisfies(e -> assertThat(messages(e)).containsIgnoringCase("redirect"));
            ExchangeRecord rec = nextRecord();
            assertThat(rec.outcome()).isEqualTo(Outcome.FAILURE);
            assertThat(rec.error()).containsIgnoringCase("redirect");
            if (Stack.resteasy()) {
                assertThat(fakeGateway.requests()).as("refused before it was sent").isEmpty();
                fakeGateway.faults().clear();
            }
        }
        assertThat(replicate.requests()).isEmpty();
        assertNoMoreRecords();
    }

    private static String messages(Throwable t) {
        StringBuilder sb = new StringBuilder();
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            sb.append(c.getMessage()).append(" / ");
        }
        return sb.toString();
    }
}
