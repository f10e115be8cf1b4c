package dev.aigw.servlet.internal.proxy;

import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.WriteListener;

import java.io.IOException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What the container reports about one proxied request's client, passed on to its {@link ProxyCall}: the response
 * takes more output (the answer's writer goes on, or a problem of our own waiting for it), the client failed or the
 * container timed the request out (the client is gone, and the call completes inside the event, as Tomcat expects),
 * or the request completed (its place under the caps and its deadlines are given up). Registered by the call on the
 * container thread that started async processing, as the Servlet API asks.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ClientEvents implements AsyncListener, WriteListener {
    private final ClientEnd client;
    private final CallDeadlines deadlines;
    private final Supplier<ResponseWriter> writer; // the call's, once the answer's head arrived
    private final Consumer<Throwable> gone; // the client went away, reported by the container

    ClientEvents(ClientEnd client, CallDeadlines deadlines, Supplier<ResponseWriter> writer, Consumer<Throwable> gone) {
        this.client = client;
        this.deadlines = deadlines;
        this.writer = writer;
        this.gone = gone;
    }

    @Override
    public void onComplete(AsyncEvent event) {
        client.freePlace();
        deadlines.completed();
    }

    @Override
    public void onTimeout(AsyncEvent event) {
        gone.accept(new IOException("async timeout"));
    }

    @Override
    public void onError(AsyncEvent event) {
        gone.accept(event.getThrowable() == null ? new IOException("client error") : event.getThrowable());
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
    }

    @Override
    public void onWritePossible() {
        ResponseWriter w = writer.get();
        if (w != null) {
            w.writePossible();
        }
        client.writeProblemIfReady();
    }

    @Override
    public void onError(Throwable t) {
        gone.accept(t);
    }
}
