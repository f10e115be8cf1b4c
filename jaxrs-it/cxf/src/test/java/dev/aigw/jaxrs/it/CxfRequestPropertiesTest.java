package dev.aigw.jaxrs.it;

import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.WebTarget;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * CXF hands the map of a target's builder properties ({@code Invocation.Builder.property}) to every exchange of the
 * target, so what a filter sets on one call shows in the next. aigw gives each exchange of a client it routes its own
 * copy (its call handle lives there), and leaves other clients as CXF made them.
 */
class CxfRequestPropertiesTest extends GatewayTestBase {

    /** Notes the marker property each call arrives with, then sets it; optionally answers in place of the network. */
    static final class Marker implements ClientRequestFilter {
        final List<Object> seen = Collections.synchronizedList(new ArrayList<>());
        private final boolean answer;

        Marker(boolean answer) {
            this.answer = answer;
        }

        @Override
        public void filter(ClientRequestContext request) {
            seen.add(request.getProperty("test.marker"));
            request.setProperty("test.marker", "set");
            if (answer) {
                request.abortWith(Response.noContent().build());
            }
        }
    }

    private static void twoCallsWithABuilderPropertyOnTheFirst(Client c) {
        WebTarget target = c.target(API + "/account");
        target.request().header("Authorization", "Bearer " + replicate.token()).property("test.other", "1").get().close();
        target.request().header("Authorization", "Bearer " + replicate.token()).get().close();
    }

    @Test
    void eachCallOfARoutedClientHasItsOwnProperties() throws Exception {
        Marker marker = new Marker(false);
        twoCallsWithABuilderPropertyOnTheFirst(client().register(marker, Priorities.USER));
        assertThat(marker.seen).containsExactly(null, null);
        assertThat(fakeGateway.requests()).hasSize(2);
        nextRecord();
        nextRecord();
    }

    @Test
    void aClientAigwDoesNotRouteKeepsCxfsSharedProperties() {
        Marker marker = new Marker(true);
        twoCallsWithABuilderPropertyOnTheFirst(track(ClientBuilder.newBuilder().register(marker, Priorities.USER).build()));
        assertThat(marker.seen).containsExactly(null, "set"); // CXF's own behaviour, untouched
        assertThat(fakeGateway.requests()).isEmpty();
    }
}
