package dev.aigw.servlet.internal.state;

/**
 * The shared engine (Redis, a JCache cache) did not answer in time or failed. The message names the engine and
 * what went wrong, never a credential.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class StateUnavailableException extends Exception {
    private static final long serialVersionUID = 1L;

    public StateUnavailableException(String message) {
        super(message, null, false, false); // expected under failure, thrown often: no stack trace
    }
}
