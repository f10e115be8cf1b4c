package dev.aigw.servlet.internal.state;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The one timer thread of a {@link StateEngine} ({@code aigw-state-timer-*}) and the writes it retries: a write that
 * failed and must not be lost waits in a bounded queue and is tried again every period until it succeeds or no longer
 * matters; other tasks (renewals) are scheduled on the same thread. The thread exists only while something is
 * scheduled; closing ends it, and with it the engine's life ({@link #isClosed}).
 *
 * <p>Internal: not API, may change in any release.
 */
final class StateTimer {
    /** Writes kept for a retry at most; beyond this the oldest are dropped (and logged). */
    static final int MAX_PENDING = 10_000;

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    private final String name;
    private final long periodMillis;
    private final Duration timeout;
    private final Object pendingLock = new Object();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private ScheduledThreadPoolExecutor scheduler;
    private ScheduledFuture<?> retrying; // while writes wait: its thread ends when idle
    private long droppedWrites;
    private volatile boolean closed;

    /** A write to try again ({@code attempt}: true when done) until {@code untilMillis} (wall clock) passes. */
    private record Pending(String what, BooleanSupplier attempt, long untilMillis) {
    }

    /**
     * @param name the engine's, for logs
     * @param periodMillis how often waiting writes are tried again
     * @param timeout the engine's call timeout: how long a task in flight may take to end at {@link #close}
     */
    StateTimer(String name, long periodMillis, Duration timeout) {
        this.name = name;
        this.periodMillis = periodMillis;
        this.timeout = timeout;
    }

    boolean isClosed() {
        return closed;
    }

    /** Keeps a failed write ({@code what}, for logs) to try again every period until {@code untilMillis}. */
    void later(String what, BooleanSupplier attempt, long untilMillis) {
        synchronized (pendingLock) {
            if (closed) {
                LOG.log(System.Logger.Level.WARNING, "aigw: shared state (" + name + ") closed; not retried: " + what);
                return;
            }
            if (pending.size() >= MAX_PENDING) {
                Pending dropped = pending.removeFirst();
                if (droppedWrites++ % 1000 == 0) {
                    LOG.log(System.Logger.Level.WARNING, "aigw: shared state (" + name + ") unavailable for long; "
                            + "dropped a write kept for retry (" + dropped.what + "), " + droppedWrites + " so far");
                }
            }
            pending.addLast(new Pending(what, attempt, untilMillis));
            if (retrying == null) {
                retrying = timer().scheduleWithFixedDelay(this::retryPending, periodMillis, periodMillis,
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The one timer thread (retries, renewals), started when first needed; call under pendingLock. */
    private ScheduledThreadPoolExecutor timer() {
        if (scheduler == null) {
            AtomicInteger n = new AtomicInteger();
            ThreadFactory tf = r -> {
                Thread t = new Thread(r, "aigw-state-timer-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            };
            scheduler = new ScheduledThreadPoolExecutor(1, tf);
            scheduler.setKeepAliveTime(10, TimeUnit.SECONDS);
            scheduler.allowCoreThreadTimeOut(true); // no thread while nothing is scheduled
            scheduler.setRemoveOnCancelPolicy(true);
        }
        return scheduler;
    }

    /** Runs {@code task} once after {@code delay}; false when closed, and then never runs it. */
    boolean schedule(Runnable task, Duration delay) {
        synchronized (pendingLock) {
            if (closed) {
                return false;
            }
            timer().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        }
    }

    int pendingWrites() {
        synchronized (pendingLock) {
            return pending.size();
        }
    }

    private void retryPending() {
        while (true) {
            Pending p;
            synchronized (pendingLock) {
                p = pending.peekFirst();
                if (p == null) {
                    if (retrying != null) {
                        retrying.cancel(false); // nothing waits: let the thread time out
                        retrying = null;
                    }
                    return;
                }
            }
            if (System.currentTimeMillis() > p.untilMillis) {
                synchronized (pendingLock) {
                    pending.remove(p); // no longer relevant: the entry would have expired anyway
                }
                continue;
            }
            if (!p.attempt.getAsBoolean()) {
                return; // still down: next round
            }
            synchronized (pendingLock) {
                pending.remove(p);
            }
        }
    }

    /**
     * Stops the retries (what is still queued is logged) and the thread, waiting for it; true when this call closed
     * it, false when it was closed already.
     */
    boolean close() {
        ScheduledThreadPoolExecutor r;
        synchronized (pendingLock) {
            if (closed) {
                return false;
            }
            closed = true;
            r = scheduler;
            scheduler = null;
            if (!pending.isEmpty()) {
                Iterator<Pending> it = pending.iterator();
                LOG.log(System.Logger.Level.WARNING, "aigw: shared state (" + name + ") closed with " + pending.size()
                        + " writes not done, e.g. " + it.next().what);
                pending.clear();
            }
        }
        if (r != null) {
            r.shutdownNow();
            try {
                // a renewal or retry in flight ends within one engine timeout: the thread is gone before the
                // engine's resources are released (and before the application's class loader is)
                r.awaitTermination(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return true;
    }
}
