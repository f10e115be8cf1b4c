package dev.aigw.servlet.internal.state;

import io.github.bucket4j.distributed.proxy.ProxyManager;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;
import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A shared engine that aigw's controls keep their state in, so that they hold across instances: Bucket4j buckets
 * for the rate limit, and small string entries (webhook ids, creators) with compare-and-set operations.
 *
 * <p>Every operation is bounded by {@link #timeout()} and goes through {@link #call}: a failure or timeout throws
 * {@link StateUnavailableException} and opens a short cool-down ({@value #COOL_DOWN_MILLIS} ms) during which
 * calls fail at once instead of each waiting for the timeout again; the first call after it tries the engine
 * again, so service comes back without a restart. Writes that must not be lost (an accepted webhook id, a creator)
 * are kept in a bounded queue when they fail and retried every second until they succeed or no longer matter. One
 * timer thread ({@code aigw-state-timer-*}) runs those retries and {@link #schedule}d tasks; it exists only while
 * something is scheduled, and ends with {@link #close}.
 *
 * <p>Internal: not API, may change in any release.
 */
public abstract class StateEngine implements AutoCloseable {
    /** How long calls fail fast after a failure before the engine is asked again. */
    static final long COOL_DOWN_MILLIS = 1000;
    /** Writes kept for a retry at most; beyond this the oldest are dropped (and logged). */
    static final int MAX_PENDING = 10_000;

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    private final String name;
    private final Duration timeout;
    private final boolean failOpen;
    private volatile long coolDownUntilNanos;
    private volatile String lastProblem;
    private volatile boolean down;

    private final Object pendingLock = new Object();
    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private ScheduledThreadPoolExecutor scheduler;
    private java.util.concurrent.ScheduledFuture<?> retrying; // while writes wait: its thread ends when idle
    private long droppedWrites;
    private volatile boolean closed;

    /** A write to retry until it succeeds or {@code untilMillis} (wall clock) passes. */
    private record Pending(String what, Write write, long untilMillis) {
    }

    /** A write against the engine (runs under {@link #call}). */
    @FunctionalInterface
    public interface Write {
        void run() throws Exception;
    }

    protected StateEngine(String name, Duration timeout, boolean failOpen) {
        this.name = name;
        this.timeout = timeout;
        this.failOpen = failOpen;
    }

    /** {@code redis} or {@code jcache}. */
    public final String name() {
        return name;
    }

    public final Duration timeout() {
        return timeout;
    }

    /** {@code aigw.state.on-failure=open}: a rate limit that cannot be checked lets the call through. */
    public final boolean failOpen() {
        return failOpen;
    }

    /** What went wrong last, for records (no credentials), or null while the engine works. */
    public final String problem() {
        return down ? lastProblem : null;
    }

    /** How long a client refused because of an engine failure should wait before retrying, in whole seconds. */
    public final long retryAfterSeconds() {
        return Math.max(1, (COOL_DOWN_MILLIS + timeout.toMillis() + 999) / 1000);
    }

    // --- the engine's operations (implementations bound each by the timeout) -------------------------------------

    /** Sets {@code key} to {@code value} when it has no value; true when set. */
    protected abstract boolean putIfAbsent(String key, String value, Duration ttl) throws Exception;

    protected abstract String get(String key) throws Exception;

    protected abstract void put(String key, String value, Duration ttl) throws Exception;

    /** Removes {@code key} only while its value is {@code expected}. */
    protected abstract boolean remove(String key, String expected) throws Exception;

    /** Replaces {@code key}'s value only while it is {@code expected}. */
    protected abstract boolean replace(String key, String expected, String value, Duration ttl) throws Exception;

    /** Bucket4j's view of the engine, for the rate limit; keys are strings. */
    protected abstract ProxyManager<String> buckets();

    /** Runs {@code op} on the engine, bounded by the timeout. Implementations that need a thread hop override it. */
    protected final <T> T bounded(Callable<T> op) throws Exception {
        return bounded(op, timeout);
    }

    /** Runs {@code op} on the engine, bounded by {@code bound} where the engine cannot bound it by itself. */
    protected <T> T bounded(Callable<T> op, Duration bound) throws Exception {
        return op.call();
    }

    /**
     * Makes the first real calls fast: the first bucket and entry operations load classes, compile scripts and (on
     * a data grid) ship the entry processor, which can take longer than the timeout. Up to {@code bound}; a failure
     * is only logged (the engine may come up later).
     */
    public final void warmUp(Duration bound) {
        io.github.bucket4j.BucketConfiguration oneASecond = io.github.bucket4j.BucketConfiguration.builder()
                .addLimit(io.github.bucket4j.Bandwidth.builder().capacity(1).refillGreedy(1, Duration.ofSeconds(1))
                        .build()).build();
        try {
            bounded(() -> {
                get("aigw:warm-up");
                return bucket("aigw:warm-up", oneASecond).tryConsume(1);
            }, bound);
        } catch (Exception e) {
            LOG.log(System.Logger.Level.WARNING, "aigw: shared state (" + name + ") not answering at start-up: "
                    + e.getClass().getSimpleName() + "; asked again when needed");
        }
    }

    /** Releases what the engine started (clients, threads); never what the application handed in. */
    protected abstract void release();

    // --- for the controls ------------------------------------------------------------------------------------------

    /** Runs one engine operation with the timeout and the cool-down. */
    public final <T> T call(Callable<T> op) throws StateUnavailableException {
        if (closed) {
            throw new StateUnavailableException(name + ": closed (the application is stopping)");
        }
        long until = coolDownUntilNanos;
        if (until != 0 && System.nanoTime() - until < 0) {
            throw new StateUnavailableException(lastProblem);
        }
        try {
            T result = bounded(op);
            if (down) {
                down = false;
                coolDownUntilNanos = 0;
                LOG.log(System.Logger.Level.INFO, "aigw: shared state (" + name + ") answers again");
            }
            return result;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw failed(e);
        } catch (Exception | LinkageError e) { // a linkage error: an engine library of the wrong version
            throw failed(e);
        }
    }

    /** The shared bucket under {@code key}, created with {@code config} on first use (call it under {@link #call}). */
    public final io.github.bucket4j.distributed.BucketProxy bucket(String key,
                                                                 io.github.bucket4j.BucketConfiguration config) {
        return buckets().builder().build(key, () -> config);
    }

    public final boolean tryPutIfAbsent(String key, String value, Duration ttl) throws StateUnavailableException {
        return call(() -> putIfAbsent(key, value, ttl));
    }

    public final String tryGet(String key) throws StateUnavailableException {
        return call(() -> get(key));
    }

    public final boolean tryReplace(String key, String expected, String value, Duration ttl)
            throws StateUnavailableException {
        return call(() -> replace(key, expected, value, ttl));
    }

    /** Puts now, or keeps the write for a retry when the engine fails; false when it had to be kept. */
    public final boolean putOrRetry(String what, String key, String value, Duration ttl) {
        return writeOrRetry(what, () -> put(key, value, ttl), ttl);
    }

    /** Removes {@code key} while its value is {@code expected}, now or (after a failure) by a retry. */
    public final boolean removeOrRetry(String what, String key, String expected, Duration ttl) {
        return writeOrRetry(what, () -> remove(key, expected), ttl);
    }

    private boolean writeOrRetry(String what, Write w, Duration relevance) {
        try {
            call(() -> {
                w.run();
                return null;
            });
            return true;
        } catch (StateUnavailableException e) {
            later(what, w, System.currentTimeMillis() + relevance.toMillis());
            return false;
        }
    }

    private StateUnavailableException failed(Throwable e) {
        String m = describe(e);
        if (closed) {
            // close() interrupted (or outwaited) a call in flight, a renewal or a retry: the engine did not fail
            LOG.log(System.Logger.Level.DEBUG, () -> "aigw: shared state (" + name + ") closed during a call: " + m);
            return new StateUnavailableException(name + ": closed (the application is stopping)");
        }
        lastProblem = m;
        coolDownUntilNanos = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(COOL_DOWN_MILLIS);
        if (!down) {
            down = true;
            LOG.log(System.Logger.Level.WARNING, "aigw: shared state unavailable: " + m + " (aigw.state.on-failure="
                    + (failOpen ? "open" : "closed") + "; asked again after " + COOL_DOWN_MILLIS + " ms)");
        }
        return new StateUnavailableException(m);
    }

    /** "redis: JedisConnectionException: Failed to connect ..." — class and message, cut; never a stack trace. */
    private String describe(Throwable e) {
        Throwable t = e;
        if (t instanceof java.util.concurrent.ExecutionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return name + ": no answer within " + timeout.toMillis() + " ms";
        }
        String m = t.getMessage();
        Throwable c = t.getCause();
        if ((m == null || m.isBlank()) && c != null) {
            t = c;
            m = c.getMessage();
        }
        String s = name + ": " + t.getClass().getSimpleName() + (m == null ? "" : ": " + m);
        s = s.replace('\r', ' ').replace('\n', ' ');
        return s.length() > 300 ? s.substring(0, 300) + "…" : s;
    }

    // --- retried writes -----------------------------------------------------------------------------------------

    private void later(String what, Write w, long untilMillis) {
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
            pending.addLast(new Pending(what, w, untilMillis));
            if (retrying == null) {
                retrying = timer().scheduleWithFixedDelay(this::retryPending, COOL_DOWN_MILLIS, COOL_DOWN_MILLIS,
                        TimeUnit.MILLISECONDS);
            }
        }
    }

    /** The engine's one timer thread (retries, renewals), started when first needed; call under pendingLock. */
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

    /**
     * Runs {@code task} once after {@code delay} on the engine's timer thread (it must not block for long: engine
     * calls are bounded by the timeout); false when the engine is closed, and then never runs it.
     */
    public final boolean schedule(Runnable task, Duration delay) {
        synchronized (pendingLock) {
            if (closed) {
                return false;
            }
            timer().schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
            return true;
        }
    }

    /** Writes waiting for a retry (for tests and diagnostics). */
    public final int pendingWrites() {
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
            try {
                call(() -> {
                    p.write.run();
                    return null;
                });
            } catch (StateUnavailableException e) {
                return; // still down: next round
            }
            synchronized (pendingLock) {
                pending.remove(p);
            }
        }
    }

    /** Stops the retries (what is still queued is logged) and releases what the engine started. Idempotent. */
    @Override
    public final void close() {
        ScheduledThreadPoolExecutor r;
        synchronized (pendingLock) {
            if (closed) {
                return;
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
        release();
    }

    public final boolean isClosed() {
        return closed;
    }
}
