package dev.aigw.servlet.internal.webhook;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.CreatorIndex;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.Sweeper;

import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;

/**
 * Everything one webhook filter needs, resolved at start-up.
 *
 * @param path        the exact path deliveries come to (null: the filter's exact mapping)
 * @param readTimeout the longest a delivery's body may take to arrive, in all
 * @param minRate     the slowest a body may arrive, in bytes per second, judged after the first second (a declared
 *                    length must also keep the pace of {@link BodyPace#rate})
 * @param creators    who created a prediction, by its id (and whether the shared state could say), or null
 * @param budget      the bytes all deliveries not verified yet may hold together
 * @param sweeper     judges the pace of the bodies read non-blocking, whether bytes come or not; stopped with the
 *                    filter
 *
 * <p>Internal: not API, may change in any release.
 */
public record WebhookConfig(WebhookVerifier verifier, ReplayGuard replays, Gateway gateway,
                            Function<String, CreatorIndex.Lookup> creators, Clock clock, int maxBody,
                            Duration readTimeout, int minRate, String path, WebhookBudget budget,
                            Sweeper sweeper) {
    /** Defaults of {@code aigw.webhook.read-timeout} and {@code aigw.webhook.min-rate}. */
    public static final Duration DEFAULT_READ_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_MIN_RATE = 4096;
    /** Floor of the default of {@code aigw.webhook.max-unverified-bytes}: 32 MiB, or twice the body limit. */
    public static final long DEFAULT_MAX_UNVERIFIED = 32L * 1024 * 1024;
    /** Largest {@code aigw.webhook.max-unverified-bytes}: 1 GiB. */
    public static final long MAX_UNVERIFIED = 1L << 30;

    /** How often the sweeper judges a body; a body it finds late is cut only if still late a sweep later. */
    static final long SWEEP_MS = 250;

    /**
     * The sweeper of one filter: its thread ({@code aigw-webhook-sweeper}) judges every body being read four times a
     * second, and ends after 10 s without one.
     */
    public static Sweeper newSweeper() {
        return new Sweeper("aigw-webhook-sweeper", Duration.ofMillis(SWEEP_MS), Duration.ofSeconds(10));
    }

    /** Ends the sweeper's thread, with the filter. */
    public void stop() {
        sweeper.stop();
    }
}
