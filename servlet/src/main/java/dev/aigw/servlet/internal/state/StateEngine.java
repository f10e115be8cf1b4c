package dev.aigw.servlet.internal.state;

import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.distributed.BucketProxy;
import io.github.bucket4j.distributed.proxy.ProxyManager;
import io.github.bucket4j.distributed.proxy.optimization.DelayParameters;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;

/**
 * A shared engine that aigw's controls keep their state in, so that they hold across instances: Bucket4j buckets
 * for the rate limit, and small string entries (webhook ids, creators) with compare-and-set operations.
 *
 * <p>Every operation is bounded by {@link #timeout()} and goes through {@link #call} (or {@link #callOnCaller}, for
 * rate-limit proxies that may decide without a round trip and bound each one themselves): a failure or timeout throws
 * {@link StateUnavailableException} and opens a short cool-down ({@value #COOL_DOWN_MILLIS} ms) during which
 * calls fail at once instead of each waiting for the timeout again; the first call after it tries the engine
 * again, so service comes back without a restart. Writes that must not be lost (an accepted webhook id, a creator)
 * are kept in a bounded queue when they fail and retried every second until they succeed or no longer matter. One
 * timer thread ({@code aigw-state-timer-*}, a {@link StateTimer}) runs those retries and {@link #schedule}d tasks; it
 * exists only while something is scheduled, and ends with {@link #close}.
 *
 * <p>Internal: not API, may change in any release.
 */
public abstract class StateEngine implements AutoCloseable {
    /** How long calls fail fast after a failure before the engine is asked again. */
    static final long COOL_DOWN_MILLIS = 1000;

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    private final String name;
    private final Duration timeout;
    private final boolean failOpen;
    private volatile long coolDownUntilNanos;
    private volatile String lastProblem;
    private volatile boolean down;
    /** Failed writes retried every cool-down, renewals; closed with the engine. */
    private final StateTimer timer;

    /** A write against the engine (runs under {@link #call}). */
    @FunctionalInterface
    public interface Write {
        void run() throws Exception;
    }

