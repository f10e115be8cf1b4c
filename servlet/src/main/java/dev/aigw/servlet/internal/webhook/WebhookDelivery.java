package dev.aigw.servlet.internal.webhook;

import dev.aigw.CallOptions;
import dev.aigw.servlet.internal.Responses;
import dev.aigw.servlet.internal.WebhookRecords;
import dev.aigw.servlet.internal.state.Unavailable;
import dev.aigw.servlet.internal.proxy.Refusal;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One webhook delivery whose path, method, headers and timestamp {@link WebhookReception} accepted, from the first
 * byte of its body to the application's answer: the body read within the limits (non-blocking), the signature and
 * replay checks, then the hand-on to the application, whose answer means what {@link VerifiedDelivery} says. Listens
 * to the body's reads and to the request's async life: what it reads is under the lock of this object, what comes
 * after the hand-on under its {@code VerifiedDelivery}'s (never both at once).
 *
 * <p>Internal: not API, may change in any release.
 */
final class WebhookDelivery implements ReadListener, AsyncListener {
    /** Request attribute: the delivery that the ASYNC dispatch of its verified request belongs to. */
    static final String ATTRIBUTE = "dev.aigw.webhook.delivery";

    static Refusal refusal(WebhookVerifier.Result r) {
        return switch (r.status()) {
            case MISSING_HEADERS, MALFORMED_HEADERS -> Refusal.of(400, "webhook_headers_invalid", r.message());
            case TIMESTAMP_OUT_OF_TOLERANCE -> Refusal.of(401, "webhook_timestamp_out_of_tolerance", r.message());
            default -> Refusal.of(401, "webhook_signature_mismatch", r.message());
        };
    }

    /**
     * Bytes of a refused body (over the size limit, or over the budget) read and dropped (non-blocking), so that the
     * client gets to read the answer; past it, or for a larger declared body, the connection is closed instead.
     */
    static final long DRAIN_LIMIT = 8L * 1024 * 1024;

    static Refusal tooLarge(WebhookConfig cfg) {
        return Refusal.of(413, "webhook_too_large", "the webhook body is larger than the limit of " + cfg.maxBody()
                + " bytes (aigw.webhook.max-body-bytes)");
    }

    /** 503: the filter holds as many unverified bodies as {@code aigw.webhook.max-unverified-bytes} allows. */
    static Refusal overBudget(WebhookConfig cfg) {
        return Refusal.of(503, "webhook_budget_exhausted", "the webhook filter holds as many unverified webhook "
                + "bodies as its limit of " + cfg.budget().limit() + " bytes allows "
                + "(aigw.webhook.max-unverified-bytes); this delivery was not handed on, deliver it again later")
                .with("Retry-After", "5").extra(Map.of("retry_after", 5));
    }

    private final WebhookConfig cfg;
    private final HttpServletRequest req;
    private final HttpServletResponse resp;
    private final String id;
    private final String ts;
    private final String sig;
    private final VerifiedDelivery verified;
    /** Of the bytes unverified deliveries may hold: given back once the body is judged, or on any other end. */
    final WebhookBudget.Reservation reservation;
    private final BodyBuffer body;
    private final long started = System.nanoTime();
    private final byte[] buf = new byte[8192];
    private AsyncContext ac;
    private ServletInputStream in;
    private boolean reading = true; // guarded by this, as the fields down to dropped
    private Refusal dropThenAnswer; // refused (too large, over the budget): the body read and dropped, then this
    private long dropped;

    WebhookDelivery(WebhookConfig cfg, HttpServletRequest req, HttpServletResponse resp, String id, String ts,
            String sig) {
        this.cfg = cfg;
        this.req = req;
        this.resp = resp;
        this.id = id;
        this.ts = ts;
        this.sig = sig;
        this.verified = new VerifiedDelivery(cfg, req, id);
        this.reservation = cfg.budget().reservation();
        this.body = new BodyBuffer(reservation, req.getContentLengthLong(), cfg.maxBody());
    }

    void readAsync() throws IOException {
        ac = req.startAsync(verified.request(), resp);
        ac.setTimeout(cfg.readTimeout().toMillis());
        ac.addListener(this);
        in = req.getInputStream();
        in.setReadListener(this);
    }

