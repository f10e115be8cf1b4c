package dev.aigw.servlet.internal;

import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * Replay protection for webhook deliveries: a bounded, time-windowed set of {@code webhook-id}s.
 *
 * <p>Replicate retries a delivery with the same {@code webhook-id} when it got no 2xx answer, so an id is only
 * remembered as <em>accepted</em> once the application answered it with 2xx:
 * <ul>
 *   <li>{@link Admission#ADMITTED}: first sight (or a retry of a delivery the application did not accept): hand it
 *       on, then report {@link #accepted} or {@link #rejected}.</li>
 *   <li>{@link Admission#DUPLICATE}: the application already accepted this id within the window; do not hand it on
 *       again (answer 2xx, so that a sender whose first 2xx got lost stops retrying).</li>
 *   <li>{@link Admission#IN_FLIGHT}: the same id is being handled right now; answer "try again later" (not 2xx:
 *       the first attempt may still fail, and then the retry must reach the application).</li>
 * </ul>
 * {@link #rejected} forgets the id, so Replicate's next retry reaches the application again.
 *
 * <p>The window must cover the signature's timestamp tolerance on both sides (2 × tolerance): a replay older than
 * that fails the timestamp check anyway. At most {@code capacity} ids are kept; when full, the oldest are evicted
 * (counted in {@link #evictedEarly()}), which weakens protection for them rather than refusing new deliveries.
 * Memory only, per process: instances behind a load balancer do not share it.
 */
public final class ReplayGuard {
    /** What to do with a verified delivery. */
    public enum Admission {
        ADMITTED, DUPLICATE, IN_FLIGHT
    }

    private static final int IN_FLIGHT = 0;
    private static final int ACCEPTED = 1;

    private record Entry(int state, long atNanos) {
    }

    private final long windowNanos;
    private final int capacity;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<String, Entry> seen = new LinkedHashMap<>();
    private long evictedEarly;

    public ReplayGuard(Duration window, int capacity, LongSupplier nanoClock) {
        if (window.isNegative() || window.isZero() || capacity < 1) {
            throw new IllegalArgumentException("window and capacity must be positive");
        }
        this.windowNanos = window.toNanos();
        this.capacity = capacity;
        this.nanoClock = nanoClock;
    }

    public ReplayGuard(Duration window, int capacity) {
        this(window, capacity, System::nanoTime);
    }

    /** Decides about a verified delivery with this id; when {@link Admission#ADMITTED}, it is now in flight. */
    public synchronized Admission begin(String id) {
        long now = nanoClock.getAsLong();
        expire(now);
        Entry e = seen.get(id);
        if (e != null) {
            return e.state == ACCEPTED ? Admission.DUPLICATE : Admission.IN_FLIGHT;
        }
        put(id, new Entry(IN_FLIGHT, now));
        return Admission.ADMITTED;
    }

    /** The application answered 2xx: later deliveries with this id within the window are duplicates. */
    public synchronized void accepted(String id) {
        long now = nanoClock.getAsLong();
        seen.remove(id);
        put(id, new Entry(ACCEPTED, now));
    }

    /** The application did not accept it (non-2xx or failure): the sender's retry must reach it again. */
    public synchronized void rejected(String id) {
        Entry e = seen.get(id);
        if (e != null && e.state == IN_FLIGHT) {
            seen.remove(id);
        }
    }

    public synchronized int size() {
        return seen.size();
    }

    /** Ids evicted before their window ended because the set was full. */
    public synchronized long evictedEarly() {
        return evictedEarly;
    }

    private void put(String id, Entry e) {
        while (seen.size() >= capacity) {
            Iterator<Map.Entry<String, Entry>> it = seen.entrySet().iterator();
            it.next();
            it.remove();
            evictedEarly++;
        }
        seen.put(id, e);
    }

    private void expire(long now) {
        Iterator<Map.Entry<String, Entry>> it = seen.entrySet().iterator();
        while (it.hasNext()) {
            Entry e = it.next().getValue();
            if (now - e.atNanos < windowNanos) {
                break; // insertion order is time order
            }
            it.remove();
        }
    }
}
