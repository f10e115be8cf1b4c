package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.Responses;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Map;

/**
 * Why the proxy will not forward a request: the status, a stable {@code code}, a detail that names what was wrong
 * and what is allowed, and the headers that go with it ({@code Allow}, {@code Retry-After}). Every refusal of the
 * proxy, before or after the upstream call started, is one of these.
 *
 * <p>Internal: not API, may change in any release.
 */
public record Refusal(int status, String title, String code, String detail, Map<String, String> headers,
                      Map<String, ?> extra) {

    /** A refusal on its way to the answer. */
    public static final class Refused extends Exception {
        private static final long serialVersionUID = 1L;
        private final transient Refusal refusal;

        public Refused(Refusal refusal) {
            super(refusal.detail(), null, false, false);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    public Refused refused() {
        return new Refused(this);
    }

    public static Refusal of(int status, String code, String detail) {
        return new Refusal(status, title(status), code, detail, Map.of(), null);
    }

    public Refusal with(String header, String value) {
        Map<String, String> h = new java.util.LinkedHashMap<>(headers);
        h.put(header, value);
        return new Refusal(status, title, code, detail, Map.copyOf(h), extra);
    }

    public Refusal extra(Map<String, ?> members) {
        return new Refusal(status, title, code, detail, headers, members);
    }

    /**
     * The failure an upstream client reports, without its wrappers ({@code CompletionException}, an
     * {@code IOException} around the body's refusal): the refusal itself when the body was refused.
     */
    public static Throwable cause(Throwable t) {
        for (Throwable c = t; c != null && c.getCause() != c; c = c.getCause()) {
            if (c instanceof Refused) {
                return c;
            }
        }
        while ((t instanceof java.util.concurrent.CompletionException
                || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    /** What a client hears when the upstream call failed before an answer, naming whether a retry is safe. */
    public static Refusal upstream(Throwable t, java.time.Duration timeout) {
        if (t instanceof java.net.http.HttpConnectTimeoutException || t instanceof java.net.ConnectException) {
            return of(502, "gateway_unreachable", "the AI gateway could not be reached; the request was not sent, so "
                    + "it is safe to retry");
        }
        if (t instanceof Upstream.NotStarted) {
            return of(502, "upstream_not_started", "the call to the AI gateway could not be started (this proxy is "
                    + "stopping or overloaded); the request was not sent, so it is safe to retry");
        }
        if (t instanceof java.net.http.HttpTimeoutException) {
            return of(504, "upstream_timeout", "the AI gateway did not answer within " + timeout.toSeconds() + " s; "
                    + "the request may still have been carried out (check before retrying a create)");
        }
        return of(502, "upstream_failed", "the connection to the AI gateway failed before an answer arrived; the "
                + "request may have been carried out (check before retrying a create)");
    }

    /** Answers with this refusal on a response nothing was written to yet (blocking write of a small body). */
    public void send(HttpServletResponse resp) throws IOException {
        send(resp, true);
    }

    private void send(HttpServletResponse resp, boolean declareLength) throws IOException {
        if (resp.isCommitted()) {
            return;
        }
        headers.forEach(resp::setHeader);
        Responses.problem(resp, status, title, detail, code, extra, declareLength);
    }

    /**
     * Answers a request whose body was not read. When the container closes the connection on an unread HTTP/1.1 body
     * while the body is still arriving, the client's TCP stack drops the answer on the reset that follows (several in a
     * hundred refused 20 KB bodies on Jetty 12.1; on Tomcat 11 once in 6,000 in a probe). So the answer is sent at once,
     * with {@code Connection: close} and without {@code Content-Length}, and then the body is read and dropped
     * ({@link BodyDrop}) before the answer, and the request, end. The length is left out because Tomcat 11 closes a
     * request's input as soon as the response's declared length has been written (Servlet 6.1, closure of the
     * response object), which left nothing to read the body with. A larger body, one that waits for
     * {@code 100-continue}, or a request that cannot go async is only answered.
     */
    public void sendUnread(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        long length = req.getContentLengthLong();
        if (!(length > 0 || req.getHeader("Transfer-Encoding") != null) || !BodyDrop.leftOnConnection(req)) {
            send(resp); // no body, or HTTP/2 and later, where a stream ends without touching the connection
            return;
        }
        Refusal closing = with("Connection", "close");
        if (BodyDrop.fits(length) && req.getHeader("Expect") == null && req.isAsyncSupported()) {
            closing.send(resp, false);
            resp.flushBuffer(); // the answer leaves now; the body is read while it travels
            new Drain(req.startAsync(req, resp), req.getInputStream()).start();
        } else {
            closing.send(resp);
        }
    }

    /** Reads and drops a refused request's body, then ends the request. */
    private static final class Drain implements ReadListener, AsyncListener {
        private final AsyncContext ac;
        private final ServletInputStream in;
        private final BodyDrop drop;

        Drain(AsyncContext ac, ServletInputStream in) {
            this.ac = ac;
            this.in = in;
            this.drop = new BodyDrop(in);
        }

        void start() {
            ac.setTimeout(BodyDrop.TIMEOUT_MS);
            ac.addListener(this);
            in.setReadListener(this);
        }

        @Override
        public synchronized void onDataAvailable() throws IOException {
            if (drop.dropReady()) {
                complete();
            }
        }

        @Override
        public void onAllDataRead() {
            complete();
        }

        @Override
        public void onError(Throwable t) {
            complete();
        }

        @Override
        public void onTimeout(AsyncEvent event) {
            complete();
        }

        @Override
        public void onError(AsyncEvent event) {
            complete();
        }

        @Override
        public void onComplete(AsyncEvent event) {
        }

        @Override
        public void onStartAsync(AsyncEvent event) {
        }

        private void complete() {
            try {
                ac.complete();
            } catch (IllegalStateException alreadyEnded) {
                // ended by the container or by an earlier event
            }
        }
    }

    private static String title(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 405 -> "Method Not Allowed";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 429 -> "Too Many Requests";
            case 502 -> "Bad Gateway";
            case 503 -> "Service Unavailable";
            case 504 -> "Gateway Timeout";
            default -> "Error";
        };
    }
}
