package dev.aigw.servlet.internal;

import dev.aigw.Exchange;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One proxied request, from the client's request to the last byte of the upstream's answer, all asynchronous. The
 * request body streams up through {@link RequestBodyPublisher}, the response body streams down through
 * {@link ResponseWriter}; neither is ever held whole. Every outcome ends the exchange once: complete, fail (upstream)
 * or cancel (client gone).
 */
public final class ProxyCall {
    /** Request attribute set when the client's response must be aborted (see {@code AigwProxyFilter}). */
    public static final String ABORT_ATTRIBUTE = "dev.aigw.proxy.abort";
    static final String API = "https://api.replicate.com/v1";

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");
    /** How long a failure found by our own I/O waits for the container's error event before completing anyway. */
    private static final long CONTAINER_ERROR_GRACE_MS = 2000;

    private final ProxyConfig cfg;
    private final HttpServletRequest req;
    private final HttpServletResponse resp;
    private final AsyncContext ac;
    private final Exchange x;
    private final String publicBase;
    private final ModelAllowlist.Target target;
    private final AtomicBoolean ended = new AtomicBoolean();
    private final AtomicBoolean completed = new AtomicBoolean();
    private final ClientIo clientIo = new ClientIo();
    private final Object io = new Object(); // head work and ending never overlap
    private volatile CompletableFuture<HttpResponse<Void>> future;
    private volatile RequestBodyPublisher body;
    private volatile ResponseWriter writer;
    private volatile BodyTransform.Refused refusal;
    private byte[] problem; // an answer of our own waiting for the container to accept output
    private jakarta.servlet.ServletOutputStream out;

    public ProxyCall(ProxyConfig cfg, HttpServletRequest req, HttpServletResponse resp, AsyncContext ac, Exchange x,
                     String publicBase, ModelAllowlist.Target target) {
        this.cfg = cfg;
        this.req = req;
        this.resp = resp;
        this.ac = ac;
        this.x = x;
        this.publicBase = publicBase;
        this.target = target;
    }

    public void start() throws IOException {
        out = resp.getOutputStream();
        // Both listeners are registered here, on the container thread; their events are forwarded.
        out.setWriteListener(new jakarta.servlet.WriteListener() {
            @Override
            public void onWritePossible() {
                ResponseWriter w = writer;
                if (w != null) {
                    w.writePossible();
                }
                writeProblemIfReady();
            }

            @Override
            public void onError(Throwable t) {
                clientGone(t, true);
            }
        });
        ac.addListener(new AsyncListener() {
            @Override
            public void onComplete(AsyncEvent event) {
            }

            @Override
            public void onTimeout(AsyncEvent event) {
                clientGone(new IOException("async timeout"), true);
            }

            @Override
            public void onError(AsyncEvent event) {
                clientGone(event.getThrowable() == null ? new IOException("client error") : event.getThrowable(), true);
            }

            @Override
            public void onStartAsync(AsyncEvent event) {
            }
        });

        HttpRequest.Builder b = HttpRequest.newBuilder(x.target()).timeout(cfg.timeout());
        if ("http".equalsIgnoreCase(x.target().getScheme())) {
            b.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance on cleartext
        }
        Set<String> connection = ProxyHeaders.connectionTokens(Collections.list(req.getHeaders("Connection")));
        for (String name : Collections.list(req.getHeaderNames())) {
            if (cfg.headers().forwardRequest(name, connection)) {
                for (String v : Collections.list(req.getHeaders(name))) {
                    b.header(name, v);
                }
            }
        }
        if (cfg.replicateToken() != null) {
            b.header("Authorization", "Bearer " + cfg.replicateToken());
        } else {
            String auth = req.getHeader("Authorization");
            if (auth != null) {
                b.header("Authorization", auth); // pass-through mode: the client's own Replicate token
            }
        }
        x.gatewayHeaders().forEach(b::setHeader);
        b.setHeader("User-Agent", x.userAgent(req.getHeader("User-Agent")));

        long length = req.getContentLengthLong();
        boolean hasBody = length > 0 || (length < 0 && req.getHeader("Transfer-Encoding") != null);
        HttpRequest.BodyPublisher publisher;
        if (!hasBody) {
            publisher = HttpRequest.BodyPublishers.noBody();
            if (target.kind() == ModelAllowlist.Kind.BODY_VERSION && cfg.allowlist() != null) {
                refuse(new BodyTransform.Refused("the body names no model: POST /predictions needs a \"version\""));
                return;
            }
        } else {
            BodyTransform t = BodyTransform.identity();
            boolean changesLength = false;
            if (target.kind() == ModelAllowlist.Kind.BODY_VERSION && cfg.allowlist() != null) {
                if (encoded(req.getHeader("Content-Encoding"))) {
                    refuse(new BodyTransform.Refused("a Content-Encoding'd body cannot be checked against the model "
                            + "allowlist; send it unencoded"));
                    return;
                }
                t = BodyTransform.versionGate(cfg.allowlist());
            }
            if (publicBase != null && json(req.getContentType()) && !encoded(req.getHeader("Content-Encoding"))) {
                // URLs this proxy handed out (file URLs as prediction inputs) go back to Replicate as Replicate's own
                t = BodyTransform.chain(t, BodyTransform.rewrite(new UrlRewriter(publicBase, API)));
                changesLength = true;
            }
            RequestBodyPublisher p = new RequestBodyPublisher(req.getInputStream(), clientIo, t,
                    new RequestBodyPublisher.Events() {
                        @Override
                        public void sent(ByteBuffer b) {
                            x.requestBody(b);
                        }

                        @Override
                        public void refused(BodyTransform.Refused r) {
                            refusal = r;
                        }

                        @Override
                        public void clientFailed(Throwable t, boolean reportedByContainer) {
                            clientGone(t, reportedByContainer);
                        }
                    });
            body = p;
            p.listen();
            publisher = length > 0 && !changesLength ? HttpRequest.BodyPublishers.fromPublisher(p, length)
                    : HttpRequest.BodyPublishers.fromPublisher(p);
        }
        b.method(req.getMethod(), publisher);

        CompletableFuture<HttpResponse<Void>> f;
        try (dev.aigw.ExchangeObserver.Scope s = x.activate()) { // the transport's own span nests under aigw's
            f = cfg.client().sendAsync(b.build(), this::head);
        }
        future = f;
        f.whenComplete((r, t) -> {
            if (t != null) {
                failedBeforeBody(unwrap(t));
            }
        });
    }

