package dev.aigw.samples;

import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.Sse;
import jakarta.ws.rs.sse.SseBroadcaster;
import jakarta.ws.rs.sse.SseEventSink;

/** Every open page's event stream of calls: one broadcaster, fed by the app's {@link RecentCalls}. */
final class CallEvents implements AutoCloseable {
    private final RecentCalls calls;
    private SseBroadcaster broadcaster;
    private RecentCalls.Subscription subscription;
    private boolean closed;

    CallEvents(RecentCalls calls) {
        this.calls = calls;
    }

    /** Adds a page's stream; the broadcaster is made on first use, when JAX-RS hands out its {@link Sse}. */
    synchronized void register(SseEventSink sink, Sse sse) {
        if (closed) {
            sink.close();
            return;
        }
        if (broadcaster == null) {
            SseBroadcaster b = sse.newBroadcaster();
            subscription = calls.subscribe(call -> b.broadcast(sse.newEventBuilder().name("call")
                    .id(Long.toString(call.seq())).mediaType(MediaType.APPLICATION_JSON_TYPE)
                    .data(String.class, Json.write(call)).build()));
            broadcaster = b;
        }
        broadcaster.register(sink);
    }

    /** Ends every open stream, so that the container can stop without waiting for the pages. */
    @Override
    public synchronized void close() {
        closed = true;
        if (subscription != null) {
            subscription.close();
        }
        if (broadcaster != null) {
            broadcaster.close();
        }
    }
}
