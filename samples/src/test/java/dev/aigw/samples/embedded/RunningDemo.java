package dev.aigw.samples.embedded;

import dev.aigw.samples.Call;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;

/** The offline demo as ./demo runs it, on a free port, for tests; with the HTTP calls a client of it makes. */
public final class RunningDemo implements AutoCloseable {
    public final DemoServices fakes;
    public final EmbeddedApp app;
    public final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public RunningDemo() throws Exception {
        fakes = DemoServices.start();
        try {
            app = EmbeddedApp.start("127.0.0.1", 0, fakes::settings);
        } catch (Exception e) {
            fakes.close();
            throw e;
        }
    }

    public URI uri(String path) {
        return app.uri().resolve(path);
    }

    public HttpResponse<String> get(String path, String user) throws IOException, InterruptedException {
        return http.send(request(path, user).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    public HttpResponse<String> post(String path, String user, String json) throws IOException, InterruptedException {
        return http.send(request(path, user).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
    }

    /** The event stream at {@code path}, read to its {@code done} event: each event as "type: data". */
    public List<String> events(String path, String user) throws IOException, InterruptedException {
        return events(path, user, null);
    }

    /** As {@link #events(String, String)}, adding each event's arrival time (nanoTime) to {@code arrivals}. */
    public List<String> events(String path, String user, List<Long> arrivals) throws IOException, InterruptedException {
        HttpResponse<InputStream> r = http.send(request(path, user).header("Accept", "text/event-stream").GET()
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        if (r.statusCode() != 200) {
            throw new IOException(path + " answered " + r.statusCode() + ": "
                    + new String(r.body().readAllBytes(), StandardCharsets.UTF_8));
        }
        List<String> events = new java.util.ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String type = "message";
            StringBuilder data = null;
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("event: ")) {
                    type = line.substring(7);
                } else if (line.startsWith("data: ")) {
                    data = data == null ? new StringBuilder(line.substring(6)) : data.append('\n').append(line.substring(6));
                } else if (line.isEmpty() && data != null) {
                    events.add(type + ": " + data);
                    if (arrivals != null) {
                        arrivals.add(System.nanoTime());
                    }
                    if (type.equals("done")) {
                        break;
                    }
                    type = "message";
                    data = null;
                }
            }
        }
        return events;
    }

    /** Waits (up to 10 s) for a recorded call that matches. */
    public Call awaitCall(Predicate<Call> match) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (Call c : app.calls().snapshot()) {
                if (match.test(c)) {
                    return c;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such call among " + app.calls().snapshot());
    }

    private HttpRequest.Builder request(String path, String user) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20));
        return user == null ? b : b.header("X-Demo-User", user);
    }

    @Override
    public void close() {
        try {
            app.close();
        } finally {
            fakes.close();
        }
    }
}
