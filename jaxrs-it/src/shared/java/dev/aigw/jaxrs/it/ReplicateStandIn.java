package dev.aigw.jaxrs.it;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Stands in for Replicate in fallback tests (which reach only loopback): registered after aigw's
 * filter, it answers what still goes to api.replicate.com with a created prediction, and keeps
 * what it saw.
 */
final class ReplicateStandIn implements ClientRequestFilter {
    /** The requests answered here. */
    final List<ClientRequestContext> requests = new CopyOnWriteArrayList<>();
    /** Per answered request: its {@code cf-aig-authorization} and {@code Authorization} headers. */
    final List<String> auth = new CopyOnWriteArrayList<>();

    @Override
    public void filter(ClientRequestContext request) {
        if ("api.replicate.com".equals(request.getUri().getHost())) {
            requests.add(request);
            auth.add(request.getHeaderString("cf-aig-authorization") + " " + request.getHeaderString("Authorization"));
            String body = "{\"id\":\"direct-1\",\"model\":\"acme/echo\",\"status\":\"starting\"}";
            // a stream, as from the network (RESTEasy buffers any other entity of an aborted response); CXF shows
            // response filters the entity of an aborted response only when it is a String or a number
            Object entity = Stack.cxf() ? body : new ByteArrayInputStream(body.getBytes(StandardCharsets.UTF_8));
            request.abortWith(Response.status(201).type(MediaType.APPLICATION_JSON_TYPE).entity(entity).build());
        }
    }
}
