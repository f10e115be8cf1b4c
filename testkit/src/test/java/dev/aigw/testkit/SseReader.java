package dev.aigw.testkit;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Test helper: a minimal SSE client over the JDK HttpClient. */
final class SseReader {
    record Sse(String event, String id, String data) {
    }

    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private SseReader() {
    }

    /**
     * Adds the gateway route {@code replicate-stream} to the fake's root, where its event streams are
     * ({@code /stream/v1/predictions/{id}}), so that a stream can be read through the gateway.
     */
    static FakeGateway.Builder streamRoute(FakeGateway.Builder gateway, FakeReplicate replicate) {
        return gateway.provider("replicate-stream", URI.create("http://127.0.0.1:" + replicate.port()));
    }

    static HttpResponse<InputStream> open(String url, String... headers) throws IOException, InterruptedException {
        HttpRequest request = TestHttp.withHeaders(HttpRequest.newBuilder(URI.create(url))
                .header("Accept", "text/event-stream"), headers).GET().build();
        return CLIENT.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Reads until the stream ends; {@code onFirst} runs as soon as the first event has arrived. */
    static List<Sse> readEvents(InputStream in, Runnable onFirst) throws IOException {
        List<Sse> events = new ArrayList<>();
        BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        String event = null;
        String id = null;
        StringBuilder data = null;
        for (String line; (line = reader.readLine()) != null; ) {
            if (line.isEmpty()) {
                if (event != null) {
                    events.add(new Sse(event, id, data == null ? "" : data.toString()));
                    if (events.size() == 1 && onFirst != null) {
                        onFirst.run();
                    }
                }
                event = null;
                id = null;
                data = null;
            } else if (line.startsWith("event: ")) {
                event = line.substring(7);
            } else if (line.startsWith("id: ")) {
                id = line.substring(4);
            } else if (line.startsWith("data: ")) {
                data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
            }
        }
        return events;
    }
}
