package dev.aigw.jaxrs.internal;

import dev.aigw.internal.ConnectFailure;

import java.io.InputStream;
import java.io.Reader;

/**
 * {@code aigw.fallback} on a Jakarta REST client, for the stacks whose hooks see a failed send (Jersey's
 * post-invocation interceptor, RESTEasy's {@link ResteasyTransport}, CXF's bus interceptor): whether a failed call
 * may go to the provider directly. Each stack resends through its own filter chain, so that the application's
 * filters see the resend as they saw the first attempt.
 *
 * <p>Internal: not API, may change in any release.
 */
final class DirectFallback {
    private DirectFallback() {
    }

    /**
     * Whether {@code call}, which failed with {@code errors} (no response) while sending {@code entity} (null: none),
     * should be resent directly, and if so switches its exchange to the provider: only when fallback is on, the gateway
     * provably never received the request (a failure to connect) and the entity can be written again (a stream was
     * consumed by the first attempt).
     */
    static boolean applies(AigwFilter.Call call, Object entity, Iterable<? extends Throwable> errors) {
        if (entity instanceof InputStream || entity instanceof Reader || !neverConnected(errors)) {
            return false;
        }
        return call.exchange().fallBackToDirect();
    }

    private static boolean neverConnected(Iterable<? extends Throwable> errors) {
        for (Throwable t : errors) {
            if (ConnectFailure.neverConnected(t)) {
                return true;
            }
        }
        return false;
    }

    /** A header aigw added for the gateway, which stays off a direct call. */
    static boolean gatewayHeader(String name) {
        return name.regionMatches(true, 0, "cf-aig-", 0, 7);
    }
}
