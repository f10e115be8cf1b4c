package dev.aigw.servlet.internal;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token bucket per key (a principal, or a client address): {@code permits} requests per {@code period}, with
 * bursts up to {@code permits}. A refused request learns how long until one more is allowed, for
 * {@code Retry-After}.
 *
 * <p>At most {@code maxKeys} buckets are kept (least recently used evicted: an evicted key starts again with a
 * full bucket). Thread-safe.
 */
public final class RateLimiter {
    private static final Pattern SPEC = Pattern.compile(
            "\\s*(\\d{1,9})\\s*/\\s*(\\d{0,6})\\s*(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours|d|day|days)\\s*");

    /** What a request got. {@code retryAfter} is zero when allowed. */
    public record Decision(boolean allowed, Duration retryAfter) {
        /** Whole seconds to wait, at least 1 when refused. */
        public long retryAfterSeconds() {
            if (allowed) {
                return 0;
            }
            long s = (retryAfter.toNanos() + 999_999_999L) / 1_000_000_000L;
            return Math.max(1, s);
        }
    }

    private static final class Bucket {
        double tokens;
        long atNanos;
    }

    private final int permits;
    private final long periodNanos;
    private final LongSupplier nanoClock;
    private final LinkedHashMap<String, Bucket> buckets;

    public RateLimiter(int permits, Duration period, int maxKeys, LongSupplier nanoClock) {
        if (permits < 1 || period.isNegative() || period.isZero() || maxKeys < 1) {
            throw new IllegalArgumentException("permits, period and maxKeys must be positive");
        }
        this.permits = permits;
        this.periodNanos = period.toNanos();
        this.nanoClock = nanoClock;
        this.buckets = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /**
     * Parses {@code "60/min"}, {@code "10/s"}, {@code "1000/h"}, {@code "5/10s"}, {@code "100/day"}.
     *
     * @throws IllegalArgumentException when the text is not of that form
     */
    public static RateLimiter parse(String spec, int maxKeys, LongSupplier nanoClock) {
        Matcher m = SPEC.matcher(spec == null ? "" : spec.toLowerCase(Locale.ROOT));
        if (!m.matches()) {
            throw new IllegalArgumentException("not a rate");
        }
        int n = Integer.parseInt(m.group(1));
        long mult = m.group(2).isEmpty() ? 1 : Long.parseLong(m.group(2));
        Duration unit = switch (m.group(3).charAt(0)) {
            case 's' -> Duration.ofSeconds(1);
            case 'm' -> Duration.ofMinutes(1);
            case 'h' -> Duration.ofHours(1);
            default -> Duration.ofDays(1);
        };
        if (n < 1 || mult < 1) {
            throw new IllegalArgumentException("not a rate");
        }
        return new RateLimiter(n, unit.multipliedBy(mult), maxKeys, nanoClock);
    }

    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "a rate such as 60/min, 10/s, 1000/h, 5/10s or 100/day";

    public int permits() {
        return permits;
    }

    public Duration period() {
        return Duration.ofNanos(periodNanos);
    }

    /** Takes one permit for {@code key} if there is one. */
    public synchronized Decision acquire(String key) {
        long now = nanoClock.getAsLong();
        Bucket b = buckets.get(key);
        if (b == null) {
            b = new Bucket();
            b.tokens = permits;
            b.atNanos = now;
            buckets.put(key, b);
        } else {
            double refill = (double) (now - b.atNanos) * permits / periodNanos;
            b.tokens = Math.min(permits, b.tokens + Math.max(0, refill));
            b.atNanos = now;
        }
        if (b.tokens >= 1) {
            b.tokens -= 1;
            return new Decision(true, Duration.ZERO);
        }
        long wait = (long) Math.ceil((1 - b.tokens) * periodNanos / permits);
        return new Decision(false, Duration.ofNanos(Math.max(1, wait)));
    }

    public synchronized int keys() {
        return buckets.size();
    }

    @Override
    public String toString() {
        return permits + " per " + Duration.ofNanos(periodNanos);
    }
}
