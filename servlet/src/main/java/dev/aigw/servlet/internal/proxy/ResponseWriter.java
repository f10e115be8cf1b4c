package dev.aigw.servlet.internal.proxy;

import jakarta.servlet.ServletOutputStream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * Streams the upstream response body to the client with the servlet's non-blocking I/O: one upstream chunk is
 * requested at a time, and the next only when the container has taken the previous one, so a slow client slows
 * the upstream instead of filling memory; and only once the container reports it ready for more, so that the
 * upstream may reuse the buffer of a chunk once the next one is asked for. Event streams are flushed after every chunk. A client that goes away (a
 * write fails) cancels the upstream; an error the container reports reaches the call, which {@link #stop}s the
 * writer.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ResponseWriter implements Flow.Subscriber<List<ByteBuffer>> {
    /** What the call learns from the writer. */
    public interface Events {
        /** Upstream bytes as received (before any transformation); read only, {@code b}'s position left as it is. */
        void received(ByteBuffer b);

        /**
         * The answer's head is due: its body's first bytes are about to be written, or it is flushed (an event stream
         * at once), or it ended without any. False when the call has ended meanwhile: nothing may be written then.
         */
        boolean headDue() throws IOException;

        /**
         * The answer's last bytes are about to be handed to the container, which ends the answer with them (its
         * length was declared): from now on the client may see it end, and send its next call.
         */
        void ending();

        /** Every byte was written to the client. */
        void completed();

        /** The upstream failed after the head: the client's response must be aborted. */
        void upstreamFailed(Throwable t);

        /**
         * Writing to the client failed: it went away. The writer has stopped; the container reports the failure
         * through its own error event as well.
         */
        void clientFailed(Throwable t);
    }

    private final ServletOutputStream out;
    private final ClientIo io;
    private final BodyTransform transform;
    private final boolean flushEach;
    private final Events events;
    private final DrainLoop drain = new DrainLoop(this::step);
    // the operations on the client's stream, bound once: a write, a flush, a look at readiness
    private final ClientIo.Operation<Boolean> writeNext = this::writeNext;
    private final ClientIo.Operation<Boolean> flush = this::flush;
    private final ClientIo.Operation<Boolean> ready;
    private final ArrayDeque<ByteBuffer> pending = new ArrayDeque<>(4); // a chunk, or a few of a rewritten one
    private volatile Flow.Subscription subscription;
    private volatile boolean upstreamDone;
    private volatile Throwable upstreamError;
    private boolean requested;
    private volatile boolean needFlush;
    private boolean finished;
    private volatile long lastProgressNanos = System.nanoTime();
    private long lengthLeft; // of a declared length; -1: none declared, or its end announced
    private boolean headWritten; // drain loop only

    ResponseWriter(ServletOutputStream out, ClientIo io, ResponseHead.Body body, Events events) {
        this.out = out;
        this.io = io;
        this.transform = body.transform();
        this.flushEach = body.eventStream();
        this.lengthLeft = body.length();
        this.events = events;
        this.needFlush = flushEach; // send the head of an event stream at once
        this.ready = out::isReady;
    }

    @Override
    public void onSubscribe(Flow.Subscription s) {
        subscription = s;
        drain.signal();
    }

    /** When a byte last moved, from the upstream or to the client (for the idle timeout). */
    public long lastProgressNanos() {
        return lastProgressNanos;
    }

    @Override
    public void onNext(List<ByteBuffer> item) {
        lastProgressNanos = System.nanoTime();
        synchronized (pending) {
            requested = false;
            for (ByteBuffer b : item) {
                // the chunk itself, not a read-only view: core reads it without moving its position, and only
                // through an accessible array without a copy (a view made the sniffer copy every body)
                events.received(b);
                try {
                    pending.addAll(transform.apply(b));
                } catch (Refusal.Refused r) {
                    upstreamError = r; // response transforms never refuse
                }
            }
            if (flushEach) {
                needFlush = true;
            }
        }
        drain.signal();
    }

    @Override
    public void onError(Throwable t) {
        upstreamError = t;
        drain.signal();
    }

    @Override
    public void onComplete() {
        upstreamDone = true;
        drain.signal();
    }

    private volatile boolean stopped;
    private boolean upstreamCancelled;

    /**
     * Stops everything (the call ended): no write on the response after the one in progress, if any (containers
     * recycle response objects, and a problem of the call's own may take the response), and the upstream body is
     * cancelled unless it ended.
     */
    public void stop() {
        stopped = true;
        drain.signal();
    }

    private void step() {
        if (stopped) {
            Flow.Subscription sub = subscription;
            // a body the upstream ended (or failed) needs no cancel; any other does, even one subscribed after the stop
            if (sub != null && !upstreamDone && upstreamError == null && !upstreamCancelled) {
                upstreamCancelled = true;
                sub.cancel();
            }
            finished = true;
            return;
        }
        if (finished || subscription == null) {
            return;
        }
        try {
            while (true) {
                while (true) {
                    boolean empty;
                    synchronized (pending) {
                        empty = pending.isEmpty();
                    }
                    if (empty) {
                        break;
                    }
                    if (stopped || !headWritten()) {
                        return; // the drain loop runs step again and stops
                    }
                    Boolean wrote = io.run(writeNext);
                    if (wrote == null || !wrote) {
                        return;
                    }
                }
                if (needFlush) {
                    if (!headWritten()) {
                        return;
                    }
                    Boolean flushed = io.run(flush);
                    if (flushed == null || !flushed) {
                        return;
                    }
                }
                Throwable e = upstreamError;
                if (e != null) {
                    finished = true;
                    events.upstreamFailed(e);
                    return;
                }
                if (upstreamDone) {
                    if (!tailAdded) {
                        tailAdded = true;
                        List<ByteBuffer> rest;
                        try {
                            rest = transform.finish();
                        } catch (Refusal.Refused r) {
                            rest = List.of();
                        }
                        if (!rest.isEmpty()) {
                            synchronized (pending) {
                                pending.addAll(rest);
                            }
                            continue; // write the held tail first
                        }
                    }
                    if (!headWritten()) {
                        return;
                    }
                    finished = true;
                    events.completed();
                    return;
                }
                boolean ask;
                synchronized (pending) {
                    ask = !requested && pending.isEmpty();
                }
                if (ask) {
                    // the writes before are done once the container is ready again (onWritePossible follows if not)
                    Boolean isReady = io.run(ready);
                    if (isReady == null || !isReady) {
                        return;
                    }
                    synchronized (pending) {
                        requested = true;
                    }
                    subscription.request(1);
                }
                return;
            }
        } catch (IOException | RuntimeException ex) {
            finished = true;
            upstreamCancelled = true;
            subscription.cancel();
            events.clientFailed(ex);
        }
    }

    private boolean tailAdded;

    /** Has the call write the answer's head once, before anything of the answer leaves; false: stop. */
    private boolean headWritten() throws IOException {
        if (!headWritten) {
            if (!events.headDue()) {
                stopped = true;
                drain.signal();
                return false;
            }
            headWritten = true;
        }
        return true;
    }

    /** Writes the next pending chunk if the container takes output now; false if not (onWritePossible follows). */
    private Boolean writeNext() throws IOException {
        if (stopped) {
            return null; // looked at under ClientIo: a problem of the call's own may have taken the response
        }
        if (!out.isReady()) {
            return false;
        }
        ByteBuffer b;
        synchronized (pending) {
            b = pending.poll(); // only this (drain loop) thread takes chunks out
        }
        write(b);
        return true;
    }

    private Boolean flush() throws IOException {
        if (stopped) {
            return null;
        }
        if (!out.isReady()) {
            return false;
        }
        needFlush = false;
        out.flush();
        return true;
    }

    private void write(ByteBuffer b) throws IOException {
        lastProgressNanos = System.nanoTime();
        if (lengthLeft >= 0 && (lengthLeft -= b.remaining()) <= 0) {
            lengthLeft = -1;
            events.ending(); // the container ends the answer with this write
        }
        if (b.hasArray() && !b.isReadOnly()) {
            out.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
        } else {
            byte[] a = new byte[b.remaining()];
            b.duplicate().get(a);
            out.write(a);
        }
    }

    /** The container can take more output (forwarded by the call's write listener). */
    public void writePossible() {
        drain.signal();
    }
}
