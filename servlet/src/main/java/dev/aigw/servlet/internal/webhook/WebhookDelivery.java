package dev.aigw.servlet.internal.webhook;

import dev.aigw.CallOptions;
import dev.aigw.servlet.internal.Responses;
import dev.aigw.servlet.internal.Sweeper;
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
import java.util.concurrent.TimeUnit;

/**
 * One webhook delivery whose path, method, headers and timestamp {@link WebhookReception} accepted, from the first
 * byte of its body to the application's answer: the body read within the limits (non-blocking), the signature and
 * replay checks, then the hand-on to the application, whose answer means what {@link VerifiedDelivery} says. Listens
 * to the body's reads and to the request's async life, and is judged by the filter's {@link Sweeper} while it reads:
 * what it reads is under the lock of this object, what comes after the hand-on under its {@code VerifiedDelivery}'s
 * (never both at once).
 *
 * <p>Internal: not API, may change in any release.
 */
final class WebhookDelivery implements ReadListener, AsyncListener, Sweeper.Timed {
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
    /** Whether the body arrives fast enough: judged as bytes arrive and, read non-blocking, by the sweeper. */
    final BodyPace pace;
    private long lateSince; // guarded by this: when the sweeper first found the body late (nanoTime), 0 if not
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
        this.pace = new BodyPace(cfg, req.getContentLengthLong());
    }

    void readAsync() throws IOException {
        ac = req.startAsync(verified.request(), resp);
        ac.setTimeout(cfg.readTimeout().toMillis());
        ac.addListener(this);
        in = req.getInputStream();
        in.setReadListener(this);
        cfg.sweeper().add(this); // a sender who sends nothing is judged too, not only when bytes come
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
            Refusal late = in.isFinished() ? null : pace.late(received(), false);
            if (late != null) {
                answer(late);
            }
        }
    }

    /** The bytes of the body that arrived so far, held or dropped. Under the lock. */
    private long received() {
        return dropThenAnswer != null ? dropped : body.size();
    }

    /** From the first second on, the sweeper judges the pace whether bytes come or not. */
    @Override
    public long deadline() {
        return pace.judgedFrom();
    }

    /**
     * On the sweeper's thread: a body still being read that is late on two sweeps in a row is answered as one judged
     * on its bytes. Once is not enough: after a pause of the whole server (a long collection, a stalled machine) the
     * sweeper may run before the container hands over the bytes that came meanwhile; a sweep later they are counted.
     */
    @Override
    public boolean expire(long now) {
        synchronized (this) {
            Refusal late = reading ? pace.late(received(), false) : null;
            if (late == null) {
                lateSince = 0;
            } else if (lateSince == 0) {
                lateSince = now;
            } else if (now - lateSince >= TimeUnit.MILLISECONDS.toNanos(WebhookConfig.SWEEP_MS)) {
                try {
                    answer(late);
                } catch (IOException gone) {
                    // the sender left: answer() completed the request all the same
                }
            }
            return !reading;
        }
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
            received = received();
        }
        reservation.giveBack();
        pace.readFailed(resp, t, received);
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
                answer(pace.timedOut());
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
        cfg.sweeper().remove(this);
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