    protected StateEngine(String name, Duration timeout, boolean failOpen) {
        this.name = name;
        this.timeout = timeout;
        this.failOpen = failOpen;
        this.timer = new StateTimer(name, COOL_DOWN_MILLIS, timeout);
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

    /**
     * Bucket4j's view of the engine for proxies used under {@link #callOnCaller}: each round trip it makes is bounded
     * by the timeout by itself. By default {@link #buckets()}, for engines whose client bounds each command; an
     * engine that bounds calls by a thread hop ({@link #bounded(Callable, Duration)}) makes the hop here instead, so
     * that a decision taken locally costs none.
     */
    protected ProxyManager<String> selfBoundedBuckets() {
        return buckets();
    }

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
        BucketConfiguration oneASecond = BucketConfiguration.builder()
                .addLimit(Bandwidth.builder().capacity(1).refillGreedy(1, Duration.ofSeconds(1)).build()).build();
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

    /**
     * Why the engine may drop an entry sooner than {@code needed} after its last write (a rate limit's period, after
     * which a bucket left alone is full; a webhook replay window); null when it keeps every entry long enough. What a
     * drop costs is the caller's to say ({@link Retention}). By default null: Redis gives each entry a time to live
     * from its own state or window.
     */
    public String cannotKeep(Duration needed) {
        return null;
    }

    /** Releases what the engine started (clients, threads); never what the application handed in. */
    protected abstract void release();

    // --- for the controls ------------------------------------------------------------------------------------------

    /** Runs one engine operation with the timeout and the cool-down. */
    public final <T> T call(Callable<T> op) throws StateUnavailableException {
        return attempt(op, true);
    }

    /**
     * Runs {@code op} on the calling thread with the cool-down, for operations whose round trips bound themselves
     * (a proxy of {@link #bucket(String, BucketConfiguration, int, Duration)}, which may decide without one).
     */
    public final <T> T callOnCaller(Callable<T> op) throws StateUnavailableException {
        return attempt(op, false);
    }

    private <T> T attempt(Callable<T> op, boolean bound) throws StateUnavailableException {
        if (timer.isClosed()) {
            throw new StateUnavailableException(name + ": closed (the application is stopping)");
        }
        if (coolingDown()) {
            throw new StateUnavailableException(lastProblem);
        }
        try {
            T result = bound ? bounded(op) : op.call();
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
            for (Throwable t = e; t != null; t = t.getCause()) {
                if (t instanceof CoolingDown) { // a proxy's round trip asked in the cool-down: nothing new failed
                    throw new StateUnavailableException(t.getMessage());
                }
            }
            throw failed(e);
        }
    }

    /** Thrown by {@link #checkNotCoolingDown} (unchecked: it passes through Bucket4j). */
    static final class CoolingDown extends RuntimeException {
        private static final long serialVersionUID = 1L;

        CoolingDown(String problem) {
            super(problem, null, false, false);
        }
    }

    /**
     * Refuses a round trip while the engine cools down: a proxy's calls of one principal wait for each other (Bucket4j
     * batches them), so without it a call queued behind a round trip that timed out would wait for a second one.
     */
    final void checkNotCoolingDown() {
        if (coolingDown()) {
            throw new CoolingDown(lastProblem);
        }
    }

    /** Within the cool-down after a failure: the engine is not asked. */
    private boolean coolingDown() {
        long until = coolDownUntilNanos;
        return until != 0 && System.nanoTime() - until < 0;
    }

    /** The shared bucket under {@code key}, created with {@code config} on first use (call it under {@link #call}). */
    public final BucketProxy bucket(String key, BucketConfiguration config) {
        return buckets().builder().build(key, () -> config);
    }

    /**
     * The shared bucket under {@code key}, as a proxy that may decide up to {@code localPermits} consumptions on the
     * state it last read before it writes them to the engine, and asks the engine again at the latest after
     * {@code syncAfter} (Bucket4j's delaying optimization). The proxy holds that local state: keep it for the key
     * and use it under {@link #callOnCaller}.
     */
    public final BucketProxy bucket(String key, BucketConfiguration config, int localPermits, Duration syncAfter) {
        return selfBoundedBuckets().builder()
                .withOptimization(new LocalPermits(new DelayParameters(localPermits, syncAfter), config,
                        this::checkNotCoolingDown, this::failed))
                .build(key, () -> config);
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
        if (wrote(w)) {
            return true;
        }
        timer.later(what, () -> wrote(w), System.currentTimeMillis() + relevance.toMillis());
        return false;
    }

    /** One attempt at {@code w} under {@link #call}; false when the engine failed, cools down or is closed. */
    private boolean wrote(Write w) {
        try {
            call(() -> {
                w.run();
                return null;
            });
            return true;
        } catch (StateUnavailableException e) {
            return false;
        }
    }

    private StateUnavailableException failed(Throwable e) {
        String m = describe(e);
        if (timer.isClosed()) {
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
        while ((t instanceof java.util.concurrent.ExecutionException
                || t instanceof java.util.concurrent.CompletionException
                || t instanceof io.github.bucket4j.util.concurrent.batch.BatchHelper.BatchFailedException)
                && t.getCause() != null) { // the wrappers of a pool, of Bucket4j's execution strategy and batching
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

    // --- the timer ------------------------------------------------------------------------------------------------

    /**
     * Runs {@code task} once after {@code delay} on the engine's timer thread (it must not block for long: engine
     * calls are bounded by the timeout); false when the engine is closed, and then never runs it.
     */
    public final boolean schedule(Runnable task, Duration delay) {
        return timer.schedule(task, delay);
    }

    /** Writes waiting for a retry (for tests and diagnostics). */
    public final int pendingWrites() {
        return timer.pendingWrites();
    }

    /** Stops the retries (what is still queued is logged) and releases what the engine started. Idempotent. */
    @Override
    public final void close() {
        if (timer.close()) {
            release(); // after the timer's thread ended: a renewal or retry in flight no longer uses the engine
        }
    }

    public final boolean isClosed() {
        return timer.isClosed();
    }
}
