package dev.aigw.httpclient.internal;

import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.Route;
import dev.aigw.internal.ConnectFailure;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Objects;

/**
 * One routed call: its {@link Exchange}, the caller's request, and what the client needs to send
 * it — the request for the exchange's current target, the observed body handler, the fallback
 * decision — and to hand the response back as the answer to the caller's own request.
 *
 * <p>Internal: not API, may change in any release.
 */
final class RoutedCall {
    private final Exchange exchange;
    private final HttpRequest original;
    private final HeaderOptions headerOptions;
    private final ObservedPublisher body;
    private volatile ObservedSubscriber<?> responseBody;

    private RoutedCall(Exchange exchange, HttpRequest original, HeaderOptions headerOptions) {
        this.exchange = exchange;
        this.original = original;
        this.headerOptions = headerOptions;
        this.body = original.bodyPublisher().map(p -> new ObservedPublisher(p, exchange)).orElse(null);
    }

    /**
     * Starts the exchange on the calling thread, so that its {@link dev.aigw.GatewayContext} tags
     * the call however it is sent; {@code null} when the request is not routed.
     *
     * @throws dev.aigw.GatewayConfigurationException for a bad {@code cf-aig-*} option header (nothing is sent)
     */
    static RoutedCall start(Gateway gateway, HttpRequest request) {
        Objects.requireNonNull(request, "request");
        Route route = gateway.route(request.uri());
        if (route == null) {
            return null;
        }
        HeaderOptions headerOptions = HeaderOptions.read(request.headers());
        return new RoutedCall(gateway.exchange(request.method(), route, headerOptions.options()), request, headerOptions);
    }

    /**
     * The caller's request sent to {@link Exchange#target()}: same method, body, timeout, version and
     * headers, except {@code Host} (derived from the target), the option headers read as options, and,
     * after a fallback, every {@code cf-aig-*} header; plus the exchange's gateway headers.
     */
    HttpRequest request() {
        boolean direct = !exchange.viaGateway();
        HttpRequest.Builder b = HttpRequest.newBuilder(original, (name, value) -> !name.equalsIgnoreCase("host")
                && !(direct ? HeaderOptions.isGatewayHeader(name) : headerOptions.consumes(name)));
        b.uri(exchange.target());
        if (body != null) {
            b.method(original.method(), body);
        }
        exchange.gatewayHeaders().forEach(b::setHeader);
        if (!direct) { // aigw's product token, so the gateway's logs can be filtered by it
            b.setHeader("User-Agent", exchange.userAgent(original.headers().firstValue("User-Agent").orElse(null)));
        }
        return b.build();
    }

    /**
     * The exchange's observation (a tracing span) current on this thread while a send is handed to the wrapped client,
     * so that the transport's own instrumentation nests under it; closed by the caller in {@code finally}.
     */
    dev.aigw.ExchangeObserver.Scope activate() {
        return exchange.activate();
    }

    <T> HttpResponse.BodyHandler<T> observe(HttpResponse.BodyHandler<T> handler) {
        return info -> {
            exchange.responseHead(info.statusCode(), name -> info.headers().firstValue(name).orElse(null),
                    info.headers().allValues("Content-Encoding"));
            HttpResponse.BodySubscriber<T> s;
            try {
                s = Objects.requireNonNull(handler.apply(info), "the BodyHandler returned no BodySubscriber");
            } catch (RuntimeException | Error e) {
                exchange.fail(e);
                throw e;
            }
            ObservedSubscriber<T> observed = new ObservedSubscriber<>(s, exchange);
            responseBody = observed;
            return observed;
        };
    }

    /** Push promises are announced as answers to the caller's request, never the routed one with the token. */
    <T> HttpResponse.PushPromiseHandler<T> pushPromises(HttpResponse.PushPromiseHandler<T> handler) {
        return handler == null ? null
                : (initiating, promised, acceptor) -> handler.applyPushPromise(original, promised, acceptor);
    }

    /** The response as the answer to the caller's request (its URI, its headers: no gateway token). */
    <T> HttpResponse<T> response(HttpResponse<T> response) {
        return new RoutedResponse<>(response, original, exchange.route().target());
    }

    /**
     * Whether to send again, directly to the provider: only when {@code aigw.fallback} is on and the
     * gateway provably never received the request — the connection itself failed (refused,
     * unresolvable, unroutable, timed out) before the body was ever asked for.
     */
    boolean fallBack(Throwable error) {
        return ConnectFailure.neverConnected(error) && (body == null || !body.subscribed())
                && exchange.fallBackToDirect();
    }

    void failed(Throwable error) {
        exchange.fail(error);
    }

    void cancelled(String reason) {
        exchange.cancel(reason);
    }

    /** The caller cancelled while the response head was being delivered: nobody will read this body. */
    void abandonResponse() {
        ObservedSubscriber<?> s = responseBody;
        if (s != null) {
            s.abandon("cancelled by the caller");
        }
    }
}
