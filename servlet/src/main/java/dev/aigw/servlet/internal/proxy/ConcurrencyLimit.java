package dev.aigw.servlet.internal.proxy;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Caps on proxied calls in flight: per client (principal, or canonical client address) and in all. A call holds a
 * {@link Permit} from admission until its request ends, whatever the reason, so a client that opens calls and
 * leaves them open, or a flood of them, cannot use up the container's connections, descriptors or the upstream
 * pool. Counts live only while calls do: a key with nothing in flight takes no memory.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ConcurrencyLimit {
    /** Defaults of {@code aigw.proxy.max-concurrent} and {@code aigw.proxy.max-concurrent-per-user}. */
    public static final int DEFAULT_TOTAL = 256;
    public static final int DEFAULT_PER_CLIENT = 16;

    private final int total;
    private final int perClient;
    private final AtomicInteger inFlight = new AtomicInteger();
    /**
     * A count per key with calls in flight. Counted without the map's lock (a {@code compute} per call serialised all
     * the calls of one key, e.g. one load balancer's address, on one bin lock: contended at 256 clients); a count
     * that fell to zero is retired (-1) before it leaves the map, so no call counts in a count that is gone.
     */
    private final Map<String, AtomicInteger> perKey = new ConcurrentHashMap<>();

    public ConcurrencyLimit(int total, int perClient) {
        if (total < 1 || perClient < 1) {
            throw new IllegalArgumentException("caps must be positive");
        }
        this.total = total;
        this.perClient = perClient;
    }

    public int total() {
        return total;
    }

    public int perClient() {
        return perClient;
    }

    /** Calls in flight now (for tests and monitoring). */
    public int inFlight() {
        return inFlight.get();
    }

    /** A permit for one call of {@code key}, or the refusal (429 for the client's cap, 503 for the total). */
    public Object acquire(String key) {
        if (!enter(key)) {
            return Refusal.of(429, "too_many_concurrent", "you have " + perClient + " proxied calls in flight, the "
                    + "most this proxy allows per user (aigw.proxy.max-concurrent-per-user); retry when one ends")
                    .with("Retry-After", "1").extra(Map.of("retry_after", 1));
        }
        if (inFlight.incrementAndGet() > total) {
            inFlight.decrementAndGet();
            release(key);
            return Refusal.of(503, "proxy_busy", "the proxy has " + total + " calls in flight, its limit "
                    + "(aigw.proxy.max-concurrent); retry shortly").with("Retry-After", "2")
                    .extra(Map.of("retry_after", 2));
        }
        return new Permit(key);
    }

    /** Takes one of {@code key}'s places; false when it has {@link #perClient} already. */
    private boolean enter(String key) {
        while (true) {
            AtomicInteger n = perKey.get(key);
            if (n == null) {
                n = perKey.computeIfAbsent(key, k -> new AtomicInteger());
            }
            for (int now = n.get(); now >= 0; now = n.get()) {
                if (now >= perClient) {
                    return false;
                }
                if (n.compareAndSet(now, now + 1)) {
                    return true;
                }
            }
            perKey.remove(key, n); // retired by the last release: count in a fresh one
        }
    }

    /** Gives back a place {@link #enter} took: the count cannot be retired while that place is held. */
    private void release(String key) {
        AtomicInteger n = perKey.get(key);
        if (n.decrementAndGet() == 0 && n.compareAndSet(0, -1)) {
            perKey.remove(key, n);
        }
    }

    /** One call's place; {@link #release} is idempotent. */
    public final class Permit {
        private final String key;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(String key) {
            this.key = key;
        }

        public void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
                ConcurrencyLimit.this.release(key);
            }
        }
    }
}
