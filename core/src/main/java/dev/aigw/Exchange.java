package dev.aigw;

import dev.aigw.internal.ContentCodings;
import dev.aigw.internal.GatewayHeaders;
import dev.aigw.internal.JsonSniffer;
import dev.aigw.internal.Observers;
import dev.aigw.internal.Sniffed;
import dev.aigw.internal.Version;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Function;

/**
 * One provider call in flight. An adapter sends the request to {@link #target()} with
 * {@link #gatewayHeaders()} added, then reports what it sees: request body bytes as they pass,
 * the response head, response body bytes as they pass, and how it ended. The exchange emits
 * exactly one {@link ExchangeRecord}, on the first of {@link #complete()}, {@link #fail} or
 * {@link #cancel}; later reports are ignored.
 *
 * <p>Bodies are never held: bytes are counted and fed to a streaming sniffer that keeps a few
 * root fields ({@code id}, {@code status}, {@code model}, ...) of JSON bodies and nothing else.
 * Report request bytes from one thread at a time and response bytes from one thread at a time.
 *
 * <p>{@link ExchangeObserver}s see the exchange start when the gateway creates it, may add gateway headers, and get
 * its record when it ends; {@link #activate()} makes their state current around the transport's send.
 */
public final class Exchange {
    private final Gateway gateway;
    private final Route route;
    private final String method;
    private final CallOptions options;
    private final boolean webhook; // a delivery received (Gateway.webhook), not a call: never sent
    private final boolean forwarded; // a request a proxy forwards for a client outside the application (Gateway.forward)
    private Map<String, String> headers; // set before the exchange is handed out (observers may add to it)
    private ExchangeObserver.Observation[] observations;
    private final long startedAtMillis = System.currentTimeMillis();
    private final long startNanos = System.nanoTime();
    // a field updater rather than an AtomicBoolean: one object less per call
    private static final AtomicIntegerFieldUpdater<Exchange> FINISHED =
            AtomicIntegerFieldUpdater.newUpdater(Exchange.class, "finished");
    private volatile int finished;

    private JsonSniffer requestSniffer; // created with the first body byte: most calls (GET) have none
    private volatile JsonSniffer responseSniffer;
    private volatile boolean direct;
    private volatile long bytesSent;
    private volatile long bytesReceived;
    private volatile int status;
    private volatile long responseLength = -1; // the response's Content-Length, when it says one that counts
    private volatile long headersNanos = -1;
    private volatile String logId;
    private volatile String cacheStatus;
    private volatile String modelFromAnswer; // set when finished, before the observers hear of it
    private volatile String responseEventId;
    private volatile java.util.List<String> notes; // rare: created by the first note

    Exchange(Gateway gateway, Route route, String method, CallOptions options, Map<String, String> headers,
             boolean webhook, boolean forwarded) {
        this.gateway = gateway;
        this.webhook = webhook;
        this.forwarded = forwarded;
        this.route = route;
        this.method = method;
        this.options = options;
        this.headers = headers instanceof LinkedHashMap ? Collections.unmodifiableMap(headers) : headers;
    }

    /** Lets the observers see this exchange start, on the caller's thread, before it is handed to the adapter. */
    void observe(List<ExchangeObserver> observers) {
        if (observers.isEmpty()) {
            return; // no observer: not even the lambda below
        }
        observations = Observers.start(observers, o -> o.start(this));
        headers = Observers.headers(headers, observations);
    }

    /** Where the request goes: the gateway URI, or the original after {@link #fallBackToDirect()}. */
    public URI target() {
        return direct ? route.original() : route.target();
    }

    public Route route() {
        return route;
    }

    public String method() {
        return method;
    }

    /** The options this call carries (per call over context over defaults, plus provider policy). */
    public CallOptions options() {
        return options;
    }

    /**
     * Headers to add to the request: {@code cf-aig-authorization} and the {@code cf-aig-*}
     * options. Empty after {@link #fallBackToDirect()}. Contains a secret: never log it.
     */
    public Map<String, String> gatewayHeaders() {
        return direct || webhook ? Map.of() : headers;
    }

    /**
     * The {@code User-Agent} to send: the caller's own with aigw's product token ({@code aigw/<version>}) appended, so
     * the gateway's logs can be filtered by it; the token alone when the caller sent none. Idempotent.
     */
    public String userAgent(String callersAgent) {
        return Version.userAgent(callersAgent);
    }

