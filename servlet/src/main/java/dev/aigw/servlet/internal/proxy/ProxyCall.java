package dev.aigw.servlet.internal.proxy;

import dev.aigw.Exchange;
import dev.aigw.servlet.internal.Sweeper;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.Flow;

/**
 * One admitted request, carried to the gateway by the {@link Upstream} and back, all asynchronous: the body
 * streams up through {@link RequestBodyPublisher} (and the body gate, if any), the answer streams down through
 * {@link ResponseWriter}; neither is ever held whole. Every outcome ends the exchange once: complete, fail
 * (upstream, timeouts) or cancel (client gone, body refused). Its deadlines (time to the head, idle body, grace before
 * completing) are kept by {@link CallDeadlines}, which the proxy's {@link Sweeper} expires; the container's events
 * about the client reach it through {@link ClientEvents}.
 *
 * <p>One discipline for concurrency: the call's state (ended) changes only under this object's monitor, the client
 * side's (completed, a pending answer of our own) under {@link ClientEnd}'s; reads and writes on the client's
 * streams go through {@link ClientIo}; always taken in that order, never the other way round. Events arrive from
 * container threads, HTTP client threads and the sweeper alike.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ProxyCall implements RequestBodyPublisher.Events, ResponseWriter.Events, CallDeadlines.Waiting {
    /** Request attribute set when the client's response must be aborted (see {@link #cutIfAborted}). */
    static final String ABORT_ATTRIBUTE = "dev.aigw.proxy.abort";

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    private final ProxyConfig cfg;
    private final HttpServletRequest req;
    private final HttpServletResponse resp;
    private final AsyncContext ac;
    private final Exchange x;
    private final Admission.Admitted a;
    private final ClientIo clientIo = new ClientIo();
    private final ServletOutputStream out;
    private final ClientEnd client;
    private final CallDeadlines deadlines;
    // guarded by this
    private boolean ended;
    // set once, read anywhere
    private volatile Upstream.Call upstreamCall;
    private ClientWatch.Watched watch = ClientWatch.Watched.NONE; // guarded by this; from waitedLong to the head
    private volatile RequestBodyPublisher body;
    private volatile ResponseWriter writer;
    private volatile Refusal refusal;
    private ResponseHead unwritten; // guarded by this; the answer's head until it is written onto the response

    /**
     * On the ASYNC dispatch {@link ClientEnd#abort()} makes after the upstream failed mid-answer: throws, so that
     * the container cuts the connection and the client does not take a truncated body for a complete one.
     */
    public static void cutIfAborted(HttpServletRequest req) throws IOException {
        if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(ABORT_ATTRIBUTE) != null) {
            req.removeAttribute(ABORT_ATTRIBUTE);
            throw new IOException("aigw proxy: the upstream failed after the response was committed");
        }
    }

    /**
     * Forwards an admitted request: async processing started (without the container's timeout: the proxy's own
     * apply), the exchange begun, the upstream call sent. When that fails, the admission's permit is given back.
     */
    public static void forward(ProxyConfig cfg, HttpServletRequest req, HttpServletResponse resp, Admission.Admitted a)
            throws IOException, Refusal.Refused {
        try {
            Exchange x = cfg.gateway().forward(a.request().method(), a.route(), null);
            Upstream.Request r;
            try { // before async processing: a refusal here is answered as admission's are, its body read and dropped
                r = ForwardedRequest.head(cfg, req, a, x);
            } catch (Refusal.Refused refused) {
                x.cancel("refused: " + refused.refusal().detail());
                throw refused;
            }
            AsyncContext ac = req.startAsync(req, resp);
            ac.setTimeout(0); // streams and Prefer: wait outlive any container default
            x.note(a.note()); // a rate limit the shared state could not check, when it let the call through
            new ProxyCall(cfg, req, resp, ac, x, a).start(r);
        } catch (IOException | RuntimeException | Refusal.Refused e) {
            a.permit().release();
            throw e;
        }
    }

    private ProxyCall(ProxyConfig cfg, HttpServletRequest req, HttpServletResponse resp, AsyncContext ac, Exchange x,
                     Admission.Admitted a) throws IOException {
        this.cfg = cfg;
        this.req = req;
        this.resp = resp;
        this.ac = ac;
        this.x = x;
        this.a = a;
        this.out = resp.getOutputStream();
        this.client = new ClientEnd(req, resp, ac, out, clientIo, a.permit());
        this.deadlines = new CallDeadlines(cfg, this, this, client, () -> writer);
    }

    /** Starts the upstream call; call on the container thread that started async processing. */
    private void start(Upstream.Request r) throws IOException {
        ClientEvents events = new ClientEvents(client, deadlines, () -> writer, t -> clientGone(t, true));
        ac.addListener(events); // both listeners on the container thread; their events are forwarded
        out.setWriteListener(events);
        try {
            RequestBodyPublisher p = ForwardedRequest.body(cfg, req, a, r, clientIo, this);
            if (p != null) {
                body = p;
                p.listen();
            }
            if (refusal != null) {
                return;
            }
            deadlines.awaitHead();
            try (dev.aigw.ExchangeObserver.Scope s = x.activate()) { // the transport's own span nests under aigw's
                upstreamCall = cfg.upstream().send(r, this);
            }
            if (cfg.clientWatch().watches(req)) { // HTTP/1.1: the container would not tell us of a client that leaves
                deadlines.watchIfWaiting(); // before the answer's head; watched only if the head is slow (waitedLong)
            }
        } catch (Refusal.Refused refused) {
            refuse(refused.refusal());
        } catch (RuntimeException e) { // async already: answered here (e.g. the filter destroyed, its client stopped)
            fail(new Upstream.NotStarted(e));
        }
    }

    /**
     * Watches the client of a call that has waited a while for its head, on the sweeper's thread. Under this call's
     * monitor and only while it has neither ended nor had its head: every completion of the request follows
     * {@link #end()}, so the request is still this call's, not completed nor recycled, while the watch reads its
     * addresses.
     */
    @Override
    public synchronized void waitedLong() {
        if (ended || writer != null) {
            return;
        }
        try {
            watch = cfg.clientWatch().watch(req, () -> clientGone(new IOException(
                    "the client closed the connection"), false));
        } catch (RuntimeException e) {
            // a container that cannot say the request's addresses now: not watched; the caps and timeouts bound it
        }
    }

    /** The upstream's head arrived: stream the body (the head is written onto the response late, {@link #headDue}). */
    @Override
    public synchronized Flow.Subscriber<List<ByteBuffer>> head(Upstream.Head h) {
        if (ended) {
            return null; // the client is gone: touch nothing
        }
        watch.stop(); // from the head on, our writes find a client that left; the container may close it itself
        deadlines.headArrived();
        x.responseHead(h.status(), h::first, h.all("Content-Encoding"));
        unwritten = ResponseHead.of(cfg, a, h);
        try {
            ResponseWriter w = new ResponseWriter(out, clientIo, unwritten.body(), this);
            writer = w;
            return w;
        } catch (RuntimeException e) {
            clientGone(e, false);
            return null;
        }
    }

    /**
     * Writes the answer's head onto the response, once, late (see ARCHITECTURE.md); false once ended. Under this
     * call's monitor (it never lands after the call ended) and, inside it, under {@link ClientIo}, as every write on
     * the response: a problem of our own sets its head there and then finds the fields this wrote. Lock order: the
     * call's monitor, then ClientIo's lock, as everywhere; nothing done under ClientIo waits for the call's or
     * {@link ClientEnd}'s monitor, so this cannot deadlock with them.
     */
    @Override
    public synchronized boolean headDue() throws IOException {
        if (!ended && unwritten != null) {
            ResponseHead h = unwritten;
            if (clientIo.run(() -> {
                client.answered(h.writeTo(resp));
                return Boolean.TRUE;
            }) == null) {
                return false; // closed: the request is being completed
            }
            unwritten = null;
        }
        return !ended;
    }

    /** The upstream call failed before the head (or timed out waiting for it). */
    @Override
    public void failed(Throwable t) {
        fail(Refusal.cause(t));
    }

    private void fail(Throwable t) {
        Refusal r = refusal != null ? refusal : t instanceof Refusal.Refused rr ? rr.refusal() : null;
        if (r != null) {
            refuse(r);
            return;
        }
        if (!end()) {
            return;
        }
        Upstream.Call c = upstreamCall;
        if (c != null) {
            c.cancel(t); // a timeout: the upstream never gets the body's end
        }
        x.fail(t);
        if (writer != null || resp.isCommitted()) {
            client.abort();
            return;
        }
        Refusal p = Refusal.upstream(t, cfg.timeout());
        LOG.log(System.Logger.Level.DEBUG, () -> "aigw proxy: " + p.code() + ": " + cfg.gateway().redact(
                String.valueOf(t)));
        answer(p);
    }

    private void refuse(Refusal r) {
        refusal = r;
        if (!end()) {
            return;
        }
        x.cancel("refused: " + r.detail());
        Upstream.Call c = upstreamCall;
        if (c != null) {
            c.cancel(r.refused()); // the upstream never gets the body's end
        }
        answer(r);
    }

    /**
     * Answers with a problem of our own. An HTTP/1.1 body still on its way is read and dropped first, for at most
     * {@link BodyDrop#TIMEOUT_MS} (the sweeper completes the request then), so that no reset drops the answer.
     */
    private void answer(Refusal r) {
        RequestBodyPublisher p = body;
        if (p != null && p.restFitsDrop() && BodyDrop.leftOnConnection(req)) {
            deadlines.awaitBodyDrop();
            client.problem(r, p);
        } else {
            client.problem(r);
        }
    }

    /**
     * The client went away: stop the upstream call and end the exchange once (cancelled, or the error it answered).
     * No read or write on the client's streams may be in progress or start after this ({@link ClientIo}). The async
     * context is completed only from the container's own error event ({@code reportedByContainer}), inside it, as
     * Tomcat expects. When our own read or write found the client gone, the container reports the same failure as
     * an event shortly after (Tomcat and Jetty both do); completing earlier would race with that event, so this case
     * only waits for it, with a fallback for a container that sends none.
     */
    void clientGone(Throwable t, boolean reportedByContainer) {
        if (end()) {
            client.freePlace(); // before the record: whoever sees the call cancelled finds its place free
            x.responseClosed("client disconnected"); // the one meaning of an answer left early, in core
            RequestBodyPublisher p = body;
            if (p != null) {
                p.fail(new IOException("client disconnected"));
            }
            Upstream.Call c = upstreamCall;
            if (c != null) {
                c.cancel(t);
            }
        }
        clientIo.close(); // waits for a read or write in progress on another thread: none may outlive the request
        if (reportedByContainer) {
            client.complete(); // inside the container's callback, as Tomcat expects; after it returns the container ends it
        } else {
            deadlines.awaitContainerError();
        }
    }

    // --- events: the body's and the answer's (the container's are ClientEvents') ---

    @Override
    public void sent(ByteBuffer chunk) {
        x.requestBody(chunk);
    }

    @Override
    public void refused(Refusal.Refused r) {
        refusal = r.refusal();
    }

    @Override
    public void clientFailed(Throwable e, boolean reportedByContainer) {
        clientGone(e, reportedByContainer);
    }

    @Override
    public void received(ByteBuffer chunk) {
        x.responseBody(chunk);
    }

    @Override
    public void ending() {
        client.freePlace();
    }

    @Override
    public void completed() {
        if (end()) {
            client.complete(); // the answer first: handing the record to the listeners' thread wakes that thread
            x.complete();
        }
    }

    @Override
    public void upstreamFailed(Throwable e) {
        if (end()) {
            x.fail(e);
            client.abort();
        }
    }

    @Override
    public void clientFailed(Throwable e) {
        clientGone(e, false);
    }

    /** Marks the exchange ended and stops the answer's writer, if any; true for the first caller only. */
    private boolean end() {
        ResponseWriter w;
        synchronized (this) {
            if (ended) {
                return false;
            }
            ended = true;
            deadlines.ended();
            watch.stop();
            w = writer;
        }
        if (w != null) {
            w.stop(); // before any problem of ours takes the response: no write of the body may follow it
        }
        return true;
    }
}
