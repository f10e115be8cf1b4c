package dev.aigw.servlet.internal.state;

import dev.aigw.servlet.internal.ReplayVerdict;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link dev.aigw.servlet.internal.ReplayGuard}'s semantics on a shared engine, for every instance at once. An id's
 * entry is {@code F|<nonce>|<time>} while a delivery is in flight and {@code A|<time>} once the application accepted
 * it, with the replay window as time to live (and the time in the value for engines without per-entry expiry).
 * First sight is one atomic set-if-absent, so of two instances receiving the same id at once exactly one hands it
 * on. The nonce makes "forget it on rejection" remove only this delivery's own mark.
 *
 * <p>Failures: when first sight cannot be decided the caller answers 503 (Replicate retries) and the mark this call
 * may have set is removed later; when "accepted" or "rejected" cannot be written they are retried by the engine
 * until they succeed or the window has passed.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class SharedReplays {
    private static final String PREFIX = "aigw:webhook:";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final StateEngine engine;
    private final Duration window;
    /** This instance's in-flight marks, by id. */
    private final ConcurrentHashMap<String, String> mine = new ConcurrentHashMap<>();

    public SharedReplays(StateEngine engine, Duration window) {
        this.engine = engine;
        this.window = window;
    }

    public ReplayVerdict begin(String id) {
        String key = PREFIX + id;
        byte[] nonce = new byte[9];
        RANDOM.nextBytes(nonce);
        String mark = "F|" + HexFormat.of().formatHex(nonce) + "|" + System.currentTimeMillis();
        try {
            for (int attempt = 0; attempt < 4; attempt++) {
                if (engine.tryPutIfAbsent(key, mark, window)) {
                    mine.put(id, mark);
                    return ReplayVerdict.ADMITTED;
                }
                String seen = engine.tryGet(key);
                if (seen == null) {
                    continue; // forgotten in between: try again
                }
                if (stale(seen)) {
                    if (engine.tryReplace(key, seen, mark, window)) {
                        mine.put(id, mark);
                        return ReplayVerdict.ADMITTED;
                    }
                    continue;
                }
                return seen.startsWith("A|") ? ReplayVerdict.DUPLICATE : ReplayVerdict.IN_FLIGHT;
            }
            return ReplayVerdict.IN_FLIGHT; // others keep changing it: it is being handled
        } catch (StateUnavailableException e) {
            // the set may have reached the engine before the failure: our answer is 503, so the sender's retry must
            // not find this mark
            engine.removeOrRetry("forget webhook-id " + id + " after an unanswered check", key, mark, window);
            return ReplayVerdict.UNAVAILABLE;
        }
    }

    /** False when the engine could not be told now (it will be, by a retry). */
    public boolean accepted(String id) {
        mine.remove(id);
        return engine.putOrRetry("accept webhook-id " + id, PREFIX + id, "A|" + System.currentTimeMillis(), window);
    }

    /** False when the engine could not be told now (it will be, by a retry). */
    public boolean rejected(String id) {
        String mark = mine.remove(id);
        if (mark == null) {
            return true;
        }
        return engine.removeOrRetry("forget rejected webhook-id " + id, PREFIX + id, mark, window);
    }

    public String problem() {
        return engine.problem();
    }

    private boolean stale(String value) {
        int bar = value.lastIndexOf('|');
        try {
            long at = Long.parseLong(value.substring(bar + 1));
            return System.currentTimeMillis() - at >= window.toMillis();
        } catch (NumberFormatException e) {
            return true; // not ours
        }
    }
}
