package dev.aigw.servlet.internal.state;

import dev.aigw.servlet.internal.ReplayVerdict;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link dev.aigw.servlet.internal.ReplayGuard}'s semantics on a shared engine, for every instance at once. An id's
 * entry is {@code F|<nonce>|<time>} while a delivery is in flight and {@code A|<time>} once the application accepted
 * it, with the replay window as time to live (and the time in the value for engines without per-entry expiry).
 * First sight is one atomic set-if-absent, so of two instances receiving the same id at once exactly one hands it
 * on. The nonce makes "forget it on rejection" remove only this delivery's own mark.
 *
 * <p>An in-flight mark stays while its handler runs, however long: this instance renews its own marks (new time, new
 * time to live) every third of the window on the engine's timer, so a retry that reaches another instance is
 * answered "in flight" rather than handed on a second time. A mark whose instance is gone is no longer renewed and
 * ends within one window, so Replicate's next retry reaches the application.
 *
 * <p>Failures: when first sight cannot be decided the caller answers 503 (Replicate retries) and the mark this call
 * may have set is removed later; when "accepted" or "rejected" cannot be written they are retried by the engine
 * until they succeed or the window has passed. A renewal that fails is tried again every second (the engine's
 * cool-down) instead of every third of the window: meanwhile no instance admits anything (each answers 503), and a
 * mark that expired or was lost while the engine was down (a restarted Redis) is set again when it answers.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class SharedReplays {
    private static final String PREFIX = "aigw:webhook:";
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    private final StateEngine engine;
    private final Duration window;
    private final Duration renewEvery;
    /** This instance's in-flight marks, by id (a renewal replaces a mark; the handler's end removes it). */
    private final ConcurrentHashMap<String, String> mine = new ConcurrentHashMap<>();
    private final Object renewLock = new Object();
    private boolean renewing; // a renewal is scheduled or running; guarded by renewLock

    public SharedReplays(StateEngine engine, Duration window) {
        this.engine = engine;
        this.window = window;
        this.renewEvery = window.dividedBy(3);
    }

    public ReplayVerdict begin(String id) {
        String key = PREFIX + id;
        byte[] nonce = new byte[9];
        RANDOM.nextBytes(nonce);
        String mark = inFlightMark(HexFormat.of().formatHex(nonce), System.currentTimeMillis());
        try {
            for (int attempt = 0; attempt < 4; attempt++) {
                if (engine.tryPutIfAbsent(key, mark, window)) {
                    return admitted(id, mark);
                }
                String seen = engine.tryGet(key);
                if (seen == null) {
                    continue; // forgotten in between: try again
                }
                if (stale(seen)) {
                    if (engine.tryReplace(key, seen, mark, window)) {
                        return admitted(id, mark);
                    }
                    continue;
                }
                return isAccepted(seen) ? ReplayVerdict.DUPLICATE : ReplayVerdict.IN_FLIGHT;
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
        return engine.putOrRetry("accept webhook-id " + id, PREFIX + id,
                acceptedMark(System.currentTimeMillis()), window);
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

    private ReplayVerdict admitted(String id, String mark) {
        mine.put(id, mark);
        synchronized (renewLock) {
            if (!renewing) {
                renewing = engine.schedule(this::renew, renewEvery);
            }
        }
        return ReplayVerdict.ADMITTED;
    }

    /**
     * Renews this instance's marks; the next round is in a third of the window, or in a second after a failure, and
     * none once nothing is in flight here. A mark that finished meanwhile is never brought back: each write is
     * conditional, and one that raced with the end of its handler is taken back.
     */
    private void renew() {
        boolean failed = true; // until the round went through: also when it ended by surprise
        try {
            failed = !renewRound();
        } finally {
            synchronized (renewLock) {
                renewing = !mine.isEmpty() && engine.schedule(this::renew, failed
                        ? Duration.ofMillis(StateEngine.COOL_DOWN_MILLIS) : renewEvery);
            }
        }
    }

    /** False when the engine did not answer (the rest of the round would fail at once: it is cooling down). */
    private boolean renewRound() {
        for (Map.Entry<String, String> e : mine.entrySet()) {
            String id = e.getKey();
            String mark = e.getValue();
            String key = PREFIX + id;
            String fresh = renewedMark(mark, System.currentTimeMillis());
            try {
                boolean set = engine.tryReplace(key, mark, fresh, window)
                        // gone (expired while the engine was down, or a restarted engine lost it): set it again
                        || mark.equals(mine.get(id)) && engine.tryPutIfAbsent(key, fresh, window);
                if (!set) {
                    if (mine.remove(id, mark)) { // another instance admitted a retry once the mark was gone
                        LOG.log(System.Logger.Level.WARNING, "aigw: webhook-id " + id + " was admitted by another "
                                + "instance while this one still handled it (its in-flight mark was lost while "
                                + "the shared state did not answer)");
                    }
                } else if (!mine.replace(id, mark, fresh)) {
                    // the handler ended meanwhile (its end wrote with the old mark): take the fresh one back
                    engine.removeOrRetry("forget webhook-id " + id + " renewed as its handler ended", key, fresh,
                            window);
                }
            } catch (StateUnavailableException down) {
                return false;
            }
        }
        return true;
    }

    private boolean stale(String value) {
        try {
            return System.currentTimeMillis() - timeOf(value) >= window.toMillis();
        } catch (NumberFormatException e) {
            return true; // not ours
        }
    }

    // --- the entries' values: F|<nonce>|<time> in flight, A|<time> accepted (time: wall-clock milliseconds) ---

    private static String inFlightMark(String nonce, long millis) {
        return "F|" + nonce + "|" + millis;
    }

    private static String acceptedMark(long millis) {
        return "A|" + millis;
    }

    /** The in-flight {@code mark}, same nonce, with a new time. */
    private static String renewedMark(String mark, long millis) {
        return mark.substring(0, mark.lastIndexOf('|') + 1) + millis;
    }

    private static boolean isAccepted(String value) {
        return value.startsWith("A|");
    }

    /** The time in either kind of value. */
    private static long timeOf(String value) throws NumberFormatException {
        return Long.parseLong(value.substring(value.lastIndexOf('|') + 1));
    }
}
