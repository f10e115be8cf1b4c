package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Test helper: JDK HttpClient calls with generous timeouts (the build machine is small and shared). */
final class TestHttp {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(30);

    final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .version(HttpClient.Version.HTTP_1_1).build();
    final String auth;

    TestHttp(String token) {
        this.auth = token == null ? null : "Bearer " + token;
    }

    HttpRequest.Builder request(String url) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT);
        if (auth != null) {
            b.header("Authorization", auth);
        }
        return b;
    }

    HttpResponse<String> get(String url, String... headers) {
        return send(withHeaders(request(url), headers).GET().build());
    }

    HttpResponse<String> post(String url, String json, String... headers) {
        return send(withHeaders(request(url), headers).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build());
    }

    /** Any method with a JSON body (PATCH, DELETE...); {@code json} null sends none. */
    HttpResponse<String> call(String method, String url, String json) {
        HttpRequest.Builder b = request(url);
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return send(b.method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(json)).build());
    }

    HttpResponse<String> send(HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<byte[]> sendBytes(String url) {
        try {
            return client.send(request(url).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpRequest.Builder withHeaders(HttpRequest.Builder b, String... headers) {
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    static JsonNode json(HttpResponse<String> response) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** Polls until the prediction at {@code url} is terminal (generous deadline). */
    JsonNode awaitTerminal(String url) {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            JsonNode p = json(get(url));
            String status = p.path("status").asText();
            if (status.equals("succeeded") || status.equals("failed") || status.equals("canceled")
                    || status.equals("aborted")) {
                return p;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("prediction never finished: " + p);
            }
            sleep(50);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
