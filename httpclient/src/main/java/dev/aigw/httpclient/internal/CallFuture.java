package dev.aigw.httpclient.internal;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What {@code sendAsync} hands back for a routed call. It follows the current attempt (the gateway,
 * then perhaps the provider directly), completes with the response as the answer to the caller's
 * request, and passes {@link #cancel} on to the attempt, as the JDK's own future does — so the
 * exchange is aborted and recorded as cancelled. Dependent stages are plain futures, as with the JDK.
 *
 * <p>Internal: not API, may change in any release.
 */
final class CallFuture<T> extends CompletableFuture<HttpResponse<T>> {
    private final RoutedCall call;
    private final HttpClient client;
    private final HttpResponse.BodyHandler<T> handler;
    private final HttpResponse.PushPromiseHandler<T> push;
    private volatile CompletableFuture<HttpResponse<T>> attempt;

    CallFuture(RoutedCall call, HttpClient client, HttpResponse.BodyHandler<T> handler,
               HttpResponse.PushPromiseHandler<T> push) {
        this.call = call;
        this.client = client;
        this.handler = handler;
        this.push = push;
    }

    /** Sends the first attempt; a request the client refuses at once throws here, as it would unwrapped. */
    CallFuture<T> start() {
        try (dev.aigw.ExchangeObserver.Scope active = call.activate()) {
            follow(client.sendAsync(call.request(), handler, push));
        } catch (RuntimeException | Error e) {
            call.failed(e);
            throw e;
        }
        return this;
    }

    private void follow(CompletableFuture<HttpResponse<T>> f) {
        attempt = f;
        if (isCancelled()) {
            f.cancel(true); // cancelled while this attempt was being sent
        }
        f.whenComplete((response, t) -> {
            if (t == null) {
                if (!complete(call.response(response))) {
                    call.abandonResponse(); // cancelled as the head arrived: nobody will read the body
                }
                return;
            }
            Throwable error = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (!isDone() && call.fallBack(error)) {
                try {
                    follow(client.sendAsync(call.request(), handler, push));
                    return;
                } catch (RuntimeException | Error e) {
                    error = e;
                }
            }
            if (error instanceof CancellationException) {
                call.cancelled("cancelled");
            } else {
                call.failed(error);
            }
            completeExceptionally(error);
        });
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean wasDone = isDone();
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled && !wasDone) {
            call.cancelled("cancelled by the caller");
            CompletableFuture<HttpResponse<T>> f = attempt;
            if (f != null) {
                f.cancel(mayInterruptIfRunning);
            }
        }
        return cancelled;
    }
}
