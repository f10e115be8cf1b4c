package dev.aigw.httpclient.internal;

import dev.aigw.Exchange;

import java.net.http.HttpRequest;
import java.nio.ByteBuffer;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The caller's request body, passed through item by item: each buffer is reported to the exchange
 * (counted, and sniffed for {@code model}/{@code version}) as the client takes it for the network,
 * without copying or holding it. The client may subscribe more than once (a redirect or an
 * authentication retry resends the body); only the first subscription that sends bytes is counted.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ObservedPublisher implements HttpRequest.BodyPublisher {
    private final HttpRequest.BodyPublisher delegate;
    private final Exchange exchange;
    private final AtomicReference<Object> counted = new AtomicReference<>();
    private volatile boolean subscribed;

    ObservedPublisher(HttpRequest.BodyPublisher delegate, Exchange exchange) {
        this.delegate = delegate;
        this.exchange = exchange;
    }

    @Override
    public long contentLength() {
        return delegate.contentLength();
    }

    /** Whether the client ever asked for the body: then a one-shot publisher may already be spent. */
    boolean subscribed() {
        return subscribed;
    }

    @Override
    public void subscribe(Flow.Subscriber<? super ByteBuffer> subscriber) {
        subscribed = true;
        delegate.subscribe(new Counting(subscriber));
    }

    private final class Counting implements Flow.Subscriber<ByteBuffer> {
        private final Flow.Subscriber<? super ByteBuffer> downstream;

        Counting(Flow.Subscriber<? super ByteBuffer> downstream) {
            this.downstream = downstream;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            downstream.onSubscribe(subscription);
        }

        @Override
        public void onNext(ByteBuffer item) {
            if (counted.get() == this || counted.compareAndSet(null, this)) {
                exchange.requestBody(item); // leaves the buffer's position alone
            }
            downstream.onNext(item);
        }

        @Override
        public void onError(Throwable error) {
            downstream.onError(error);
        }

        @Override
        public void onComplete() {
            downstream.onComplete();
        }
    }
}
