package dev.aigw.servlet.internal;

import dev.aigw.servlet.internal.state.SharedReplays;
import dev.aigw.servlet.internal.state.StateEngine;

import java.time.Duration;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.function.LongSupplier;

/**
 * Replay protection for webhook deliveries: a bounded, time-windowed set of {@code webhook-id}s.
 *
 * <p>Replicate retries a delivery with the same {@code webhook-id} when it got no 2xx answer, so an id is only
 * remembered as <em>accepted</em> once the application answered it with 2xx:
 * <ul>
 *   <li>{@link ReplayVerdict#ADMITTED}: first sight (or a retry of a delivery the application did not accept): hand it
 *       on, then report {@link #accepted} or {@link #rejected}.</li>
 *   <li>{@link ReplayVerdict#DUPLICATE}: the application already accepted this id within the window; do not hand it on
 *       again (answer 2xx, so that a sender whose first 2xx got lost stops retrying).</li>
 *   <li>{@link ReplayVerdict#IN_FLIGHT}: the same id is being handled right now; answer "try again later" (not 2xx:
 *       the first attempt may still fail, and then the retry must reach the application).</li>
 * </ul>
 * {@link #rejected} forgets the id, so Replicate's next retry reaches the application again.
 *
 * <p>The window must cover the signature's timestamp tolerance on both sides (2 × tolerance): a replay older than
 * that fails the timestamp check anyway. An id in flight stays in flight until its handler ends, however long that
 * takes ({@link #begin} is always followed by {@link #accepted} or {@link #rejected}): a retry of a delivery still
 * being handled is never handed on a second time. In memory (per process), at most {@code capacity} ids are kept;
 * when full, the oldest accepted ones are evicted (counted in {@link #evictedEarly()}), which weakens protection for
 * them rather than refusing new deliveries; ids in flight are never evicted, so with only those left the set holds
 * more than {@code capacity} (as many as the deliveries being handled at once). On a shared engine ({@link #of})
 * every instance sees the same ids, each instance renews its own in-flight ids while their handlers run
 * ({@link SharedReplays}), and {@link ReplayVerdict#UNAVAILABLE} says that the engine could not be asked.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ReplayGuard {
    /** Default of {@code aigw.webhook.replay-capacity}: the ids kept in memory per instance. */
    public static final int DEFAULT_CAPACITY = 100_000;
    private final long windowNanos;
    private final int capacity;
    private final LongSupplier nanoClock;
    // in memory, guarded by this: the ids in flight apart, so that neither eviction nor expiry ever walks past them
    private final HashSet<String> inFlight = new HashSet<>();
    private final LinkedHashMap<String, Long> accepted = new LinkedHashMap<>(); // id -> when, oldest first
    private long evictedEarly;
    private final SharedReplays shared; // null: in memory

    public ReplayGuard(Duration window, int capacity, LongSupplier nanoClock) {
        if (window.isNegative() || window.isZero() || capacity < 1) {
            throw new IllegalArgumentException("window and capacity must be positive");
        }
        this.windowNanos = window.toNanos();
        this.capacity = capacity;
        this.nanoClock = nanoClock;
        this.shared = null;
    }

    private ReplayGuard(Duration window, SharedReplays shared) {
        this.windowNanos = window.toNanos();
        this.capacity = 1;
        this.nanoClock = System::nanoTime;
        this.shared = shared;
    }

    /** In memory when {@code engine} is null, else on the engine, shared by every instance. */
    public static ReplayGuard of(Duration window, int capacity, StateEngine engine) {
        return engine == null ? new ReplayGuard(window, capacity) : new ReplayGuard(window, new SharedReplays(engine,
                window));
    }

    public ReplayGuard(Duration window, int capacity) {
        this(window, capacity, System::nanoTime);
    }

    /** Decides about a verified delivery with this id; when {@link ReplayVerdict#ADMITTED}, it is now in flight. */
    public ReplayVerdict begin(String id) {
        if (shared != null) {
            return shared.begin(id);
        }
        synchronized (this) {
            return beginInMemory(id);
        }
    }

    private ReplayVerdict beginInMemory(String id) {
        long now = nanoClock.getAsLong();
        expire(now);
        if (accepted.containsKey(id)) {
            return ReplayVerdict.DUPLICATE;
        }
        if (inFlight.contains(id)) {
            return ReplayVerdict.IN_FLIGHT;
        }
        makeRoom();
        inFlight.add(id);
        return ReplayVerdict.ADMITTED;
    }

    /**
     * The application answered 2xx: later deliveries with this id within the window are duplicates. False when the
     * shared engine could not be told now (a retry will; meanwhile the id stays in flight, so it is not handed on).
     */
    public boolean accepted(String id) {
        if (shared != null) {
            return shared.accepted(id);
        }
        synchronized (this) {
            long now = nanoClock.getAsLong();
            inFlight.remove(id);
            accepted.remove(id); // re-inserted last: insertion order stays time order
            makeRoom();
            accepted.put(id, now);
        }
        return true;
    }

    /**
     * The application did not accept it (non-2xx or failure): the sender's retry must reach it again. False when
     * the shared engine could not be told now (a retry will).
     */
    public boolean rejected(String id) {
        if (shared != null) {
            return shared.rejected(id);
        }
        synchronized (this) {
            inFlight.remove(id); // an accepted id is never forgotten
        }
        return true;
    }

    /** Why the shared engine cannot be asked, or null (always null in memory). */
    public String problem() {
        return shared == null ? null : shared.problem();
    }

    public synchronized int size() {
        return inFlight.size() + accepted.size();
    }

    /** Ids evicted before their window ended because the set was full. */
    public synchronized long evictedEarly() {
        return evictedEarly;
    }

    /** Makes room for one more id: evicts the oldest accepted ids; one in flight is its handler's until it ends. */
    private void makeRoom() {
        Iterator<Long> oldest = accepted.values().iterator();
        while (size() >= capacity && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
            evictedEarly++;
        }
    }

    /** Forgets the accepted ids whose window ended (ids in flight stay until their handler ends). */
    private void expire(long now) {
        Iterator<Long> oldest = accepted.values().iterator();
        while (oldest.hasNext() && now - oldest.next() >= windowNanos) {
            oldest.remove();
        }
    }
}
