package dev.aigw.httpclient.internal;

import dev.aigw.Exchange;

import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The caller's body subscriber, fed exactly as before: each buffer is reported to the exchange
 * (counted; JSON sniffed) on its way through, never held, so event streams reach the caller event
 * by event and large bodies stay out of memory. The end of the body completes the exchange, an
 * error fails it, and a cancelled subscription (an input stream closed before its end, a line
 * stream abandoned) cancels it.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ObservedSubscriber<T> implements HttpResponse.BodySubscriber<T> {
    private final HttpResponse.BodySubscriber<T> delegate;
    private final Exchange exchange;
    private volatile Flow.Subscription subscription;

    ObservedSubscriber(HttpResponse.BodySubscriber<T> delegate, Exchange exchange) {
        this.delegate = delegate;
        this.exchange = exchange;
    }

    @Override
    public void onSubscribe(Flow.Subscription upstream) {
        subscription = upstream;
        delegate.onSubscribe(new Flow.Subscription() {
            @Override
            public void request(long n) {
                upstream.request(n);
            }

            @Override
            public void cancel() {
                exchange.responseClosed("the response body was cancelled before its end");
                upstream.cancel();
            }
        });
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
        for (int i = 0, n = items.size(); i < n; i++) {
            exchange.responseBody(items.get(i)); // leaves each buffer's position alone
        }
        delegate.onNext(items);
    }

    @Override
    public void onError(Throwable error) {
        exchange.fail(error);
        delegate.onError(error);
    }

    @Override
    public void onComplete() {
        exchange.complete();
        delegate.onComplete();
    }

    @Override
    public CompletionStage<T> getBody() {
        return delegate.getBody();
    }

    /** Stops the body of a response nobody will see (its call was cancelled while the head arrived). */
    void abandon(String reason) {
        exchange.cancel(reason);
        Flow.Subscription s = subscription;
        if (s != null) {
            s.cancel();
        }
    }
}
