package dev.aigw.httpclient.internal;

import dev.aigw.Gateway;
import dev.aigw.internal.Problems;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.Cleaner;
import java.net.Authenticator;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The {@link HttpClient} decorator: routed provider calls go to the gateway through
 * {@link RoutedCall}; everything else — other URLs, WebSockets, the client's configuration and (on
 * JDK 21+) its shutdown and close — is the wrapped client's, unchanged.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RoutingHttpClient extends HttpClient {
    private final HttpClient delegate;
    private final Gateway gateway;
    private final Cleaner.Cleanable ownedGateway; // null: the caller owns the gateway

    /**
     * @throws IllegalArgumentException when {@code delegate} follows redirects: the JDK resends a request's own
     *                                  headers on a redirect, so the gateway token would go wherever one points
     */
    public RoutingHttpClient(HttpClient delegate, Gateway gateway, boolean ownsGateway) {
        if (delegate.followRedirects() != Redirect.NEVER) {
            throw Problems.invalid("followRedirects", delegate.followRedirects().toString(), "the HttpClient to wrap",
                    "Redirect.NEVER (the default; Replicate's API does not redirect): with redirects the JDK would "
                    + "resend the gateway headers, cf-aig-authorization among them, to wherever a redirect points");
        }
        this.delegate = delegate;
        this.gateway = gateway;
        // Like the JDK client's own selector thread, the gateway's record thread ends when this client is
        // closed (JDK 21+) or, on any JDK, once the application drops the client.
        this.ownedGateway = ownsGateway ? Owned.CLEANER.register(this, new Owned(gateway)) : null;
    }

    public Gateway gateway() {
        return gateway;
    }

    @Override
    public <T> HttpResponse<T> send(HttpRequest request, HttpResponse.BodyHandler<T> handler)
            throws IOException, InterruptedException {
        Objects.requireNonNull(handler, "responseBodyHandler");
        RoutedCall call = RoutedCall.start(gateway, request);
        if (call == null) {
            return delegate.send(request, handler);
        }
        HttpResponse.BodyHandler<T> observed = call.observe(handler);
        try (dev.aigw.ExchangeObserver.Scope active = call.activate()) {
            try {
                return call.response(delegate.send(call.request(), observed));
            } catch (IOException e) {
                if (!call.fallBack(e)) {
                    throw e;
                }
            }
            return call.response(delegate.send(call.request(), observed));
        } catch (InterruptedException e) {
            call.cancelled("interrupted while waiting for the response"); // the JDK client aborts the exchange
            throw e;
        } catch (IOException | RuntimeException | Error e) {
            call.failed(e);
            throw e;
        }
    }

    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request,
                                                            HttpResponse.BodyHandler<T> handler) {
        return sendAsync(request, handler, null);
    }

    /** Push promises, if a server sent any, are the caller's handler's: they are neither routed nor recorded. */
    @Override
    public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest request, HttpResponse.BodyHandler<T> handler,
                                                            HttpResponse.PushPromiseHandler<T> pushPromiseHandler) {
        Objects.requireNonNull(handler, "responseBodyHandler");
        RoutedCall call = RoutedCall.start(gateway, request);
        if (call == null) {
            return delegate.sendAsync(request, handler, pushPromiseHandler);
        }
        return new CallFuture<>(call, delegate, call.observe(handler), call.pushPromises(pushPromiseHandler)).start();
    }

    /** WebSockets are not provider API calls (Replicate has none): the wrapped client's, unrouted. */
    @Override
    public WebSocket.Builder newWebSocketBuilder() {
        return delegate.newWebSocketBuilder();
    }

    @Override
    public Optional<CookieHandler> cookieHandler() {
        return delegate.cookieHandler();
    }

    @Override
    public Optional<Duration> connectTimeout() {
        return delegate.connectTimeout();
    }

    @Override
    public Redirect followRedirects() {
        return delegate.followRedirects();
    }

    @Override
    public Optional<ProxySelector> proxy() {
        return delegate.proxy();
    }

    @Override
    public SSLContext sslContext() {
        return delegate.sslContext();
    }

    @Override
    public SSLParameters sslParameters() {
        return delegate.sslParameters();
    }

    @Override
    public Optional<Authenticator> authenticator() {
        return delegate.authenticator();
    }

    @Override
    public Version version() {
        return delegate.version();
    }

    @Override
    public Optional<Executor> executor() {
        return delegate.executor();
    }

    // JDK 21 added shutdown(), shutdownNow(), awaitTermination(), isTerminated() and close(). aigw is built for
    // JDK 17, so they are declared here without @Override (they override on 21+) and reach the wrapped client
    // through method handles: the base class's versions would not pass them on.

    /** JDK 21+: shuts the wrapped client down; calls in flight finish and are recorded. */
    public void shutdown() {
        Lifecycle.call(Lifecycle.SHUTDOWN, delegate);
    }

    /** JDK 21+: aborts the wrapped client's calls in flight (they are recorded as failed or cancelled). */
    public void shutdownNow() {
        Lifecycle.call(Lifecycle.SHUTDOWN_NOW, delegate);
    }

    /** JDK 21+: waits for the wrapped client; once it has terminated, a gateway this client owns is closed. */
    public boolean awaitTermination(Duration duration) throws InterruptedException {
        boolean terminated = Lifecycle.await(delegate, duration);
        if (terminated) {
            closeOwnedGateway();
        }
        return terminated;
    }

    public boolean isTerminated() {
        return Lifecycle.isTerminated(delegate);
    }

    /** JDK 21+: closes the wrapped client (waiting for calls in flight), then a gateway this client owns. */
    public void close() {
        try {
            Lifecycle.call(Lifecycle.CLOSE, delegate);
        } finally {
            closeOwnedGateway();
        }
    }

    private void closeOwnedGateway() {
        if (ownedGateway != null) {
            ownedGateway.clean(); // delivers the records still queued; runs once
        }
    }

    @Override
    public String toString() {
        return "AigwHttpClient{" + gateway + ", client=" + delegate + "}";
    }

    /** Closes a gateway built for one client; holds the gateway only, so the client can become unreachable. */
    private record Owned(Gateway gateway) implements Runnable {
        static final Cleaner CLEANER = Cleaner.create();

        @Override
        public void run() {
            gateway.close();
        }
    }

    /** The JDK 21+ lifecycle methods of the wrapped client, found by name. */
    private static final class Lifecycle {
        static final MethodHandle SHUTDOWN = find("shutdown", void.class);
        static final MethodHandle SHUTDOWN_NOW = find("shutdownNow", void.class);
        static final MethodHandle CLOSE = find("close", void.class);
        static final MethodHandle AWAIT = find("awaitTermination", boolean.class, Duration.class);
        static final MethodHandle TERMINATED = find("isTerminated", boolean.class);

        private static MethodHandle find(String name, Class<?> returns, Class<?>... parameters) {
            try {
                return MethodHandles.publicLookup().findVirtual(HttpClient.class, name,
                        MethodType.methodType(returns, parameters));
            } catch (NoSuchMethodException | IllegalAccessException e) {
                return null; // JDK 17-20: nothing calls these through HttpClient there
            }
        }

        static void call(MethodHandle h, HttpClient client) {
            try {
                invoke(h, client);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt(); // none of the void methods is interruptible; keep the flag
            }
        }

        static boolean await(HttpClient client, Duration duration) throws InterruptedException {
            return (boolean) invoke(AWAIT, client, duration);
        }

        static boolean isTerminated(HttpClient client) {
            try {
                return (boolean) invoke(TERMINATED, client);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }

        private static Object invoke(MethodHandle h, Object... arguments) throws InterruptedException {
            if (h == null) {
                throw new UnsupportedOperationException("aigw: HttpClient has this method from JDK 21 on");
            }
            try {
                return h.invokeWithArguments(arguments);
            } catch (InterruptedException | RuntimeException | Error e) {
                throw e;
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }
}
