package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicateStreamingTest {
    static FakeReplicate replicate;
    static TestHttp http;

    @BeforeAll
    static void start() {
        replicate = FakeReplicate.start();
        http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    }

    @AfterAll
    static void stop() {
        replicate.close();
    }

    record Sse(String event, String id, String data) {
    }

    /** Minimal SSE reader; {@code onFirst} runs when the first event has arrived. */
    static List<Sse> readEvents(InputStream in, Runnable onFirst) throws Exception {
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

    static HttpResponse<InputStream> openStream(String url, String... headers) throws Exception {
        HttpRequest request = TestHttp.withHeaders(HttpRequest.newBuilder(java.net.URI.create(url))
                .header("Accept", "text/event-stream"), headers).GET().build();
        return http.client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    @Test
    void streamsTokensLogsAndDoneWithIdsBeforeThePredictionFinishes() throws Exception {
        replicate.model("acme/llm").tokens("Once", " upon", " a time").logs("booted")
                .bootTime(Duration.ofMillis(100)).duration(Duration.ofMillis(1500));
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/llm/predictions", "{\"input\":{}}"));
        String getUrl = replicate.baseUrl() + "/predictions/" + p.path("id").asText();
        HttpResponse<InputStream> response = openStream(p.path("urls").path("stream").asText()); // no auth: capability URL
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        List<String> statusAtFirstEvent = new ArrayList<>();
        List<Sse> events = readEvents(response.body(),
                () -> statusAtFirstEvent.add(TestHttp.json(http.get(getUrl)).path("status").asText()));
        assertThat(statusAtFirstEvent).containsExactly("processing");
        assertThat(events).extracting(Sse::event).containsExactly("logs", "output", "output", "output", "done");
        assertThat(events).extracting(Sse::data).containsExactly("booted", "Once", " upon", " a time", "{}");
        assertThat(events.get(0).id()).matches("\\d+:0");
        assertThat(events.get(4).id()).endsWith(":4");
    }

    @Test
    void failedPredictionStreamsErrorThenDone() throws Exception {
        replicate.model("acme/broken").fails("boom");
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/broken/predictions", "{\"input\":{}}"));
        List<Sse> events = readEvents(openStream(p.path("urls").path("stream").asText()).body(), null);
        assertThat(events).extracting(Sse::event).containsExactly("error", "done");
        assertThat(TestHttp.JSON.readTree(events.get(0).data()).path("detail").asText()).isEqualTo("boom");
        assertThat(events.get(1).data()).isEqualTo("{\"reason\":\"error\"}");
    }

    @Test
    void canceledPredictionEndsWithDoneReasonAndStreamResumesAfterLastEventId() throws Exception {
        replicate.model("acme/slow").tokens("a", "b").bootTime(Duration.ZERO).duration(Duration.ofMillis(600));
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/slow/predictions", "{\"input\":{}}"));
        String stream = p.path("urls").path("stream").asText();
        List<Sse> all = readEvents(openStream(stream).body(), null);
        assertThat(all).extracting(Sse::event).containsExactly("output", "output", "done");
        List<Sse> resumed = readEvents(openStream(stream, "Last-Event-ID", all.get(0).id()).body(), null);
        assertThat(resumed).extracting(Sse::data).containsExactly("b", "{}");

        replicate.model("acme/forever").tokens("x").bootTime(Duration.ZERO).duration(Duration.ofSeconds(30));
        JsonNode q = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/forever/predictions", "{\"input\":{}}"));
        HttpResponse<InputStream> open = openStream(q.path("urls").path("stream").asText());
        http.post(replicate.baseUrl() + "/predictions/" + q.path("id").asText() + "/cancel", "");
        List<Sse> canceled = readEvents(open.body(), null);
        assertThat(canceled.get(canceled.size() - 1).data()).isEqualTo("{\"reason\":\"canceled\"}");
    }

    @Test
    void nonStreamingModelHasNoStreamUrl() {
        replicate.model("acme/batch").streaming(false);
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/batch/predictions", "{\"input\":{}}"));
        assertThat(p.path("urls").has("stream")).isFalse();
    }
}