    /**
     * Makes the observers' state for this exchange (a tracing span) current on this thread until the scope is closed,
     * so that instrumentation of the transport that sends it nests under it. Open it where the send can be bracketed
     * on one thread and close it in {@code finally} on the same thread.
     */
    public ExchangeObserver.Scope activate() {
        ExchangeObserver.Observation[] o = observations;
        return o == null ? ExchangeObserver.Scope.NONE : Observers.activate(o);
    }

    /** Whether the call goes through the gateway (false after a fallback, and for a webhook delivery). */
    public boolean viaGateway() {
        return !direct && !webhook;
    }

    /**
     * Whether this call forwards the request of a client outside the application (the servlet module's proxy), made
     * with {@link Gateway#forward}: what the request names — its model, in the path or the body — is then that
     * client's choice, not the application's, and an observer that turns it into a metric attribute or a span name
     * must not trust it (any client could invent a new name per call).
     */
    public boolean forwarded() {
        return forwarded;
    }

    /** Who serves it: the gateway, the provider directly after a fallback, or nobody (a webhook delivery). */
    public ExchangeRecord.Via via() {
        return webhook ? ExchangeRecord.Via.WEBHOOK : direct ? ExchangeRecord.Via.DIRECT : ExchangeRecord.Via.GATEWAY;
    }

    /**
     * Switches this call to the provider itself, when {@code aigw.fallback} is on. Call it only
     * when the gateway provably never received the request (connection refused, DNS failure), then
     * send the request again to {@link #target()} without the gateway headers.
     *
     * @return true when the caller should retry directly; false when fallback is off or already used
     */
    public boolean fallBackToDirect() {
        if (!gateway.fallback() || direct || webhook || finished != 0) {
            return false;
        }
        direct = true;
        return true;
    }

    /** Request body bytes that passed to the network. */
    public void requestBody(byte[] b, int off, int len) {
        if (len <= 0) {
            return;
        }
        bytesSent += len;
        JsonSniffer s = requestSniffer();
        if (!s.done()) {
            s.feed(b, off, len);
        }
    }

    /** Request body bytes in {@code buf}'s remaining range; the buffer's position is not changed. */
    public void requestBody(ByteBuffer buf) {
        int len = buf.remaining();
        if (len <= 0) {
            return;
        }
        bytesSent += len;
        JsonSniffer s = requestSniffer();
        if (!s.done()) {
            s.feed(buf);
        }
    }

    private JsonSniffer requestSniffer() {
        JsonSniffer s = requestSniffer;
        if (s == null) {
            s = JsonSniffer.forRequest();
            requestSniffer = s;
        }
        return s;
    }

    /**
     * The response head arrived, from an adapter that sees one value per header: a {@code Content-Encoding} field
     * there may stand for several, so a body with one is taken as coded, even {@code identity} (its length and JSON
     * then count for nothing). Adapters that can list every field use
     * {@link #responseHead(int, Function, Iterable)}.
     *
     * @param header looks up a response header by name, case-insensitively (first value)
     */
    public void responseHead(int status, Function<String, String> header) {
        head(status, header, header.apply("Content-Encoding") == null);
    }

    /**
     * The response head arrived.
     *
     * @param header looks up a response header by name, case-insensitively (first value)
     * @param contentEncodings the value of every {@code Content-Encoding} field of the response (null: none). The
     *     body counts as sent as it is — its {@code Content-Length} and its JSON read — only when every coding they
     *     list is {@code identity} (RFC 9110 §8.4): of a coded body, a client reads what it decodes, not these bytes.
     */
    public void responseHead(int status, Function<String, String> header, Iterable<String> contentEncodings) {
        head(status, header, contentEncodings == null || ContentCodings.identity(contentEncodings.iterator()));
    }

