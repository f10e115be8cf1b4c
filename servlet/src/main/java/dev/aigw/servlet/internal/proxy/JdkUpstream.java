package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.OwnedThreads;

import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * The upstream on the JDK's {@code HttpClient}, built on the first call with a small fixed pool of
 * {@code aigw-proxy-N} threads: its tasks never block (bodies move with non-blocking servlet I/O on both sides), so a
 * few threads serve any number of calls and open streams.
 *
 * <p>Internal: not API, may change in any release.
 */
final class JdkUpstream implements Upstream {
    private final Duration connectTimeout;
    private final UnaryOperator<HttpClient> wrapper;
    // guarded by this
    private HttpClient client;
    private ThreadPoolExecutor executor;
    private boolean stopped;

    JdkUpstream(Duration connectTimeout, UnaryOperator<HttpClient> wrapper) {
        this.connectTimeout = connectTimeout;
        this.wrapper = wrapper;
    }

    @Override
    public String name() {
        return "jdk";
    }

    private synchronized HttpClient client() {
        if (stopped) {
            throw new IllegalStateException("the aigw proxy filter was destroyed");
        }
        if (client == null) {
            AtomicInteger n = new AtomicInteger();
            int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
            executor = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
                    r -> OwnedThreads.daemon(r, "aigw-proxy-" + n.incrementAndGet()));
            executor.allowCoreThreadTimeOut(true); // an idle proxy holds no threads
            // its selector thread may outlive the application on JDK 17: not with the application's loader
            client = wrapper.apply(OwnedThreads.withoutContextLoader(() -> HttpClient.newBuilder()
                    .connectTimeout(connectTimeout).executor(executor).followRedirects(HttpClient.Redirect.NEVER)
                    .build()));
        }
        return client;
    }

    @Override
    public Call send(Request r, Listener listener) {
        HttpRequest.Builder b = HttpRequest.newBuilder(r.target);
        if ("http".equalsIgnoreCase(r.target.getScheme())) {
            b.version(HttpClient.Version.HTTP_1_1); // no h2c upgrade dance on cleartext
        }
        List<String> h = r.headers;
        for (int i = 0; i < h.size(); i += 2) {
            b.header(h.get(i), h.get(i + 1));
        }
        b.method(r.method, r.body == null ? HttpRequest.BodyPublishers.noBody() : r.length >= 0
                ? HttpRequest.BodyPublishers.fromPublisher(r.body, r.length)
                : HttpRequest.BodyPublishers.fromPublisher(r.body));
        CompletableFuture<HttpResponse<Void>> f = client().sendAsync(b.build(), info -> {
            Flow.Subscriber<List<ByteBuffer>> s = listener.head(new JdkHead(info));
            return s == null ? HttpResponse.BodySubscribers.replacing(null) : new Body(s);
        });
        f.whenComplete((resp, t) -> {
            if (t != null) {
                listener.failed(unwrap(t));
            }
        });
        return why -> f.cancel(true); // before the head: aborts the exchange; after it the body's subscription does
    }

    /**
     * Ends the client with the filter. A JDK 17 {@code HttpClient} cannot be closed: it ends when it becomes
     * unreachable. An idle pooled connection keeps its last exchange, and through the exchange's response handler the
     * proxy's configuration, reachable from the client's selector thread; so this upstream lets go of the client, or
     * the client, its thread and its idle sockets would live until the JDK's keep-alive (1200 s by default) expires
     * the connections. On JDK 21+ it is also shut down at once ({@code shutdownNow}: {@code close} would wait for
     * running streams, holding up undeployment).
     */
    @Override
    public void stop() {
        HttpClient c;
        ThreadPoolExecutor e;
        synchronized (this) {
            stopped = true;
            c = client;
            e = executor;
            client = null;
            executor = null;
        }
        if (e != null) {
            e.shutdownNow();
        }
        if (c != null) {
            try {
                HttpClient.class.getMethod("shutdownNow").invoke(c);
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // JDK 17 has none; best effort either way: the client is unreachable from here on
            }
        }
        if (e != null) {
            OwnedThreads.awaitStopped(e); // no aigw-proxy thread left when the container checks for leaks
        }
    }

    private static Throwable unwrap(Throwable t) {
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private record JdkHead(HttpResponse.ResponseInfo info) implements Head {
        @Override
        public int status() {
            return info.statusCode();
        }

        @Override
        public String first(String name) {
            return info.headers().firstValue(name).orElse(null);
        }

        @Override
        public List<String> all(String name) {
            return info.headers().allValues(name);
        }

        @Override
        public void forEach(BiConsumer<String, String> field) {
            HttpHeaders h = info.headers();
            for (Map.Entry<String, List<String>> e : h.map().entrySet()) {
                if (e.getKey().startsWith(":")) {
                    continue; // HTTP/2 pseudo-headers
                }
                for (String v : e.getValue()) {
                    field.accept(e.getKey(), v);
                }
            }
        }
    }

    /** The body, streamed rather than collected: the call's future completes with the head. */
    private record Body(Flow.Subscriber<List<ByteBuffer>> s) implements HttpResponse.BodySubscriber<Void> {
        private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

        @Override
        public CompletionStage<Void> getBody() {
            return DONE;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            s.onSubscribe(subscription);
        }

        @Override
        public void onNext(List<ByteBuffer> item) {
            s.onNext(item);
        }

        @Override
        public void onError(Throwable throwable) {
            s.onError(throwable);
        }

        @Override
        public void onComplete() {
            s.onComplete();
        }
    }
}
