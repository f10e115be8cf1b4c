package dev.aigw.servlet.suite;

import dev.aigw.Exchange;
import dev.aigw.Gateway;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * What the test application does to call Replicate from its own code: the core exchange with the JDK client (the
 * servlet module has no outbound client adapter of its own). Blocking, on the calling thread.
 */
public final class AppCalls {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    public record Result(int status, String body) {
    }

    private AppCalls() {
    }

    /** Calls {@code GET https://api.replicate.com/v1<path>} through the gateway; returns the status. */
    public static int get(Gateway gateway, String path, String replicateToken) throws IOException {
        return send(gateway, "GET", path, null, replicateToken).status();
    }

    public static Result send(Gateway gateway, String method, String path, String json, String replicateToken)
            throws IOException {
        Exchange x = gateway.exchange(method, URI.create("https://api.replicate.com/v1" + path), null);
        if (x == null) {
            throw new IllegalStateException("not routed");
        }
        byte[] body = json == null ? null : json.getBytes(StandardCharsets.UTF_8);
        HttpRequest.Builder b = HttpRequest.newBuilder(x.target()).timeout(Duration.ofSeconds(20))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Authorization", "Bearer " + replicateToken);
        if (body != null) {
            b.header("Content-Type", "application/json");
            x.requestBody(body, 0, body.length);
        }
        x.gatewayHeaders().forEach(b::header);
        try {
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            x.responseHead(r.statusCode(), h -> r.headers().firstValue(h).orElse(null));
            x.responseBody(r.body(), 0, r.body().length);
            x.complete();
            return new Result(r.statusCode(), new String(r.body(), StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            x.cancel("interrupted");
            throw new IOException(e);
        } catch (IOException | RuntimeException e) {
            x.fail(e);
            throw e;
        }
    }
}
