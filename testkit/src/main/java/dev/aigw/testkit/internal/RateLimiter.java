package dev.aigw.testkit.internal;

import java.time.Duration;
import java.util.ArrayDeque;

/**
 * Gateway-wide rate limit, fixed (clock-aligned buckets) or sliding (last interval), spec §3.3.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RateLimiter {
    private final int limit;
    private final long intervalMs;
    private final boolean sliding;
    private final ArrayDeque<Long> recent = new ArrayDeque<>();
    private long bucket = -1;
    private int inBucket;

    public RateLimiter(int limit, Duration interval, boolean sliding) {
        this.limit = limit;
        this.intervalMs = interval.toMillis();
        this.sliding = sliding;
    }

    public synchronized boolean tryAcquire() {
        long now = System.currentTimeMillis();
        if (sliding) {
            while (!recent.isEmpty() && recent.peekFirst() <= now - intervalMs) {
                recent.pollFirst();
            }
            if (recent.size() >= limit) {
                return false;
            }
            recent.addLast(now);
            return true;
        }
        long b = now / intervalMs;
        if (b != bucket) {
            bucket = b;
            inBucket = 0;
        }
        if (inBucket >= limit) {
            return false;
        }
        inBucket++;
        return true;
    }

    public synchronized void reset() {
        recent.clear();
        bucket = -1;
        inBucket = 0;
    }
}