    /** The body will be read and dropped, then {@code answer} given (null: read it). */
    synchronized void dropThenAnswer(Refusal answer) {
        dropThenAnswer = answer;
    }

    /** Refused over the budget: the record says so (the delivery is answered 503, and Replicate delivers it again). */
    Refusal refusedOverBudget() {
        if (cfg.gateway() != null && cfg.gateway().enabled()) {
            byte[] none = new byte[0];
            WebhookRecords.emit(cfg.gateway(), 503, none, WebhookRecords.sniff(none), CallOptions.NONE, req,
                    List.of("body not read: the unverified deliveries' bodies would exceed "
                            + "aigw.webhook.max-unverified-bytes (" + cfg.budget().limit() + " bytes); answered 503, "
                            + "not handed on, to be delivered again"));
        }
        return overBudget(cfg);
    }

    @Override
    public void onDataAvailable() throws IOException {
        synchronized (this) {
            if (!reading) {
                return;
            }
            while (!in.isFinished() && in.isReady()) {
                int room = dropThenAnswer == null ? body.room() : 0;
                if (room > 0) { // within the declared length: straight into the body, already reserved
                    int n = in.read(body.array(), body.size(), room);
                    if (n < 0) {
                        break;
                    }
                    body.filled(n);
                    continue;
                }
                int n = in.read(buf);
                if (n < 0) {
                    break;
                }
                if (dropThenAnswer == null && body.size() + n > cfg.maxBody()) {
                    drop(tooLarge(cfg));
                } else if (dropThenAnswer == null && !body.append(buf, 0, n)) { // chunked: reserved as it grows
                    drop(refusedOverBudget());
                }
                if (dropThenAnswer != null) {
                    dropped += n;
                    if (dropped > DRAIN_LIMIT) {
                        answer(dropThenAnswer.with("Connection", "close"));
                        return;
                    }
                }
            }
            Refusal late = in.isFinished() ? null : late(dropThenAnswer != null ? dropped : body.size(), false);
            if (late != null) {
                answer(late);
            }
        }
    }

    /**
     * The 408 for a body of which {@code received} bytes arrived so far: past {@code aigw.webhook.read-timeout} (read
     * non-blocking, the async timeout says so first), or slower than {@code aigw.webhook.min-rate} after the first
     * second, judged once no more bytes are here ({@code more}: some are, the next read returns at once); null while
     * it is in time.
     */
    Refusal late(long received, boolean more) {
        long elapsedMs = (System.nanoTime() - started) / 1_000_000;
        if (elapsedMs > cfg.readTimeout().toMillis()) {
            return timedOut();
        }
        // elapsedMs is within the read timeout here; a long one (given in code) with a high rate would overflow
        if (!more && elapsedMs > 1000 && (elapsedMs > Long.MAX_VALUE / cfg.minRate()
                || received < cfg.minRate() * elapsedMs / 1000)) {
            return tooSlow("the webhook body arrived slower than " + cfg.minRate()
                    + " bytes/s (aigw.webhook.min-rate)");
        }
        return null;
    }

