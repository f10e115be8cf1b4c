package dev.aigw.servlet.internal.proxy;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * The client's request body as a {@link Flow.Publisher} for the JDK HTTP client, read with the servlet's
 * non-blocking I/O: a chunk is read only when the upstream asked for one and the container says data is ready, so
 * at most one chunk (plus what the transform holds) is in memory. Chunks pass through a {@link BodyTransform}.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RequestBodyPublisher implements Flow.Publisher<ByteBuffer> {
    private static final int CHUNK = 16 * 1024;

    private static final int NOT_READY = -2;

    private final ServletInputStream in;
    private final ClientIo io;
    private final BodyTransform transform;
    private final Events events;
    private final DrainLoop drain = new DrainLoop(this::step);
    private final ArrayDeque<ByteBuffer> ready = new ArrayDeque<>();
    private Flow.Subscriber<? super ByteBuffer> subscriber;
    private long demand;
    private byte[] spare; // a read buffer not yet filled (not-ready checks allocate nothing)
    private volatile long remaining; // of a body with a Content-Length: read buffers fit it; -1 unknown
    private volatile boolean inputDone;
    private boolean terminated;
    private volatile boolean listening; // read by restFitsDrop on the thread that refuses
    private volatile Throwable error;
    private volatile boolean cancelled;
    private volatile Runnable afterDrop; // set once the call was refused: the rest is read and dropped, then this runs
    private BodyDrop drop; // and dropEnded: step thread only
    private boolean dropEnded;

    /** What the call learns from the body; each is told before the upstream request is failed. */
    public interface Events {
        /** Every chunk handed upstream (for the exchange's accounting). */
        void sent(ByteBuffer b);

        /** The transform refused the body. */
        void refused(Refusal.Refused r);

        /**
         * Reading the client's body failed: it went away. {@code reportedByContainer} tells a container error event
         * from a failure of our own read (which the container reports as an event shortly after).
         */
        void clientFailed(Throwable t, boolean reportedByContainer);
    }

    /** @param length the body's {@code Content-Length}, or -1 */
    RequestBodyPublisher(ServletInputStream in, long length, ClientIo io, BodyTransform transform, Events events) {
        this.in = in;
        this.remaining = length;
        this.io = io;
        this.transform = transform;
        this.events = events;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> s) {
        synchronized (this) {
            if (subscriber != null) {
                s.onSubscribe(new Flow.Subscription() {
                    @Override
                    public void request(long n) {
                    }

                    @Override
                    public void cancel() {
                    }
                });
                s.onError(new IllegalStateException("the request body can be sent once only"));
                return;
            }
            subscriber = s;
        }
        s.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                if (n <= 0) {
                    fail(new IllegalArgumentException("non-positive demand"));
                    return;
                }
                synchronized (RequestBodyPublisher.this) {
                    demand = demand + n < 0 ? Long.MAX_VALUE : demand + n;
                }
                drain.signal();
            }

            @Override
            public void cancel() {
                cancelled = true;
            }
        });
        drain.signal();
    }

    /**
     * Registers the read listener; call on the container thread that started async processing, before the upstream
     * call starts (containers differ in what they allow from other threads).
     */
    public void listen() {
        listening = true;
        in.setReadListener(new Listener());
    }

    /** Whether the rest of the body, not read yet, is small enough to read and drop after a refusal. */
    boolean restFitsDrop() {
        return listening && !inputDone && BodyDrop.fits(remaining);
    }

    /**
     * After a refusal: reads and drops the rest of the body, however the upstream call ended, then runs {@code then}
     * once (also when the client leaves or the guard closes first).
     */
    void dropRestThen(Runnable then) {
        afterDrop = then;
        drain.signal();
    }

    /** Aborts the body (client went away, or the call was cancelled). */
    public void fail(Throwable t) {
        error = t;
        drain.signal();
    }

    private void step() {
        if (afterDrop != null) {
            dropStep();
            return;
        }
        while (true) {
            if (terminated || cancelled || subscriber == null) {
                return;
            }
            Throwable e = error;
            if (e != null) {
                terminated = true;
                subscriber.onError(e);
                return;
            }
            boolean haveDemand;
            synchronized (this) {
                haveDemand = demand > 0;
            }
            if (!ready.isEmpty()) {
                if (!haveDemand) {
                    return;
                }
                ByteBuffer b = ready.poll();
                synchronized (this) {
                    demand--;
                }
                events.sent(b);
                subscriber.onNext(b);
                continue;
            }
            if (inputDone) {
                terminated = true;
                subscriber.onComplete();
                return;
            }
            if (!haveDemand || !listening) {
                return;
            }
            try {
                if (spare == null) {
                    // a small body gets a buffer of its size, not a whole chunk's
                    spare = new byte[remaining > 0 ? (int) Math.min(CHUNK, remaining) : remaining == 0 ? 256 : CHUNK];
                }
                byte[] buf = spare;
                Integer n = io.run(() -> in.isFinished() ? -1 : in.isReady() ? in.read(buf) : NOT_READY);
                if (n == null || n == NOT_READY) {
                    return; // closed, or onDataAvailable follows
                }
                if (n < 0) {
                    endOfInput();
                    continue;
                }
                if (n > 0) {
                    spare = null; // handed upstream with the chunk
                    remaining = remaining < 0 ? -1 : Math.max(0, remaining - n);
                    ready.addAll(transform.apply(ByteBuffer.wrap(buf, 0, n)));
                }
            } catch (Refusal.Refused r) {
                events.refused(r);
                error = r;
            } catch (IOException | RuntimeException ex) {
                events.clientFailed(ex, false);
                error = ex;
            }
        }
    }

    private void dropStep() {
        if (dropEnded) {
            return;
        }
        if (drop == null) {
            drop = new BodyDrop(in);
        }
        try {
            Boolean more = io.run(() -> !drop.dropReady() && !in.isFinished());
            if (more != null && more) {
                return; // onDataAvailable or onAllDataRead follows
            }
        } catch (IOException | RuntimeException clientGone) {
            // nothing more to read
        }
        dropEnded = true;
        afterDrop.run();
    }

    private void endOfInput() {
        if (inputDone) {
            return;
        }
        try {
            List<ByteBuffer> rest = transform.finish();
            ready.addAll(rest);
            inputDone = true;
        } catch (Refusal.Refused r) {
            events.refused(r);
            error = r;
        }
    }

    private final class Listener implements ReadListener {
        @Override
        public void onDataAvailable() {
            drain.signal();
        }

        @Override
        public void onAllDataRead() {
            drain.signal();
        }

        @Override
        public void onError(Throwable t) {
            events.clientFailed(t, true);
            fail(t);
        }
    }
}
