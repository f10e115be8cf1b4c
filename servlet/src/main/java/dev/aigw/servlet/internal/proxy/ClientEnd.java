package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.ProblemJson;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/**
 * How a {@link ProxyCall} ends on the client's side, once: completed, answered with a problem of its own (written
 * through the non-blocking stream), or aborted so that a truncated body is never taken for a complete one. Its state
 * (completed, a pending problem) changes under this object's monitor, taken after the call's and before
 * {@link ClientIo}'s lock, never the other way round.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ClientEnd {
    private final HttpServletRequest req;
    private final HttpServletResponse resp;
    private final AsyncContext ac;
    private final ServletOutputStream out;
    private final ClientIo clientIo;
    private final ConcurrencyLimit.Permit permit;
    // guarded by this
    private boolean completed;
    private byte[] problem; // an answer of our own waiting for the container to accept output
    private RequestBodyPublisher unread; // a body whose rest is read and dropped after that answer, before completing
    private volatile Upstream.Head answered; // the upstream head whose fields were written onto the response, if any

    ClientEnd(HttpServletRequest req, HttpServletResponse resp, AsyncContext ac, ServletOutputStream out,
              ClientIo clientIo, ConcurrencyLimit.Permit permit) {
        this.req = req;
        this.resp = resp;
        this.ac = ac;
        this.out = out;
        this.clientIo = clientIo;
        this.permit = permit;
    }

    /**
     * The fields of the upstream head {@code h} were written onto the response (its first bytes are being written): a
     * problem after it removes them, or cuts the connection where a {@code Content-Encoding} would stay.
     */
    void answered(Upstream.Head h) {
        answered = h;
    }

    /** Answers with a problem of our own, through the non-blocking stream, then completes. */
    void problem(Refusal p) {
        problem(p, null);
    }

    /**
     * The same; when {@code unread} is given, the answer closes the connection and has no length, and the rest of the
     * body is read and dropped before completing (see {@link Refusal#sendUnread}).
     */
    void problem(Refusal p, RequestBodyPublisher unread) {
        byte[] b = ProblemJson.bytes(p.status(), p.title(), p.detail(), p.code(), p.extra());
        Headed headed;
        synchronized (this) {
            try {
                // under ClientIo, as every write: a write of the answer's body may be under way on another thread
                headed = clientIo.run(() -> headOnto(p, b.length, unread != null));
            } catch (IOException | RuntimeException e) {
                headed = Headed.FAILED;
            }
            if (headed == Headed.DONE) {
                problem = b;
                this.unread = unread;
            }
        }
        if (headed != Headed.DONE) {
            if (headed == Headed.FAILED) {
                complete();
            } else {
                cut(); // committed (or closed: the client is gone): it must not see a clean end
            }
            return;
        }
        if (unread == null) {
            freePlace(); // its length is set: the client may see the answer end as soon as it is written
        }
        writeProblemIfReady();
    }

    /** What {@link #headOnto} made of the response. */
    private enum Headed { DONE, CUT, FAILED }

    /** The problem's head replaces whatever the response holds, unless it was committed; under ClientIo's lock. */
    private Headed headOnto(Refusal p, int length, boolean unread) {
        if (resp.isCommitted() || !clearedOfAnswered()) {
            return Headed.CUT;
        }
        try {
            resp.resetBuffer();
            resp.setStatus(p.status());
            resp.setHeader("Content-Encoding", null);
            resp.setHeader("Cache-Control", "no-store");
            p.headers().forEach(resp::setHeader);
            resp.setContentType(ProblemJson.CONTENT_TYPE);
            if (unread) {
                resp.setHeader("Connection", "close");
            } else {
                resp.setContentLength(length);
            }
            return Headed.DONE;
        } catch (RuntimeException e) {
            return Headed.FAILED;
        }
    }

    /**
     * Removes the fields of the upstream head written onto the response, if any: nothing of it describes a problem
     * (the gateway's ids, an {@code ETag}...); Content-Length and Content-Type are replaced by the problem's own. False
     * when a {@code Content-Encoding} stays, which would label the problem with a coding it does not have. Servlet
     * 6.1 containers and Jetty 12 remove a field set to null; Tomcat 10.1 (Servlet 6.0) ignores that, and its
     * {@code reset()} would drop the write listener as well: the other fields stay there.
     */
    private boolean clearedOfAnswered() {
        Upstream.Head h = answered;
        if (h == null) {
            return true;
        }
        h.forEach((name, value) -> {
            if (!name.equalsIgnoreCase("Content-Length") && !name.equalsIgnoreCase("Content-Type")
                    && resp.containsHeader(name)) {
                resp.setHeader(name, null);
            }
        });
        return !resp.containsHeader("Content-Encoding");
    }

    void writeProblemIfReady() {
        RequestBodyPublisher rest;
        synchronized (this) {
            byte[] b = problem;
            if (b == null) {
                return;
            }
            try {
                boolean flush = unread != null; // the answer leaves now, the body's rest is read meanwhile
                Boolean wrote = clientIo.run(() -> {
                    if (!out.isReady()) {
                        return false; // onWritePossible follows
                    }
                    out.write(b);
                    if (flush && out.isReady()) {
                        out.flush();
                    }
                    return true;
                });
                if (wrote != null && !wrote) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                unread = null; // the client is gone; completing is all that is left
            }
            problem = null;
            rest = unread;
            unread = null;
        }
        if (rest != null) {
            rest.dropRestThen(this::complete); // outside the monitor: the drop may complete on this thread
            return;
        }
        complete();
    }
    private synchronized boolean markCompleted() {
        if (completed) {
            return false;
        }
        completed = true;
        return true;
    }
    void complete() {
        if (!markCompleted()) {
            return;
        }
        clientIo.close();
        freePlace(); // before completing, which ends the answer: the client may send its next call at once
        try {
            ac.complete();
        } catch (IllegalStateException e) {
            // already completed or dispatched
        }
    }

    /**
     * Gives the call's place under the caps back, once the client can no longer be kept waiting by this call; also
     * done by the container's onComplete, whichever comes first.
     */
    void freePlace() {
        permit.release();
    }
    /**
     * The upstream failed (or stalled) after its head: the client must not see a clean end. While nothing reached it,
     * it gets a clear answer instead. Else there is no portable "abort" in the Servlet API, so the request is
     * dispatched back to the proxy filter, which throws; the containers then close the connection without ending the
     * body. Which of the two is decided under ClientIo, where a write of the body may be under way.
     */
    void abort() {
        problem(Refusal.of(502, "upstream_failed", "the connection to the AI gateway broke while the answer "
                + "was being read; the request may have been carried out"));
    }

    /**
     * Ends the answer without a clean end, committed first if it was not (else the container would answer the
     * exception with an error page of its own under the upstream head's fields).
     */
    private void cut() {
        if (!markCompleted()) {
            return;
        }
        try {
            clientIo.run(() -> {
                if (!resp.isCommitted() && out.isReady()) {
                    out.flush();
                }
                return null;
            });
        } catch (IOException | RuntimeException e) {
            // the client is gone: the connection ends anyway
        }
        clientIo.close();
        freePlace();
        try {
            // the container ends the request after this dispatch
            req.setAttribute(ProxyCall.ABORT_ATTRIBUTE, Boolean.TRUE);
            ac.dispatch();
        } catch (IllegalStateException e) {
            try {
                ac.complete();
            } catch (IllegalStateException alreadyEnded) {
                // the container ended it
            }
        }
    }
}
