package dev.aigw.servlet.internal;

import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateUnavailableException;
import io.github.bucket4j.Bandwidth;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.BucketConfiguration;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A token bucket per key (a principal, or a client address): {@code permits} requests per {@code period}, with
 * bursts up to {@code permits}, refilled continuously (Bucket4j, greedy refill). A refused request learns how long
 * until one more is allowed, for {@code Retry-After}.
 *
 * <p>In memory, at most {@code maxKeys} buckets are kept (least recently used evicted: an evicted key starts again
 * with a full bucket). On a shared engine ({@link #of}) the buckets live there and hold for every instance; when the
 * engine cannot be asked the decision follows {@code aigw.state.on-failure} and says so ({@link Decision#unchecked}).
 * With local permits, a proxy per key (kept like the in-memory buckets) decides up to that many calls on the state
 * it last read and writes them with its next round trip (Bucket4j's delaying optimization; docs/CLUSTER.md).
 * Thread-safe.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RateLimiter {
    /** Most buckets the proxy keeps in memory per instance (least recently used evicted). */
    public static final int MEMORY_KEYS = 100_000;
    private static final Pattern SPEC = Pattern.compile(
            "\\s*(\\d{1,9})\\s*/\\s*(\\d{0,6})\\s*(s|sec|second|seconds|m|min|minute|minutes|h|hour|hours|d|day|days)\\s*");

    /**
     * What a request got. {@code retryAfter} is zero when allowed. {@code unchecked} is null when the limit was
     * checked, else why it could not be (the shared engine failed) and {@code allowed} is the on-failure policy's.
     */
    public record Decision(boolean allowed, Duration retryAfter, String unchecked) {
        public Decision(boolean allowed, Duration retryAfter) {
            this(allowed, retryAfter, null);
        }

        /** Whole seconds to wait, at least 1 when refused. */
        public long retryAfterSeconds() {
            if (allowed) {
                return 0;
            }
            long s = (retryAfter.toNanos() + 999_999_999L) / 1_000_000_000L;
            return Math.max(1, s);
        }
    }

    /** {@code permits} per {@code period}. */
    public record Rate(int permits, Duration period) {
        /**
         * Parses {@code "60/min"}, {@code "10/s"}, {@code "1000/h"}, {@code "5/10s"}, {@code "100/day"}.
         *
         * @throws IllegalArgumentException when the text is not of that form
         */
        public static Rate parse(String spec) {
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
            return new Rate(n, unit.multipliedBy(mult));
        }
    }

    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "a rate such as 60/min, 10/s, 1000/h, 5/10s or 100/day";

    private final int permits;
    private final Duration period;
    private final Bandwidth bandwidth;
    private final BucketConfiguration config;
    private final TimeMeter clock;
    /** In memory: the buckets; on an engine with local permits: the proxies holding each key's local state. */
    private final LinkedHashMap<String, Bucket> buckets;
    private final StateEngine engine; // shared; null in memory
    private final int localPermits; // on an engine: consumptions an instance may decide before writing them
    private final String keyPrefix;

    /**
     * How long an instance may decide on the state it last read, at most, when it has local permits: a principal
     * who calls through it is asked for on the engine at least this often (what it let through locally is written
     * then, however long ago that was).
     */
    public static final Duration SYNC_AFTER = Duration.ofSeconds(1);

    public RateLimiter(int permits, Duration period, int maxKeys, LongSupplier nanoClock) {
        this(new Rate(permits, period), maxKeys, nanoClock, null, 0);
    }

    private RateLimiter(Rate rate, int maxKeys, LongSupplier nanoClock, StateEngine engine, int localPermits) {
        if (rate.permits() < 1 || rate.period().isNegative() || rate.period().isZero() || maxKeys < 1
                || localPermits < 0) {
            throw new IllegalArgumentException("permits, period and maxKeys must be positive, localPermits not "
                    + "negative");
        }
        this.permits = rate.permits();
        this.period = rate.period();
        this.bandwidth = Bandwidth.builder().capacity(permits).refillGreedy(permits, period).build();
        this.config = BucketConfiguration.builder().addLimit(bandwidth).build();
        this.clock = new TimeMeter() {
            @Override
            public long currentTimeNanos() {
                return nanoClock.getAsLong();
            }

            @Override
            public boolean isWallClockBased() {
                return false;
            }
        };
        this.engine = engine;
        this.localPermits = engine == null ? 0 : localPermits;
        // the rate is part of the key: instances (or applications) with different limits never share a bucket
        this.keyPrefix = "aigw:rate:" + permits + "/" + period.toMillis() + "ms:";
        this.buckets = engine != null && this.localPermits == 0 ? null : new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Bucket> eldest) {
                return size() > maxKeys;
            }
        };
    }

    /** In memory (per instance), as the proxy had it. */
    public static RateLimiter parse(String spec, int maxKeys, LongSupplier nanoClock) {
        return new RateLimiter(Rate.parse(spec), maxKeys, nanoClock, null, 0);
    }

    /**
     * In memory when {@code engine} is null (at most {@code maxKeys} keys), else on the shared engine: every call
     * decided there when {@code localPermits} is 0, else up to that many per key decided on the state this instance
     * last read (at most {@code maxKeys} keys' states held; an evicted key's unwritten consumptions are forgotten).
     */
    public static RateLimiter of(Rate rate, int maxKeys, StateEngine engine, int localPermits) {
        return new RateLimiter(rate, maxKeys, System::nanoTime, engine, localPermits);
    }

    public int permits() {
        return permits;
    }

    public Duration period() {
        return period;
    }

    /** Takes one permit for {@code key} if there is one. */
    public Decision acquire(String key) {
        if (engine == null) {
            return decision(held(key).tryConsumeAndReturnRemaining(1));
        }
        try {
            if (localPermits > 0) { // decided here, or by a round trip that bounds itself
                Bucket b = held(key);
                return decision(engine.callOnCaller(() -> b.tryConsumeAndReturnRemaining(1)));
            }
            String shared = sharedKey(key);
            return decision(engine.call(() -> engine.bucket(shared, config).tryConsumeAndReturnRemaining(1)));
        } catch (StateUnavailableException e) {
            return new Decision(engine.failOpen(), engine.failOpen() ? Duration.ZERO
                    : Duration.ofSeconds(engine.retryAfterSeconds()), e.getMessage());
        }
    }

    /** The bucket kept for {@code key} (in memory, or the proxy holding its local state), made on first use. */
    private Bucket held(String key) {
        synchronized (buckets) {
            Bucket b = buckets.get(key);
            if (b == null) {
                b = engine == null ? Bucket.builder().addLimit(bandwidth).withCustomTimePrecision(clock).build()
                        : engine.bucket(sharedKey(key), config, localPermits, SYNC_AFTER);
                buckets.put(key, b);
            }
            return b;
        }
    }

    private static Decision decision(ConsumptionProbe p) {
        return p.isConsumed() ? new Decision(true, Duration.ZERO)
                : new Decision(false, Duration.ofNanos(Math.max(1, p.getNanosToWaitForRefill())));
    }

    /** Keys are principals' names or addresses; a long one is hashed, so that no engine key grows unbounded. */
    private String sharedKey(String key) {
        if (key.length() <= 200) {
            return keyPrefix + key;
        }
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8));
            return keyPrefix + "sha256:" + HexFormat.of().formatHex(h);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Buckets held in memory, or keys' local states held on a shared engine (0 without local permits). */
    public int keys() {
        if (buckets == null) {
            return 0;
        }
        synchronized (buckets) {
            return buckets.size();
        }
    }

    @Override
    public String toString() {
        return permits + " per " + period;
    }
}