    /** The upstream's head arrived: answer the client's head and stream the body. */
    private HttpResponse.BodySubscriber<Void> head(HttpResponse.ResponseInfo info) {
        synchronized (io) {
            if (ended.get()) {
                return HttpResponse.BodySubscribers.replacing(null); // the client is gone: touch nothing
            }
            return headLocked(info);
        }
    }

    private HttpResponse.BodySubscriber<Void> headLocked(HttpResponse.ResponseInfo info) {
        HttpHeaders h = info.headers();
        x.responseHead(info.statusCode(), name -> h.firstValue(name).orElse(null));
        String type = h.firstValue("Content-Type").orElse(null);
        boolean encoded = encoded(h.firstValue("Content-Encoding").orElse(null));
        boolean rewrite = publicBase != null && json(type) && !encoded;
        boolean sse = type != null && type.toLowerCase(Locale.ROOT).startsWith("text/event-stream");

        resp.setStatus(info.statusCode());
        Set<String> connection = ProxyHeaders.connectionTokens(h.allValues("Connection"));
        UrlRewriter headerRewriter = publicBase == null ? null : new UrlRewriter(API, publicBase);
        for (Map.Entry<String, List<String>> e : h.map().entrySet()) {
            String name = e.getKey();
            if (name.startsWith(":") || !ProxyHeaders.copyResponse(name, connection)) {
                continue;
            }
            if (name.equalsIgnoreCase("Content-Encoding") && rewrite) {
                continue;
            }
            for (String v : e.getValue()) {
                String value = headerRewriter != null && (name.equalsIgnoreCase("Location")
                        || name.equalsIgnoreCase("Content-Location") || name.equalsIgnoreCase("Link"))
                        ? headerRewriter.rewrite(v) : v;
                resp.addHeader(name, value);
            }
        }
        if (!rewrite && !sse) {
            h.firstValueAsLong("Content-Length").ifPresent(resp::setContentLengthLong);
        }
        if (sse) {
            resp.setHeader("X-Accel-Buffering", "no"); // ask buffering reverse proxies in front to pass events on
        }
        BodyTransform t = rewrite ? BodyTransform.rewrite(new UrlRewriter(API, publicBase)) : BodyTransform.identity();
        try {
            ResponseWriter w = new ResponseWriter(out, clientIo, t, sse, new ResponseWriter.Events() {
                @Override
                public void received(ByteBuffer b) {
                    x.responseBody(b);
                }

                @Override
                public void completed() {
                    if (ended.compareAndSet(false, true)) {
                        x.complete();
                        complete();
                    }
                }

                @Override
                public void upstreamFailed(Throwable t) {
                    if (ended.compareAndSet(false, true)) {
                        x.fail(t);
                        abort();
                    }
                }

                @Override
                public void clientFailed(Throwable t) {
                    clientGone(t, false);
                }
            });
            writer = w;
            return w;
        } catch (RuntimeException e) {
            clientGone(e, false);
            return HttpResponse.BodySubscribers.replacing(null);
        }
    }

    private void failedBeforeBody(Throwable t) {
        BodyTransform.Refused r = refusal != null ? refusal : t instanceof BodyTransform.Refused rr ? rr : null;
        if (r != null) {
            refuse(r);
            return;
        }
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        x.fail(t);
        if (writer != null || resp.isCommitted()) {
            abort();
            return;
        }
        int status;
        String title;
        String code;
        String detail;
        if (t instanceof HttpConnectTimeoutException || t instanceof ConnectException) {
            status = 502;
            title = "Bad Gateway";
            code = "gateway_unreachable";
            detail = "the AI gateway could not be reached; the request was not sent, so it is safe to retry";
        } else if (t instanceof HttpTimeoutException) {
            status = 504;
            title = "Gateway Timeout";
            code = "upstream_timeout";
            detail = "the AI gateway did not answer within " + cfg.timeout().toSeconds() + " s; the request may "
                    + "still have been carried out (check before retrying a create)";
        } else {
            status = 502;
            title = "Bad Gateway";
            code = "upstream_failed";
            detail = "the connection to the AI gateway failed before an answer arrived; the request may have been "
                    + "carried out (check before retrying a create)";
        }
        LOG.log(System.Logger.Level.DEBUG, () -> "aigw proxy: " + code + ": " + cfg.gateway().redact(String.valueOf(t)));
        sendProblem(status, title, detail, code);
    }

