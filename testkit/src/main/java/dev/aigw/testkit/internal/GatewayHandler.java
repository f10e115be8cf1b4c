package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.testkit.GatewayLog;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.RecordedRequest;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.InputStreamRequestContent;
import org.eclipse.jetty.client.InputStreamResponseListener;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.SequenceInputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The fake Cloudflare AI Gateway (spec §8): provider-native routing to configured upstreams with auth, rate
 * limiting, caching, retries, timeouts, logging, plus the logs REST API on the same server.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class GatewayHandler extends Handler.Abstract {
    /** Cacheable size limit and in-memory request buffer (spec §4: 25 MB). */
    public static final int MAX_BUFFER = 25 * 1024 * 1024;
    /** Bytes of each body shown in request_head / response_head of the logs API. */
    private static final int HEAD = 1024;

    public record Config(Map<String, URI> providers, String token, String account, String gateway,
                         GatewayOptions.Defaults defaults, RateLimiter rateLimiter, int bodyCap, boolean legacyIds,
                         Policies policies, boolean decodePaths) {
    }

    private record CacheEntry(int status, List<HttpField> headers, byte[] body, long expiresAtNanos) {
    }

    /** Result of the upstream exchange, for the log. */
    private record Outcome(int status, String contentType, long size, byte[] body) {
    }

    private final Config config;
    private final FaultPlan faults;
    private final RequestJournal<GatewayRequest> requests;
    private final RequestJournal<GatewayLog> logs;
    private final Map<String, CacheEntry> cache = new ConcurrentHashMap<>();
    private final HttpClient client = new HttpClient();

    public GatewayHandler(String threadName, Config config, FaultPlan faults, RequestJournal<GatewayRequest> requests,
                          RequestJournal<GatewayLog> logs) {
        this.config = config;
        this.faults = faults;
        this.requests = requests;
        this.logs = logs;
        QueuedThreadPool pool = new QueuedThreadPool(32, 1);
        pool.setName(threadName + "-client");
        pool.setDaemon(true);
        client.setExecutor(pool);
        client.setScheduler(new ScheduledExecutorScheduler(threadName + "-client-scheduler", true));
        client.setFollowRedirects(false);
        client.setUserAgentField(null); // pass the caller's User-Agent, add none
        // a gateway keeps no cookie jar across its callers: a provider's Set-Cookie is not sent back on later calls
        client.setHttpCookieStore(new org.eclipse.jetty.http.HttpCookieStore.Empty());
        client.setIdleTimeout(120_000);
        installBean(client); // started and stopped with the server
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        // HttpClient installs these when it starts: drop them for a pure pass-through (bytes undecoded, no
        // 401/407 authentication dance, no redirects, no 100-continue handling).
        client.getContentDecoderFactories().clear();
        client.getProtocolHandlers().clear();
    }

    public void clearCache() {
        cache.clear();
    }

    /** Forgets spend counted against spend limits. */
    public void resetSpend() {
        config.policies().reset();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            String path = request.getHttpURI().getPath();
            if (config.decodePaths()) {
                path = PathNormaliser.normalise(path);
            }
            if (path.startsWith("/client/v4/")) {
                new GatewayLogsApi(logs).handle(request, response, callback);
            } else if (path.startsWith("/v1/")) {
                proxy(request, response, callback, path);
            } else {
                gatewayError(response, callback, 404, 7003, "No route for the URI");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (Throwable t) {
            callback.failed(t);
        }
        return true;
    }

    private void proxy(Request request, Response response, Callback callback, String path) throws Exception {
        long started = System.nanoTime();
        String[] parts = path.substring(4).split("/", 4); // account, gateway, provider, rest
        String account = parts[0];
        String gatewayId = parts.length > 1 ? parts[1] : "";
        String provider = parts.length > 2 ? parts[2] : null;
        String rest = parts.length > 3 ? "/" + parts[3] : "";
        Http.Body read = Http.readBody(request, MAX_BUFFER);
        // Bodies over 25 MB are streamed on, not buffered: count the streamed part for the log.
        java.util.concurrent.atomic.AtomicLong streamed = new java.util.concurrent.atomic.AtomicLong();
        Http.Body body = !read.truncated() ? read
                : new Http.Body(read.bytes(), new java.io.FilterInputStream(read.rest()) {
                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        streamed.addAndGet(Math.max(n, 0));
                        return n;
                    }

                    @Override
                    public int read() throws IOException {
                        int c = super.read();
                        streamed.addAndGet(c < 0 ? 0 : 1);
                        return c;
                    }
                }, true);
        GatewayOptions opts = new GatewayOptions(request, config.defaults());
        // one value for request, log and (unless the client chose one) event id on a single-step request (spec §9)
        String logId = config.legacyIds() ? Ids.ulid() : Ids.uuidV7();
        String eventId = opts.eventId != null ? opts.eventId : logId;
        RecordedRequest recorded = Http.record(request, body.bytes(), body.truncated() ? -1 : body.bytes().length,
                config.bodyCap());
        requests.add(new GatewayRequest(recorded, account, gatewayId, provider, rest, opts.metadata, opts.warnings,
                logId, eventId));
        response.getHeaders().put("cf-aig-log-id", logId);
        response.getHeaders().put("cf-aig-request-id", logId);
        response.getHeaders().put("cf-aig-event-id", eventId);
        Response out = faults.apply(request, response, callback,
                (r, c, status) -> gatewayError(r, c, status, 2005, "Failed to get response from provider"));
        if (out == null) {
            return;
        }
        if (provider == null || provider.isEmpty()) {
            // The universal endpoint (POST /v1/{acct}/{gw}) is not implemented by the fake.
            gatewayError(out, callback, 404, 7003, "No route for the URI");
            return;
        }
        if ((config.account() != null && !config.account().equals(account))
                || (config.gateway() != null && !config.gateway().equals(gatewayId))) {
            gatewayError(out, callback, 404, 2001, "Gateway not found");
            return;
        }
        if (config.token() != null && !("Bearer " + config.token()).equals(Http.header(request, "cf-aig-authorization"))) {
            gatewayError(out, callback, 401, 2009, "Unauthorized");
            return;
        }
        URI upstream = config.providers().get(provider);
        if (upstream == null) {
            gatewayError(out, callback, 400, 2008, "Invalid provider");
            return;
        }
        String model = model(rest, body.bytes());
        LogDraft draft = new LogDraft(logId, account, gatewayId, provider, model, rest, eventId, opts, recorded,
                () -> body.bytes().length + streamed.get(), started);
        if (config.rateLimiter() != null && !config.rateLimiter().tryAcquire()) {
            loggedError(out, callback, draft, 429, 2003, "Rate limited");
            return;
        }
        boolean cacheable = opts.cacheTtl > 0 && !body.truncated();
        String key = cacheable ? cacheKey(opts, provider, rest, model, request, body.bytes()) : null;
        if (cacheable && !opts.skipCache) {
            CacheEntry hit = cache.get(key);
            if (hit != null && hit.expiresAtNanos() - System.nanoTime() > 0) {
                draft.finish(new Outcome(hit.status(), contentType(hit.headers()), hit.body().length, hit.body()), true);
                out.setStatus(hit.status());
                hit.headers().forEach(out.getHeaders()::add); // a fresh response: nothing to replace
                out.getHeaders().put("cf-aig-cache-status", "HIT");
                out.write(true, ByteBuffer.wrap(hit.body()), callback);
                return;
            }
        }
        Object[] refused = config.policies().refusal(opts.metadata); // after the cache: cached responses skip policies
        if (refused != null) {
            byte[] b = (byte[]) refused[1];
            draft.finish(new Outcome((Integer) refused[0], "application/json", b.length, b), false);
            Http.send(out, callback, (Integer) refused[0], "application/json", b);
            return;
        }
        forward(request, out, callback, upstream, rest, body, opts, draft, key);
    }

    /** Sends upstream with timeout and retries, then streams the answer back chunk by chunk. */
    private void forward(Request request, Response out, Callback callback, URI upstream, String rest, Http.Body body,
                         GatewayOptions opts, LogDraft draft, String cacheKey) throws InterruptedException {
        String query = request.getHttpURI().getQuery();
        String target = stripSlash(upstream.toString()) + (config.decodePaths() ? PathNormaliser.encode(rest) : rest)
                + (query == null ? "" : "?" + query);
        boolean replayable = !body.truncated();
        int attempts = replayable ? Math.max(1, opts.maxAttempts) : 1;
        InputStreamResponseListener listener = null;
        org.eclipse.jetty.client.Response upstreamResponse = null;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            if (attempt > 1) {
                Thread.sleep(opts.backoffMillis(attempt - 1));
            }
            listener = new InputStreamResponseListener();
            org.eclipse.jetty.client.Request up = client.newRequest(URI.create(target)).method(request.getMethod());
            up.headers(h -> {
                for (HttpField f : request.getHeaders()) {
                    if (forwardable(f.getName())) {
                        h.add(f.getName(), f.getValue());
                    }
                }
            });
            if (body.truncated()) {
                up.body(new InputStreamRequestContent((String) null,
                        new SequenceInputStream(new ByteArrayInputStream(body.bytes()), body.rest()),
                        org.eclipse.jetty.io.ByteBufferPool.SIZED_NON_POOLING));
            } else if (body.bytes().length > 0) {
                up.body(new BytesRequestContent((String) null, body.bytes()));
            }
            up.send(listener);
            boolean last = attempt == attempts;
            try {
                long waitMs = opts.requestTimeout != null ? opts.requestTimeout.toMillis() : TimeUnit.MINUTES.toMillis(10);
                upstreamResponse = listener.get(waitMs, TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                up.abort(e);
                if (last) {
                    loggedError(out, callback, draft, 504, 2005, "Request timeout");
                    return;
                }
                continue;
            } catch (ExecutionException e) {
                if (last) {
                    loggedError(out, callback, draft, 502, 2005, "Failed to get response from provider");
                    return;
                }
                continue;
            }
            if (upstreamResponse.getStatus() >= 500 && !last) {
                closeQuietly(listener.getInputStream()); // discard this attempt's body
                continue;
            }
            break;
        }
        stream(request, out, callback, listener, upstreamResponse, opts, draft, cacheKey);
    }

    private void stream(Request request, Response out, Callback callback, InputStreamResponseListener listener,
                        org.eclipse.jetty.client.Response up, GatewayOptions opts, LogDraft draft, String cacheKey) {
        int status = up.getStatus();
        String contentType = up.getHeaders().get(HttpHeader.CONTENT_TYPE);
        boolean eventStream = contentType != null && contentType.toLowerCase(Locale.ROOT).startsWith("text/event-stream");
        boolean store = cacheKey != null && status >= 200 && status < 300 && !eventStream;
        List<HttpField> kept = new ArrayList<>();
        out.setStatus(status);
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (HttpField f : up.getHeaders()) {
            String name = f.getName().toLowerCase(Locale.ROOT);
            if (!Http.HOP_BY_HOP.contains(name) && !name.startsWith("cf-aig-")) {
                // First value replaces what Jetty pre-set (e.g. Date); repeats (Set-Cookie...) are kept.
                if (seen.add(name)) {
                    out.getHeaders().put(f);
                } else {
                    out.getHeaders().add(f);
                }
                kept.add(f);
            }
        }
        out.getHeaders().put("cf-aig-cache-status", "MISS");
        ByteArrayOutputStream copy = store || opts.collectPayload ? new ByteArrayOutputStream() : null;
        int copyLimit = store ? MAX_BUFFER : config.bodyCap();
        long size = 0;
        try (InputStream in = listener.getInputStream()) {
            Http.writeBlocking(out, false, ByteBuffer.allocate(0)); // commit headers: streams stay streams
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
                if (n == 0) {
                    continue;
                }
                size += n;
                if (copy != null && copy.size() + n <= copyLimit) {
                    copy.write(buf, 0, n);
                } else if (copy != null) {
                    store = false;
                }
                Http.writeBlocking(out, false, ByteBuffer.wrap(Arrays.copyOf(buf, n)));
            }
            // Cache and log before the final chunk, so whoever saw the end of the body also sees both.
            byte[] bytes = copy == null ? null : copy.toByteArray();
            if (store && bytes != null) {
                cache.put(cacheKey, new CacheEntry(status, List.copyOf(kept), bytes,
                        System.nanoTime() + TimeUnit.SECONDS.toNanos(opts.cacheTtl)));
            }
            draft.finish(new Outcome(status, contentType, size, bytes), false);
            if (status >= 200 && status < 300) {
                config.policies().spend(opts.metadata, opts.totalCost);
            }
            Http.writeBlocking(out, true, ByteBuffer.allocate(0));
        } catch (IOException e) {
            // The upstream (or our client) broke mid-body: break the client connection too, never fake an ending.
            draft.finishOnce(new Outcome(status, contentType, size, copy == null ? null : copy.toByteArray()));
            Http.abortConnection(request, callback, "upstream failed mid-body: " + e.getMessage());
            return;
        }
        callback.succeeded();
    }

    private static boolean forwardable(String header) {
        String name = header.toLowerCase(Locale.ROOT);
        return !name.startsWith("cf-aig-") && !name.equals("cf-cache-ttl") && !name.equals("cf-skip-cache")
                && !Http.HOP_BY_HOP.contains(name);
    }

    /** Default key: SHA-256 over provider, path, model, Authorization and body (spec §4); or cf-aig-cache-key. */
    private static String cacheKey(GatewayOptions opts, String provider, String rest, String model, Request request,
                                   byte[] body) throws NoSuchAlgorithmException {
        if (opts.cacheKey != null) {
            return "key:" + opts.cacheKey;
        }
        MessageDigest sha = MessageDigest.getInstance("SHA-256");
        for (String part : new String[] {provider, request.getMethod(), rest, request.getHttpURI().getQuery(), model,
                Http.header(request, "Authorization")}) {
            sha.update(String.valueOf(part).getBytes(StandardCharsets.UTF_8));
            sha.update((byte) 0);
        }
        sha.update(body);
        return "sha:" + Ids.hex(sha.digest());
    }

    /** Model for logs and the cache key: from models/deployments paths, else the body's version/model field. */
    private static String model(String rest, byte[] body) {
        String[] s = rest.split("/");
        if (s.length >= 4 && (s[1].equals("models") || s[1].equals("deployments"))) {
            return s[2] + "/" + s[3];
        }
        JsonNode json = Json.parseOrNull(body);
        if (json != null && json.isObject()) {
            for (String field : new String[] {"version", "model"}) {
                if (json.path(field).isTextual()) {
                    return json.path(field).asText();
                }
            }
        }
        return null;
    }

    private static String contentType(List<HttpField> headers) {
        return headers.stream().filter(f -> f.is("Content-Type")).map(HttpField::getValue).findFirst().orElse(null);
    }

    private static void loggedError(Response response, Callback callback, LogDraft draft, int status, int code,
                                    String message) {
        byte[] body = errorBody(status, code, message);
        draft.finish(new Outcome(status, "application/json", body.length, body), false);
        Http.send(response, callback, status, "application/json", body);
    }

    /** Spec §3.1 envelope. */
    static void gatewayError(Response response, Callback callback, int status, int code, String message) {
        Http.send(response, callback, status, "application/json", errorBody(status, code, message));
    }

    private static byte[] errorBody(int status, int code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("success", false);
        body.put("error", List.of(Map.of("code", code, "message", message)));
        body.put("name", "AiGatewayError");
        body.put("httpCode", status);
        body.put("internalCode", code);
        body.put("message", message);
        return Json.bytes(body);
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException ignored) {
            // discarding a retried attempt
        }
    }

    private static String stripSlash(String s) {
        return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
    }

    /** Collects what the log entry needs while the request is in flight. */
    private final class LogDraft {
        final String id;
        final String account;
        final String gateway;
        final String provider;
        final String model;
        final String path;
        final String eventId;
        final GatewayOptions opts;
        final RecordedRequest request;
        final java.util.function.LongSupplier requestSize;
        final long startedNanos;

        LogDraft(String id, String account, String gateway, String provider, String model, String path, String eventId,
                 GatewayOptions opts, RecordedRequest request, java.util.function.LongSupplier requestSize,
                 long startedNanos) {
            this.id = id;
            this.account = account;
            this.gateway = gateway;
            this.provider = provider;
            this.model = model;
            this.path = path;
            this.eventId = eventId;
            this.opts = opts;
            this.request = request;
            this.requestSize = requestSize;
            this.startedNanos = startedNanos;
        }

        private boolean finished;

        /** For a failure after the log was already written (the final write broke): keep the first entry. */
        void finishOnce(Outcome o) {
            if (!finished) {
                finish(o, false);
            }
        }

        void finish(Outcome o, boolean cached) {
            finished = true;
            if (!opts.collectLog) {
                return; // cf-aig-collect-log: false skips the whole entry
            }
            long duration = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
            logs.add(new GatewayLog(id, Instant.now(), account, gateway, provider, model,
                    path.startsWith("/") ? path.substring(1) : path, duration, o.status(),
                    o.status() >= 200 && o.status() < 400, cached, opts.metadata, eventId, requestSize.getAsLong(), o.size(),
                    request.header("Content-Type"), o.contentType(), opts.collectPayload ? request.body() : null,
                    opts.collectPayload && o.body() != null ? o.body() : null, null, null,
                    request.header("User-Agent")));
        }
    }

    static String head(byte[] body) {
        return body == null ? null : new String(body, 0, Math.min(body.length, HEAD), StandardCharsets.UTF_8);
    }
}