    /** {@code asItIs}: the body is in no content coding, so its length and JSON are what the client reads. */
    private void head(int status, Function<String, String> header, boolean asItIs) {
        if (headersNanos >= 0 || finished != 0) {
            return;
        }
        this.status = status;
        this.logId = header.apply(GatewayHeaders.LOG_ID);
        this.cacheStatus = header.apply(GatewayHeaders.CACHE_STATUS);
        this.responseEventId = header.apply(GatewayHeaders.EVENT_ID);
        if (asItIs && containsJson(header.apply("Content-Type"))) {
            responseSniffer = JsonSniffer.forResponse(); // event streams, binaries and coded bodies are never parsed
        }
        this.responseLength = asItIs ? length(header.apply("Content-Length")) : -1;
        this.headersNanos = System.nanoTime();
    }

    /** A Content-Length the caller's bytes can be counted against (of a body sent as it is), or -1. */
    private static long length(String contentLength) {
        if (contentLength == null) {
            return -1;
        }
        try {
            return Long.parseLong(contentLength.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    /** Whether a content type names JSON ({@code application/json}, {@code +json}, ...), without a lower-case copy. */
    static boolean containsJson(String type) {
        if (type == null) {
            return false;
        }
        for (int i = 0, last = type.length() - 4; i <= last; i++) {
            if ((type.charAt(i) | 0x20) == 'j' && type.regionMatches(true, i, "json", 0, 4)) {
                return true;
            }
        }
        return false;
    }

    /** Response body bytes that passed to the caller. */
    public void responseBody(byte[] b, int off, int len) {
        if (len <= 0) {
            return;
        }
        bytesReceived += len;
        JsonSniffer s = responseSniffer;
        if (s != null && !s.done()) {
            s.feed(b, off, len);
        }
    }

    /** Response body bytes in {@code buf}'s remaining range; the buffer's position is not changed. */
    public void responseBody(ByteBuffer buf) {
        int len = buf.remaining();
        if (len <= 0) {
            return;
        }
        bytesReceived += len;
        JsonSniffer s = responseSniffer;
        if (s != null && !s.done()) {
            s.feed(buf);
        }
    }

    /**
     * Adds a note for the record: something an adapter noticed about this call that is not its outcome (for
     * example, that a shared rate limit could not be checked and the call was let through). Redacted like errors.
     */
    public void note(String text) {
        if (text == null || finished != 0) {
            return;
        }
        synchronized (this) {
            java.util.List<String> n = notes == null ? new java.util.ArrayList<>(2) : new java.util.ArrayList<>(notes);
            n.add(text);
            notes = n;
        }
    }

    /** The call ended normally: the response body was read to its end, or there was none. */
    public void complete() {
        int s = status;
        finish(s == 0 ? ExchangeRecord.Outcome.FAILURE : s >= 400 ? ExchangeRecord.Outcome.HTTP_ERROR
                : ExchangeRecord.Outcome.SUCCESS, s == 0 ? "no response" : null);
    }

    /** The call failed in transport (before or after the response head). */
    public void fail(Throwable error) {
        finish(ExchangeRecord.Outcome.FAILURE, describe(error));
    }

    /** The caller went away or cancelled before the call finished. */
    public void cancel(String reason) {
        finish(ExchangeRecord.Outcome.CANCELLED, reason);
    }

    /**
     * The caller stopped taking the response before its end was reported: closed its body, cancelled its
     * subscription, went away. One meaning on every path: an error answer (status 400 or above) is an
     * {@code HTTP_ERROR}, read or not — the call's result was the error; any other answer is complete when its whole
     * body had already passed to the caller (its {@code Content-Length}, or a whole JSON document), and otherwise
     * cancelled ({@code reason}), with the bytes so far.
     */
    public void responseClosed(String reason) {
        int s = status;
        long length = responseLength;
        JsonSniffer json = responseSniffer;
        if (s >= 400 || s != 0 && (length >= 0 && bytesReceived >= length || json != null && json.rootClosed())) {
            complete();
        } else {
            cancel(reason);
        }
    }

    /** Whether a record was already emitted. */
    public boolean isFinished() {
        return finished != 0;
    }

    private void finish(ExchangeRecord.Outcome outcome, String error) {
        if (!FINISHED.compareAndSet(this, 0, 1)) {
            return;
        }
        long end = System.nanoTime();
        JsonSniffer qs = requestSniffer;
        Sniffed request = Sniffed.EMPTY;
        if (qs != null) {
            qs.finish();
            request = qs.result();
        }
        JsonSniffer rs = responseSniffer;
        Sniffed response = Sniffed.EMPTY;
        if (rs != null) {
            rs.finish();
            response = rs.result();
        }
        long h = headersNanos;
        modelFromAnswer = response.model();
        ExchangeRecord r = new ExchangeRecord(
                Instant.ofEpochMilli(startedAtMillis),
                method,
                gateway.redactor().url(route.original()),
                direct ? null : gateway.redactor().url(route.target()),
                route.provider().slug(),
                via(),
                model(response, request),
                gateway.redactor().text(response.id()),
                response.status(),
                status,
                logId,
                cacheStatus,
                responseEventId != null ? responseEventId : options.eventId(),
                headers.get(GatewayHeaders.OTEL_TRACE_ID),
                direct ? Map.of() : options.metadata(),
                direct ? java.util.List.of() : options.metadataDropped(),
                bytesSent,
                bytesReceived,
                h < 0 ? null : Duration.ofNanos(h - startNanos),
                Duration.ofNanos(end - startNanos),
                response.metrics(),
                outcome,
                error == null ? null : gateway.redactor().text(error),
                gatewayError(response),
                redacted(notes),
                forwarded);
        ExchangeObserver.Observation[] o = observations;
        if (o != null) {
            Observers.finished(o, r);
        }
        gateway.emit(r);
    }

    private java.util.List<String> redacted(java.util.List<String> n) {
        if (n == null) {
            return java.util.List.of();
        }
        java.util.List<String> out = new java.util.ArrayList<>(n.size());
        for (String s : n) {
            out.add(gateway.redactor().text(s));
        }
        return out;
    }

    /**
     * The gateway's own refusal, read from either envelope it answers with: {@code error} as an array of
     * {@code {code, message}} (rate limits, auth, guardrails) or as an object with a {@code message} (policies, spend
     * limits). Only for error statuses: a provider's {@code error} is a string or null, never an array or object.
     */
    private ExchangeRecord.GatewayError gatewayError(Sniffed response) {
        if (direct || status < 400 || response.errorShape() == null) {
            return null;
        }
        Integer code = null;
        String c = response.errorCode();
        if (c != null && c.length() <= 9) {
            code = Integer.valueOf(c);
        }
        String m = response.errorMessage();
        return new ExchangeRecord.GatewayError(code, m == null ? null : gateway.redactor().text(m));
    }

    /**
     * The model the request path names ({@code owner/name} of {@code /models/{owner}/{name}/...}), known when the call
     * starts; {@code null} when the path names none (the record's {@link ExchangeRecord#model()} may still find one in
     * the bodies).
     */
    public String modelFromPath() {
        String rest = route.rest();
        if (rest.startsWith("/models/")) {
            String[] seg = rest.split("/", 5);
            if (seg.length >= 4 && !seg[2].isEmpty() && !seg[3].isEmpty()) {
                return seg[2] + "/" + seg[3];
            }
        }
        return null;
    }

    /**
     * The model the answer's own body named (its root {@code model} field), known once the exchange finished; null
     * before, or when the answer named none or was not read (not JSON, in a content coding, cut short before it).
     * Unlike {@link ExchangeRecord#model()} it never falls back to what the request named: of a {@link #forwarded()}
     * call, only this model is the provider's word rather than the client's.
     */
    public String modelFromAnswer() {
        return modelFromAnswer;
    }

    /** The model: from the response, else the request path, else an {@code owner/name[:version]} request field. */
    private String model(Sniffed response, Sniffed request) {
        if (response.model() != null) {
            return response.model();
        }
        String fromPath = modelFromPath();
        if (fromPath != null) {
            return fromPath;
        }
        String v = request.version();
        if (v == null) {
            v = request.model();
        }
        if (v != null && v.indexOf('/') > 0) {
            int colon = v.indexOf(':');
            return colon > 0 ? v.substring(0, colon) : v;
        }
        return null;
    }

    private static String describe(Throwable t) {
        if (t == null) {
            return "failed";
        }
        String m = t.getMessage();
        String s = t.getClass().getName() + (m == null ? "" : ": " + m);
        Throwable c = t.getCause();
        if (c != null && c != t) {
            String cm = c.getMessage();
            s += " (caused by " + c.getClass().getName() + (cm == null ? "" : ": " + cm) + ")";
        }
        return s.length() > 500 ? s.substring(0, 500) + "…" : s;
    }
}
