package dev.aigw.servlet.internal.state;

import dev.aigw.servlet.internal.ServletSettings;

import java.time.Duration;

/**
 * What a control needs the shared state to keep, and the start-up refusal when the engine would drop it sooner
 * ({@link StateEngine#cannotKeep}): one check and one message format for every control that keeps entries there.
 *
 * <p>Internal: not API, may change in any release.
 */
public enum Retention {
    /** A rate limit's bucket: dropped before its period, it comes back full. */
    BUCKET("a period the shared state keeps a bucket for", "a bucket", "its principal's last call",
            "it comes back full", "a shorter period", ": aigw creates its cache so when this limit is among the "
            + "application's settings (not only the filter's), and a cache that exists already keeps its "
            + "configuration"),
    /** An accepted webhook id: dropped before the replay window ends, a replay of it is handed on again. */
    WEBHOOK_ID("a tolerance whose replay window the shared state keeps accepted webhook-ids for",
            "an accepted webhook-id", "its acceptance (the replay window: 2 × tolerance + 1m)",
            "a replay inside the window is handed on to the application again", "a shorter tolerance",
            ": a cache aigw creates keeps them " + ServletSettings.human(StateEngines.CREATED_CACHE_EXPIRY)
            + " or longer, and a cache that exists already keeps its configuration");

    private final String what;
    private final String entry;
    private final String since;
    private final String cost;
    private final String shorter;
    private final String note;

    Retention(String what, String entry, String since, String cost, String shorter, String note) {
        this.what = what;
        this.entry = entry;
        this.since = since;
        this.cost = cost;
        this.shorter = shorter;
        this.note = note;
    }

    /**
     * Refuses, as a settings error on {@code key = value} (reported with its origin in {@code s}), an entry that
     * {@code engine} would drop before {@code needed} has passed since its last write; nothing when it keeps it
     * (or when there is no engine: memory mode bounds its own entries).
     */
    public void require(StateEngine engine, Duration needed, ServletSettings s, String key, String value) {
        String lost = engine == null ? null : engine.cannotKeep(needed);
        if (lost == null) {
            return;
        }
        String n = ServletSettings.human(needed);
        throw s.invalid(key, value, what + ": " + entry + " must live " + n + " after " + since + ", or " + cost
                + ", and " + lost + "; use " + shorter + ", or a cache whose expiry keeps entries at least " + n
                + " after their last write (or for ever)" + note);
    }
}
