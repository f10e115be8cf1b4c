package dev.aigw.samples;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseEventSink;

/** The recent calls for the page: a JSON snapshot, then one server-sent event per new call. */
@Path("api/calls")
public final class CallsResource {
    private final RecentCalls calls;
    private final CallEvents events;

    @Inject
    public CallsResource(RecentCalls calls, CallEvents events) {
        this.calls = calls;
        this.events = events;
    }

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public String recent() {
        return Json.write(calls.snapshot());
    }

    @GET
    @Path("events")
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public void events(@Context SseEventSink sink, @Context Sse sse) {
        events.register(sink, sse);
    }
}
