package dev.aigw.servlet.internal.proxy;

import org.eclipse.jetty.client.Response;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.thread.Invocable;

import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Flow;
import java.util.function.BiConsumer;

/**
 * One call's exchange on Jetty's client, for {@link JettyUpstream}: the response's head goes to the listener, its body
 * to the subscriber the listener returns, read from Jetty's content source one chunk per {@link #request}; a failure
 * of the exchange reaches the listener (before the head) or the subscriber. A chunk handed on is released at the
 * next request, which the response writer makes only once the container accepted the previous write; on cancel it
 * is left to the garbage collector, since a write of it may still be under way.
 *
 * <p>Internal: not API, may change in any release.
 */
final class JettyExchange implements Response.ContentSourceListener, Flow.Subscription {
    private final Upstream.Listener listener;
    private final Runnable onAvailable = Invocable.from(Invocable.InvocationType.NON_BLOCKING, this::readNext);
    volatile boolean begun;
    private volatile Response response;
    private volatile Content.Source source;
    private volatile Flow.Subscriber<List<ByteBuffer>> subscriber;
    private volatile Content.Chunk held; // handed on, not yet released
    private volatile boolean last;
    private volatile boolean terminated;

    JettyExchange(Upstream.Listener listener) {
        this.listener = listener;
    }

    @Override
    public void onContentSource(Response resp, Content.Source contentSource) {
        response = resp;
        source = contentSource;
        Flow.Subscriber<List<ByteBuffer>> s = listener.head(new JettyHead(resp));
        if (s == null) {
            resp.abort(new CancellationException("the proxy call ended before the answer"));
            return;
        }
        subscriber = s;
        s.onSubscribe(this);
    }

    @Override
    public void request(long n) {
        Content.Chunk done = held;
        held = null;
        if (done != null) {
            done.release();
        }
        if (last) {
            terminate(null);
            return;
        }
        readNext();
    }

    private void readNext() {
        Content.Source src = source;
        while (!terminated) {
            Content.Chunk c = src.read();
            if (c == null) {
                src.demand(onAvailable);
                return;
            }
            if (Content.Chunk.isFailure(c)) {
                terminate(plain(c.getFailure()));
                return;
            }
            if (c.hasRemaining()) {
                held = c;
                last = c.isLast();
                subscriber.onNext(List.of(c.getByteBuffer()));
                return; // the next request releases it
            }
            c.release();
            if (c.isLast()) {
                terminate(null);
                return;
            }
        }
    }

    @Override
    public void cancel() {
        terminated = true;
        Response r = response;
        if (r != null) {
            r.abort(new CancellationException("the proxy call ended"));
        }
    }

    /** The exchange ended (the request and the response). */
    void completed(Result result) {
        if (!result.isFailed()) {
            return; // the body's end was read from the content source
        }
        Throwable t = plain(result.getFailure());
        if (subscriber == null) {
            listener.failed(begun ? t : notSent(t));
        } else {
            terminate(t);
        }
    }

    /** Ends the body once: completed ({@code failure} null) or failed. */
    private void terminate(Throwable failure) {
        synchronized (this) {
            if (terminated) {
                return;
            }
            terminated = true;
        }
        if (failure == null) {
            subscriber.onComplete();
        } else {
            subscriber.onError(failure);
        }
    }

    /**
     * A failure as records and logs should show it: Jetty's I/O exceptions describe its connection objects at
     * length ({@code HttpConnectionOverHTTP@...::SocketChannelEndPoint@...}), cause included: what happened is
     * said briefly instead.
     */
    private static Throwable plain(Throwable t) {
        if (t instanceof EOFException) {
            return new IOException("the gateway closed the connection before the answer ended (EOFException)");
        }
        String m = t.getMessage();
        if (t instanceof IOException && !(t instanceof ConnectException) && m != null
                && (m.indexOf('@') >= 0 || m.length() > 160)) {
            return new IOException("the connection to the gateway failed (" + t.getClass().getSimpleName() + ")");
        }
        return t;
    }

    /** Failed before the request began: no byte of it was sent (connect failure or timeout). */
    private static Throwable notSent(Throwable t) {
        if (t instanceof ConnectException) {
            return t;
        }
        ConnectException c = new ConnectException("the gateway could not be reached: " + t);
        c.initCause(t);
        return c;
    }

    /** The head, its fields taken once: Jetty's response makes an immutable copy of them at each look. */
    private record JettyHead(int status, HttpFields fields) implements Upstream.Head {
        JettyHead(Response response) {
            this(response.getStatus(), response.getHeaders());
        }

        @Override
        public String first(String name) {
            return fields.get(name);
        }

        @Override
        public List<String> all(String name) {
            return fields.getValuesList(name);
        }

        @Override
        public void forEach(BiConsumer<String, String> field) {
            for (HttpField f : fields) {
                field.accept(f.getName(), f.getValue());
            }
        }
    }
}
