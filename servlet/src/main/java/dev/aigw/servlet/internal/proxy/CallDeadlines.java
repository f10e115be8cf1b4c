package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.Sweeper;

import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * The deadlines of one {@link ProxyCall}, as the proxy's {@link Sweeper} expires them: the upstream's head within
 * {@code aigw.proxy.timeout}, then a byte moving either way at least every {@code aigw.proxy.idle-timeout}, and, once
 * the call ended, the grace before the request is completed anyway (a body being read and dropped after a problem of
 * our own, or the container's error event awaited after our own I/O found the client gone); and, for a call whose
 * client the {@link ClientWatch} may watch, the moment it has waited long enough for its head to be watched. What a
 * deadline means for the call is the call's: a missing head is a failure before the head
 * ({@link Upstream.Listener#failed}), silence a failure of the answer ({@link ResponseWriter.Events#upstreamFailed});
 * a long wait starts the watch ({@link Waiting#waitedLong}); a grace that ran out completes the request.
 *
 * <p>Internal: not API, may change in any release.
 */
final class CallDeadlines implements Sweeper.Timed {
    /** The call, as far as its deadlines concern it. */
    interface Waiting extends Upstream.Listener {
        /** It has waited {@link ClientWatch#AFTER_NANOS} for its head, which has not come: watch its client. */
        void waitedLong();
    }

    /** How long a failure found by our own I/O waits for the container's error event before completing anyway. */
    private static final long CONTAINER_ERROR_GRACE_NANOS = 2_000_000_000L;

    private final Sweeper sweeper;
    private final Duration timeout;
    private final Duration idleTimeout;
    private final Waiting beforeHead;
    private final ResponseWriter.Events answer;
    private final ClientEnd client;
    private final Supplier<ResponseWriter> writer; // the call's, once the answer's head arrived
    // set once (or moved forward), read by the sweeper without a lock
    private volatile boolean over; // the call ended
    private volatile long headDeadline = Long.MAX_VALUE; // System.nanoTime(); MAX_VALUE once the head arrived
    private volatile long watchDeadline = Long.MAX_VALUE; // when a call still waiting is watched; MAX_VALUE: never
    private volatile long graceDeadline = Long.MAX_VALUE;

    CallDeadlines(ProxyConfig cfg, Waiting beforeHead, ResponseWriter.Events answer, ClientEnd client,
                  Supplier<ResponseWriter> writer) {
        this.sweeper = cfg.sweeper();
        this.timeout = cfg.timeout();
        this.idleTimeout = cfg.idleTimeout();
        this.beforeHead = beforeHead;
        this.answer = answer;
        this.client = client;
        this.writer = writer;
    }

    /** The upstream call is about to be sent: its head is due within {@code aigw.proxy.timeout}. */
    void awaitHead() {
        headDeadline = System.nanoTime() + timeout.toNanos();
        sweeper.add(this);
    }

    /** The call was sent and its client may be watched: once it waited {@link ClientWatch#AFTER_NANOS}, it is. */
    void watchIfWaiting() {
        watchDeadline = System.nanoTime() + ClientWatch.AFTER_NANOS;
    }

    /** The head arrived: from now on only silence counts. */
    void headArrived() {
        headDeadline = Long.MAX_VALUE;
        watchDeadline = Long.MAX_VALUE;
    }

    /** A problem of our own was answered and the request body's rest is dropped: completed by then at the latest. */
    void awaitBodyDrop() {
        grace(BodyDrop.TIMEOUT_MS * 1_000_000L);
    }

    /** Our own I/O found the client gone: the container's error event completes the request, else this does. */
    void awaitContainerError() {
        grace(CONTAINER_ERROR_GRACE_NANOS);
    }

    private void grace(long nanos) {
        graceDeadline = System.nanoTime() + nanos;
        sweeper.add(this);
    }

    /** The call ended: it is no longer swept, unless a grace is set after this (the call ends before it answers). */
    void ended() {
        over = true;
        sweeper.remove(this);
    }

    /** The request completed: nothing is swept any more. */
    void completed() {
        sweeper.remove(this);
    }

    @Override
    public long deadline() {
        long g = graceDeadline;
        if (g != Long.MAX_VALUE || over) {
            return g;
        }
        ResponseWriter w = writer.get();
        if (w != null) {
            return w.lastProgressNanos() + idleTimeout.toNanos();
        }
        long h = headDeadline;
        long watch = watchDeadline;
        return watch != Long.MAX_VALUE && (h == Long.MAX_VALUE || watch - h < 0) ? watch : h;
    }

    @Override
    public boolean expire(long now) {
        long g = graceDeadline;
        if (g != Long.MAX_VALUE && g - now <= 0) {
            client.complete();
            return true;
        }
        ResponseWriter w = writer.get();
        long watch = watchDeadline;
        if (w == null && watch != Long.MAX_VALUE && watch - now <= 0) {
            watchDeadline = Long.MAX_VALUE; // once: the watch follows the call from here until the head
            beforeHead.waitedLong();
        }
        long h = headDeadline;
        if (w == null && h != Long.MAX_VALUE && h - now <= 0) {
            beforeHead.failed(new HttpTimeoutException("request timed out (aigw.proxy.timeout)"));
        } else if (w != null && now - w.lastProgressNanos() >= idleTimeout.toNanos()) {
            // no byte moved either way for aigw.proxy.idle-timeout: the upstream stalled (or the client did)
            answer.upstreamFailed(new HttpTimeoutException("no data moved for " + idleTimeout.toSeconds()
                    + " s (aigw.proxy.idle-timeout)"));
        }
        return over && graceDeadline == Long.MAX_VALUE;
    }
}
