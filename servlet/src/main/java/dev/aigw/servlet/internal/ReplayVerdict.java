package dev.aigw.servlet.internal;

/**
 * What to do with a verified webhook delivery, as {@link ReplayGuard} decides it, in memory or on a shared engine
 * ({@code SharedReplays}). Its own file, so that the engine side needs nothing of the guard that uses it.
 *
 * <p>Internal: not API, may change in any release.
 */
public enum ReplayVerdict {
    /** First sight, or a retry of a delivery the application did not accept: hand it on; it is now in flight. */
    ADMITTED,
    /** The application already accepted this id within the window: do not hand it on again; answer 2xx. */
    DUPLICATE,
    /** The same id is being handled right now: answer "try again later" (not 2xx). */
    IN_FLIGHT,
    /** The shared engine could not be asked: do not hand it on, answer so that the sender retries (503). */
    UNAVAILABLE
}
