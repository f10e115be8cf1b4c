package dev.aigw.internal;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;

/**
 * The one rule every adapter's direct fallback asks: did a failed send provably never reach the gateway? Only a
 * failure to connect says so (refused, unresolvable, unroutable, a connect timeout); anything later — a reset, a read
 * timeout — may have reached it, and a second attempt could run a prediction twice.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ConnectFailure {
    private ConnectFailure() {
    }

    /** Whether {@code error} or one of its causes is a failure to connect. */
    public static boolean neverConnected(Throwable error) {
        for (Throwable c = error; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof ConnectException || c instanceof UnknownHostException
                    || c instanceof UnresolvedAddressException || c instanceof NoRouteToHostException
                    // Apache HttpClient 4 and 5 report a connect timeout as their own ConnectTimeoutException (a
                    // subclass of InterruptedIOException or SocketTimeoutException, like read timeouts): by name
                    || c.getClass().getSimpleName().equals("ConnectTimeoutException")) {
                return true;
            }
        }
        return false;
    }
}
