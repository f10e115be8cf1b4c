package dev.aigw.httpclient.internal;

import javax.net.ssl.SSLSession;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Optional;

/**
 * A routed call's response, answering the caller's own request: {@link #request()} is the request
 * the caller built and {@link #uri()} its URI, so code that logs or compares them sees what it
 * wrote — and never the routed request, whose headers carry the gateway token.
 *
 * <p>Internal: not API, may change in any release.
 */
final class RoutedResponse<T> implements HttpResponse<T> {
    private final HttpResponse<T> response;
    private final HttpRequest original;
    private final URI routed;

    RoutedResponse(HttpResponse<T> response, HttpRequest original, URI routed) {
        this.response = response;
        this.original = original;
        this.routed = routed;
    }

    @Override
    public int statusCode() {
        return response.statusCode();
    }

    @Override
    public HttpRequest request() {
        HttpRequest sent = response.request();
        if (ours(sent.uri())) {
            return original;
        }
        // a hop after a redirect away from the gateway: its own request, without gateway headers
        return HttpRequest.newBuilder(sent, (name, value) -> !HeaderOptions.isGatewayHeader(name)).build();
    }

    @Override
    public Optional<HttpResponse<T>> previousResponse() {
        return response.previousResponse().map(p -> new RoutedResponse<>(p, original, routed));
    }

    @Override
    public HttpHeaders headers() {
        return response.headers();
    }

    @Override
    public T body() {
        return response.body();
    }

    @Override
    public Optional<SSLSession> sslSession() {
        return response.sslSession();
    }

    @Override
    public URI uri() {
        URI uri = response.uri();
        return ours(uri) ? original.uri() : uri;
    }

    @Override
    public HttpClient.Version version() {
        return response.version();
    }

    private boolean ours(URI uri) {
        return uri.equals(routed) || uri.equals(original.uri());
    }

    @Override
    public String toString() {
        return "(" + original.method() + " " + uri() + ") " + statusCode();
    }
}
