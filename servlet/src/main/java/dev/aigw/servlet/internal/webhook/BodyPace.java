package dev.aigw.servlet.internal.webhook;

import dev.aigw.servlet.internal.proxy.Refusal;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * Whether one webhook body is arriving fast enough, and the 408 that says it is not. Judged as bytes arrive and, read
 * non-blocking, by the filter's {@link dev.aigw.servlet.internal.Sweeper} a few times a second too, so that a sender
 * who sends nothing is judged as well. The one rule: all of the body within {@code aigw.webhook.read-timeout}, and,
 * after the first second, at least {@link #rate} bytes per second on average. Until the body is judged it holds its
 * declared length of the budget of unverified bytes, so a sender may not hold it longer than its length needs: a
 * declared length must arrive at half the pace at least that brings all of it within the read timeout (the half is
 * slack for a bursty network), and never slower than {@code aigw.webhook.min-rate}. A chunked body reserves only what
 * arrived: {@code aigw.webhook.min-rate} alone applies to it.
 *
 * <p>Per delivery, immutable. Internal: not API, may change in any release.
 */
final class BodyPace {
    private final WebhookConfig cfg;
    private final long declared; // -1: chunked
    private final long started = System.nanoTime();

    BodyPace(WebhookConfig cfg, long declared) {
        this.cfg = cfg;
        this.declared = declared;
    }

    /** {@link System#nanoTime()} from which the rate is judged: after the first second. */
    long judgedFrom() {
        return started + 1_000_000_000L;
    }

    /**
     * The bytes per second the body must average after the first second: {@code aigw.webhook.min-rate}, or, for a
     * declared length, half the rate that brings all of it within {@code aigw.webhook.read-timeout} if that is more.
     */
    long rate() {
        long paced = declared <= 0 ? 0 : (long) (declared * 1000.0 / cfg.readTimeout().toMillis() / 2);
        return Math.max(cfg.minRate(), paced);
    }

    /**
     * The 408 for a body of which {@code received} bytes arrived so far: past {@code aigw.webhook.read-timeout}, or
     * slower than {@link #rate} after the first second, judged once no more bytes are here ({@code more}: some are,
     * the next read returns at once); null while it is in time, and for a body all here.
     */
    Refusal late(long received, boolean more) {
        if (declared >= 0 && received >= declared) {
            return null; // all here (its end only not seen yet): nothing more to wait for
        }
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        if (elapsedMs > cfg.readTimeout().toMillis()) {
            return timedOut();
        }
        long rate = rate();
        if (!more && elapsedMs > 1000 && received < (double) rate * elapsedMs / 1000) { // double: no overflow
            return tooSlow("the webhook body arrived slower than " + rate + " bytes/s (" + (rate > cfg.minRate()
                    ? "half the rate that brings its declared " + declared + " bytes within "
                    + cfg.readTimeout().toSeconds() + " s, aigw.webhook.read-timeout" : "aigw.webhook.min-rate") + ")");
        }
        return null;
    }

    Refusal timedOut() {
        return tooSlow("the webhook body did not arrive within " + cfg.readTimeout().toSeconds()
                + " s (aigw.webhook.read-timeout)");
    }

    /** The container's read timeout failed a read: the sender paused longer than the container waits. */
    private Refusal stopped() {
        return tooSlow("the webhook body stopped arriving for longer than this server waits for the next bytes (its "
                + "read timeout); all of it must arrive within " + cfg.readTimeout().toSeconds()
                + " s (aigw.webhook.read-timeout), without a pause that long");
    }

    /** The one 408 of a body that came too slowly: the rest of it is not read, so the connection is closed. */
    private static Refusal tooSlow(String detail) {
        return Refusal.of(408, "webhook_too_slow", detail).with("Connection", "close");
    }

    /**
     * The container failed a read of the body ({@code failure}) after {@code received} bytes; answers on
     * {@code resp} if it can. Its own read timeout (a sender who stopped sending; Jetty: the connector's idle
     * timeout, Tomcat: connectionTimeout) is answered with {@link #late}'s 408, or one saying the body stopped
     * arriving. A sender gone (an early end of the stream or a reset, before the declared length) is not answered:
     * nobody hears it. But one who only half-closed could, and left to itself Jetty sends it an empty 200 for a body
     * never handed on, so the status is set to 400 with the connection closed. Nothing is thrown: the sender's failure
     * is no error of the application's, and neither read logs it. Where the container already answered itself
     * (Tomcat: its own 408 or 400 page), nothing is written.
     */
    void readFailed(HttpServletResponse resp, Throwable failure, long received) {
        try {
            if (stalled(failure)) {
                Refusal late = late(received, false);
                (late != null ? late : stopped()).send(resp);
            } else if (!resp.isCommitted()) {
                resp.setStatus(400);
                resp.setHeader("Connection", "close");
            }
        } catch (IOException | IllegalStateException gone) {
            // the connection went with the read: nobody to answer
        }
    }

    /** Whether a failed read is a read timeout (Jetty: a TimeoutException; Tomcat: a SocketTimeoutException). */
    private static boolean stalled(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof java.util.concurrent.TimeoutException || t instanceof java.io.InterruptedIOException) {
                return true;
            }
        }
        return false;
    }
}
