package dev.aigw.servlet.internal.proxy;

import org.eclipse.jetty.client.AsyncRequestContent;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.http.HttpCookieStore;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Invocable;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import java.net.URI;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The upstream on Jetty's {@code HttpClient} (jetty-client 12), as Jetty's {@code ProxyServlet} uses it: no cookie
 * store (one user's cookies must never reach another's call), no content decoding (bytes pass as they came), no
 * protocol handlers (no redirects followed, no authentication or {@code 100-continue} answered on the client's
 * behalf), no default {@code Content-Type} or {@code User-Agent}. Its threads ({@code aigw-proxy-jetty-*}) start with
 * the first call and end with the filter.
 *
 * <p>Bodies stream both ways one chunk at a time: a request chunk is read from the client only when the previous one
 * went out, a response chunk is read only when the previous one was written to the client. Response chunks are
 * written straight from the client's (heap) network buffer and given back when the container took them (each call's
 * {@link JettyExchange}).
 *
 * <p>Internal: not API, may change in any release.
 */
final class JettyUpstream implements Upstream {
    /** Jetty's own connection idle timeout stays out of the way of the proxy's timeouts, which say what happened. */
    private static final long IDLE_MARGIN_MS = 30_000;
    /** Pooled connections nobody uses are closed after this, as {@code ProxyServlet} does. */
    private static final long POOLED_IDLE_MS = 30_000;
    /**
     * The context class loader of the client's threads: aigw's own, not that of whichever request thread happened to
     * start or grow the pool (where aigw is a shared library of the server, that is one web application's).
     */
    private static final ClassLoader OWN_LOADER = JettyUpstream.class.getClassLoader();

    private final Duration connectTimeout;
    private final long callIdleMs;
    private final int maxConnections;
    // written under this; read without it on every call (a lock taken per call was contended at 256 clients)
    private volatile HttpClient client;
    // guarded by this
    private boolean stopped;

    JettyUpstream(Duration connectTimeout, Duration timeout, Duration idleTimeout, int maxConnections) {
        this.connectTimeout = connectTimeout;
        this.callIdleMs = Math.max(timeout.toMillis(), idleTimeout.toMillis()) + IDLE_MARGIN_MS;
        this.maxConnections = maxConnections;
    }

    @Override
    public String name() {
        return "jetty";
    }

    /** The client, started by the first call. Package-private for tests. */
    HttpClient client() {
        HttpClient c = client;
        return c != null ? c : start();
    }

    private synchronized HttpClient start() {
        if (stopped) {
            throw new IllegalStateException("the aigw proxy filter was destroyed");
        }
        if (client == null) {
            int cores = Runtime.getRuntime().availableProcessors();
            // the client's tasks never block: a selector and a few threads carry any number of calls
            AtomicInteger n = new AtomicInteger();
            QueuedThreadPool pool = new QueuedThreadPool(Math.max(8, 4 * cores), 2, 30_000, -1, null, null, r -> {
                Thread t = new Thread(r, "aigw-proxy-jetty-" + n.incrementAndGet());
                t.setDaemon(true);
                t.setContextClassLoader(OWN_LOADER);
                return t;
            });
            pool.setName("aigw-proxy-jetty");
            HttpClient c = new HttpClient();
            c.setExecutor(pool);
            c.setScheduler(new ScheduledExecutorScheduler("aigw-proxy-jetty-scheduler", true, OWN_LOADER));
            c.setName("aigw-proxy");
            c.setConnectTimeout(connectTimeout.toMillis());
            c.setIdleTimeout(POOLED_IDLE_MS);
            c.setFollowRedirects(false);
            c.setHttpCookieStore(new HttpCookieStore.Empty());
            c.setUserAgentField(null);
            c.setDefaultRequestContentType(null);
            c.setMaxConnectionsPerDestination(maxConnections);
            c.setMaxRequestsQueuedPerDestination(Math.max(1024, maxConnections));
            c.setUseInputDirectByteBuffers(false); // response chunks are written to the servlet stream from arrays
            try {
                c.start();
            } catch (Exception e) {
                throw new IllegalStateException("aigw: the proxy's Jetty HTTP client did not start", e);
            }
            c.getContentDecoderFactories().clear();
            c.getProtocolHandlers().clear();
            client = c;
        }
        return client;
    }

    @Override
    public Call send(Request r, Listener listener) {
        org.eclipse.jetty.client.Request req = client().newRequest(r.target).method(r.method)
                .idleTimeout(callIdleMs, TimeUnit.MILLISECONDS);
        List<String> h = r.headers;
        req.headers(fields -> {
            fields.put("Host", host(r.target)); // set here, or Jetty rebuilds and parses the URI for it
            for (int i = 0; i < h.size(); i += 2) {
                fields.add(h.get(i), h.get(i + 1));
            }
        });
        if (r.body != null) {
            RequestBody body = new RequestBody(r.length);
            r.body.subscribe(body);
            req.body(body);
        }
        JettyExchange x = new JettyExchange(listener);
        req.onRequestBegin(q -> x.begun = true);
        req.onResponseContentSource(x);
        req.send(x::completed); // not x itself: send registers every listener interface its argument implements
        return why -> req.abort(why);
    }

    /** {@code host[:port]} of the gateway: its URI's authority as written (no copy) unless it names a user. */
    static String host(URI target) {
        if (target.getRawUserInfo() == null && target.getRawAuthority() != null) {
            return target.getRawAuthority();
        }
        int port = target.getPort();
        return port < 0 ? target.getHost() : target.getHost() + ":" + port;
    }

    @Override
    public void stop() {
        HttpClient c;
        synchronized (this) {
            stopped = true;
            c = client;
            client = null;
        }
        if (c != null) {
            try {
                c.stop(); // stops its pool and scheduler, waiting for their threads; closes every connection
            } catch (Exception e) {
                // stopping is best effort; nothing is left to use it
            }
        }
    }

    /**
     * The request body for Jetty's client, from the proxy's body publisher: one chunk at a time, the next asked for
     * when Jetty consumed the previous. With a length, it is sent with {@code Content-Length}; without, chunked.
     */
    private static final class RequestBody extends AsyncRequestContent implements Flow.Subscriber<ByteBuffer> {
        private final long length;
        private volatile Flow.Subscription subscription;
        private final Callback next = Callback.from(Invocable.InvocationType.NON_BLOCKING, () -> subscription
                .request(1), x -> subscription.cancel());

        RequestBody(long length) {
            super((String) null);
            this.length = length;
        }

        @Override
        public long getLength() {
            return length;
        }

        @Override
        public String getContentType() {
            return null; // only the client's own Content-Type is forwarded
        }

        @Override
        public void onSubscribe(Flow.Subscription s) {
            subscription = s;
            s.request(1);
        }

        @Override
        public void onNext(ByteBuffer b) {
            write(b, next);
        }

        @Override
        public void onError(Throwable t) {
            fail(t);
        }

        @Override
        public void onComplete() {
            close();
        }
    }
}
