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

    private AppCalls() {
    }

    /** Calls {@code GET https://api.replicate.com/v1<path>} through the gateway; returns the status. */
    public static int get(Gateway gateway, String path, String replicateToken) throws IOException {
        Exchange x = gateway.exchange("GET", URI.create("https://api.replicate.com/v1" + path), null);
        if (x == null) {
            throw new IllegalStateException("not routed");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(x.target()).timeout(Duration.ofSeconds(20)).GET()
                .header("Authorization", "Bearer " + replicateToken);
        x.gatewayHeaders().forEach(b::header);
        try {
            HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            x.responseHead(r.statusCode(), h -> r.headers().firstValue(h).orElse(null));
            x.responseBody(r.body(), 0, r.body().length);
            x.complete();
            return r.statusCode();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            x.cancel("interrupted");
            throw new IOException(e);
        } catch (IOException | RuntimeException e) {
            x.fail(e);
            throw e;
        }
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
