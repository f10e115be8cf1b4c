package dev.aigw.servlet.internal;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The client's request body as a {@link Flow.Publisher} for the JDK HTTP client, read with the servlet's
 * non-blocking I/O: a chunk is read only when the upstream asked for one and the container says data is ready, so
 * at most one chunk (plus what the transform holds) is in memory. Chunks pass through a {@link BodyTransform}.
 */
public final class RequestBodyPublisher implements Flow.Publisher<ByteBuffer> {
    private static final int CHUNK = 16 * 1024;

    private final ServletInputStream in;
    private final BodyTransform transform;
    private final Consumer<ByteBuffer> sent;
    private final Consumer<Throwable> refused;
    private final AtomicInteger wip = new AtomicInteger();
    private final ArrayDeque<ByteBuffer> ready = new ArrayDeque<>();
    private Flow.Subscriber<? super ByteBuffer> subscriber;
    private long demand;
    private boolean inputDone;
    private boolean terminated;
    private boolean listening;
    private volatile Throwable error;
    private volatile boolean cancelled;

    /**
     * @param sent    sees every chunk handed upstream (for the exchange's accounting)
     * @param refused told when the transform refused the body (before the upstream is failed)
     */
    public RequestBodyPublisher(ServletInputStream in, BodyTransform transform, Consumer<ByteBuffer> sent,
                                Consumer<Throwable> refused) {
        this.in = in;
        this.transform = transform;
        this.sent = sent;
        this.refused = refused;
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
                drain();
            }

            @Override
            public void cancel() {
                cancelled = true;
            }
        });
        drain();
    }

    /**
     * Registers the read listener; call on the container thread that started async processing, before the upstream
     * call starts (containers differ in what they allow from other threads).
     */
    public void listen() {
        listening = true;
        in.setReadListener(new Listener());
    }

    /** Aborts the body (client went away, or the call was cancelled). */
    public void fail(Throwable t) {
        error = t;
        drain();
    }

    private void drain() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            step();
        } while (wip.decrementAndGet() != 0);
    }

    private void step() {
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
                sent.accept(b);
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
                if (in.isFinished()) {
                    endOfInput();
                    continue;
                }
                if (!in.isReady()) {
                    return; // onDataAvailable follows
                }
                byte[] buf = new byte[CHUNK];
                int n = in.read(buf);
                if (n < 0) {
                    endOfInput();
                    continue;
                }
                if (n > 0) {
                    ready.addAll(transform.apply(ByteBuffer.wrap(buf, 0, n)));
                }
            } catch (BodyTransform.Refused r) {
                refused.accept(r);
                error = r;
            } catch (IOException | RuntimeException ex) {
                error = ex;
            }
        }
    }

    private void endOfInput() {
        if (inputDone) {
            return;
        }
        try {
            List<ByteBuffer> rest = transform.finish();
            ready.addAll(rest);
            inputDone = true;
        } catch (BodyTransform.Refused r) {
            refused.accept(r);
            error = r;
        }
    }

    private final class Listener implements ReadListener {
        @Override
        public void onDataAvailable() {
            drain();
        }

        @Override
        public void onAllDataRead() {
            drain();
        }

        @Override
        public void onError(Throwable t) {
            fail(t);
        }
    }
}