    /** Answers with a problem of our own, through the non-blocking stream, then completes. */
    private void sendProblem(int status, String title, String detail, String code) {
        if (resp.isCommitted()) {
            abort();
            return;
        }
        byte[] b = dev.aigw.servlet.internal.ProblemJson.bytes(status, title, detail, code, null);
        try {
            resp.resetBuffer();
            resp.setStatus(status);
            resp.setHeader("Content-Encoding", null);
            resp.setHeader("Cache-Control", "no-store");
            resp.setContentType(dev.aigw.servlet.internal.ProblemJson.CONTENT_TYPE);
            resp.setContentLength(b.length);
        } catch (RuntimeException e) {
            complete();
            return;
        }
        synchronized (this) {
            problem = b;
        }
        writeProblemIfReady();
    }

    private void writeProblemIfReady() {
        byte[] b;
        synchronized (this) {
            b = problem;
            if (b == null) {
                return;
            }
            try {
                Boolean wrote = clientIo.run(() -> {
                    if (!out.isReady()) {
                        return false; // onWritePossible follows
                    }
                    out.write(b);
                    return true;
                });
                if (wrote != null && !wrote) {
                    return;
                }
                problem = null;
            } catch (IOException | RuntimeException e) {
                problem = null;
            }
        }
        complete();
    }

    private void refuse(BodyTransform.Refused r) {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        x.cancel("refused: " + r.getMessage());
        CompletableFuture<?> f = future;
        if (f != null) {
            f.cancel(true);
        }
        sendProblem(403, "Forbidden", r.getMessage(), "model_not_allowed");
    }

    /**
     * The client went away: stop the upstream call and end the exchange as cancelled, once. No read or write on the
     * client's streams may be in progress or start after this ({@link ClientIo}). The async context is completed
     * only from the container's own error event ({@code reportedByContainer}), inside it, as Tomcat expects. When
     * our own read or write found the client gone, the container reports the same failure as an event shortly
     * after (Tomcat and Jetty both do); completing earlier would race with that event, so this case only waits for
     * it, with a fallback for a container that sends none.
     */
    void clientGone(Throwable t, boolean reportedByContainer) {
        boolean first;
        synchronized (io) {
            first = ended.compareAndSet(false, true);
        }
        if (first) {
            x.cancel("client disconnected");
            RequestBodyPublisher p = body;
            if (p != null) {
                p.fail(new IOException("client disconnected"));
            }
            CompletableFuture<?> f = future;
            if (f != null) {
                f.cancel(true);
            }
        }
        ResponseWriter w = writer;
        if (w != null) {
            w.stop();
        }
        clientIo.close(); // waits for a read or write in progress on another thread: none may outlive the request
        if (reportedByContainer) {
            complete(); // inside the container's callback, as Tomcat expects; after it returns the container ends it
        } else {
            CompletableFuture.delayedExecutor(CONTAINER_ERROR_GRACE_MS, TimeUnit.MILLISECONDS).execute(this::complete);
        }
    }

    private void complete() {
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        clientIo.close();
        try {
            ac.complete();
        } catch (IllegalStateException e) {
            // already completed or dispatched
        }
    }

    /**
     * The upstream failed after the response was committed: the client must not see a clean end. There is no
     * portable "abort" in the Servlet API, so the request is dispatched back to the proxy filter, which throws; the
     * containers then close the connection without ending the body.
     */
    private void abort() {
        if (!resp.isCommitted()) {
            // nothing reached the client yet: it can still get a clear answer
            sendProblem(502, "Bad Gateway", "the connection to the AI gateway broke while the answer was being read; "
                    + "the request may have been carried out", "upstream_failed");
            return;
        }
        if (!completed.compareAndSet(false, true)) {
            return;
        }
        clientIo.close();
        try {
            req.setAttribute(ABORT_ATTRIBUTE, Boolean.TRUE); // the container ends the request after this dispatch
            ac.dispatch();
        } catch (IllegalStateException e) {
            try {
                ac.complete();
            } catch (IllegalStateException alreadyEnded) {
                // the container ended it
            }
        }
    }

    private static boolean json(String contentType) {
        return contentType != null && contentType.toLowerCase(Locale.ROOT).contains("json");
    }

    private static boolean encoded(String contentEncoding) {
        return contentEncoding != null && !contentEncoding.isBlank() && !contentEncoding.equalsIgnoreCase("identity");
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof IOException && t.getCause() instanceof BodyTransform.Refused r) {
            return r;
        }
        return t;
    }
}