    private Refusal timedOut() {
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
     * The container failed a read of the body ({@code failure}) after {@code received} bytes, and answers if it can.
     * Its own read timeout (a sender who stopped sending; Jetty: the connector's idle timeout, Tomcat:
     * connectionTimeout) is answered with {@link #late}'s 408, or one saying the body stopped arriving. A sender gone
     * (an early end of the stream or a reset, before the declared length) is not answered: nobody hears it. But one
     * who only half-closed could, and left to itself Jetty sends it an empty 200 for a body never handed on, so the
     * status is set to 400 with the connection closed. Nothing is thrown: the sender's failure is no error of the
     * application's, and neither read logs it. Where the container already answered itself (Tomcat: its own 408 or
     * 400 page), nothing is written.
     */
    void readFailed(Throwable failure, long received) {
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

    @Override
    public void onAllDataRead() throws IOException {
        synchronized (this) {
            if (!reading) {
                return;
            }
            if (dropThenAnswer != null) {
                answer(dropThenAnswer);
                return;
            }
            reading = false;
        }
        if (verified(body.array(), body.size())) {
            ac.dispatch(); // to the application, with the verified body, as an ASYNC dispatch
        } else {
            ac.complete();
        }
    }

    @Override
    public void onError(Throwable t) {
        long received;
        synchronized (this) {
            if (!reading) {
                return;
            }
            reading = false;
            received = dropThenAnswer != null ? dropped : body.size();
        }
        reservation.giveBack();
        readFailed(t, received);
        try { // the sender left mid-body or stalled: end it now (Jetty keeps the connection until the read timeout)
            ac.complete();
        } catch (IllegalStateException alreadyEnded) {
            // the container ended it
        }
    }

    @Override
    public void onTimeout(AsyncEvent event) throws IOException {
        synchronized (this) {
            if (reading) {
                answer(timedOut());
                return;
            }
        }
        verified.finished(500);
    }

    /** From here on the body is read and dropped, and {@code r} is the answer. */
    private void drop(Refusal r) {
        dropThenAnswer = r;
        dropped = body.size();
        body.release();
        reservation.giveBack();
    }

    /** An answer of ours while reading: the rest of the body is not read, the connection is closed. */
    private void answer(Refusal r) throws IOException {
        reading = false;
        reservation.giveBack();
        try {
            r.send(resp);
        } finally {
            ac.complete();
        }
    }

    /**
     * Verifies the body, the first {@code len} bytes of {@code held} (null: empty); answers and returns false when it
     * is not a delivery to hand on.
     */
    boolean verified(byte[] held, int len) throws IOException {
        WebhookVerifier.Result r = cfg.verifier().verify(id, ts, sig, held == null ? new byte[0] : held, len,
                cfg.clock().instant().getEpochSecond());
        reservation.giveBack(); // judged: no longer an unverified body, before the sender hears either way
        byte[] bytes = BodyBuffer.exact(held, len); // a grown body trimmed now, outside the budget
        if (!r.valid()) {
            refusal(r).send(resp);
            return false;
        }
        switch (cfg.replays().begin(id)) {
            case DUPLICATE -> {
                resp.setHeader("aigw-webhook", "duplicate");
                Responses.json(resp, 200, "{\"status\":\"duplicate\",\"detail\":\"this webhook-id was already "
                        + "delivered and accepted; it is not handed on again\"}");
                return false;
            }
            case IN_FLIGHT -> {
                Refusal.of(409, "webhook_in_flight", "webhook-id " + id + " is being handled right now; retry "
                        + "later").with("Retry-After", "5").extra(Map.of("retry_after", 5)).send(resp);
                return false;
            }
            case UNAVAILABLE -> { // nothing is handed on unchecked; Replicate delivers it again
                Unavailable.webhookRefused(cfg.gateway(), bytes, cfg.replays().problem(), req, resp);
                return false;
            }
            default -> {
            }
        }
        try {
            verified.prepare(bytes);
            req.setAttribute(ATTRIBUTE, this);
            verified.markHandedOn();
        } catch (RuntimeException | Error e) { // not handed on: in flight no more (begin is always paired)
            cfg.replays().rejected(id);
            throw e;
        }
        return true;
    }

    /** Runs the application's handler on the verified request, in the creator's context. */
    void handOn(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        verified.run(request, response, chain, ac == null); // no async context: the body was read blocking
    }

    @Override
    public void onComplete(AsyncEvent event) {
        reservation.giveBack(); // whatever path ended the request
        if (verified.isHandedOn()) {
            verified.finished(resp.getStatus());
        }
    }

    @Override
    public void onStartAsync(AsyncEvent event) {
        event.getAsyncContext().addListener(this); // the application went async in turn: stay informed
    }

    @Override
    public void onError(AsyncEvent event) {
        synchronized (this) {
            reading = false;
        }
        reservation.giveBack();
        if (verified.isHandedOn()) {
            verified.finished(500);
        }
    }

    /** The request as the application sees it: with the verified body. */
    HttpServletRequest wrapped() {
        return verified.request();
    }
}
