package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.InputStream;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicateStreamingTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create();
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();

    @Test
    void streamsTokensLogsAndDoneWithIdsBeforeThePredictionFinishes() throws Exception {
        replicate.model("acme/llm").tokens("Once", " upon", " a time").logs("booted")
                .bootTime(Duration.ofMillis(100)).duration(Duration.ofMillis(1500));
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/llm/predictions", "{\"input\":{}}"));
        String getUrl = replicate.baseUrl() + "/predictions/" + p.path("id").asText();
        HttpResponse<InputStream> response = SseReader.open(p.path("urls").path("stream").asText()); // no auth: capability URL
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        List<String> statusAtFirstEvent = new ArrayList<>();
        List<SseReader.Sse> events = SseReader.readEvents(response.body(),
                () -> statusAtFirstEvent.add(TestHttp.json(http.get(getUrl)).path("status").asText()));
        assertThat(statusAtFirstEvent).containsExactly("processing");
        assertThat(events).extracting(SseReader.Sse::event).containsExactly("logs", "output", "output", "output", "done");
        assertThat(events).extracting(SseReader.Sse::data).containsExactly("booted", "Once", " upon", " a time", "{}");
        assertThat(events.get(0).id()).matches("\\d+:0");
        assertThat(events.get(4).id()).endsWith(":4");
    }

    @Test
    void failedPredictionStreamsErrorThenDone() throws Exception {
        replicate.model("acme/broken").fails("boom");
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/broken/predictions", "{\"input\":{}}"));
        List<SseReader.Sse> events = SseReader.readEvents(SseReader.open(p.path("urls").path("stream").asText()).body(), null);
        assertThat(events).extracting(SseReader.Sse::event).containsExactly("error", "done");
        assertThat(TestHttp.JSON.readTree(events.get(0).data()).path("detail").asText()).isEqualTo("boom");
        assertThat(events.get(1).data()).isEqualTo("{\"reason\":\"error\"}");
    }

    @Test
    void canceledPredictionEndsWithDoneReasonAndStreamResumesAfterLastEventId() throws Exception {
        replicate.model("acme/slow").tokens("a", "b").bootTime(Duration.ZERO).duration(Duration.ofMillis(600));
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/slow/predictions", "{\"input\":{}}"));
        String stream = p.path("urls").path("stream").asText();
        List<SseReader.Sse> all = SseReader.readEvents(SseReader.open(stream).body(), null);
        assertThat(all).extracting(SseReader.Sse::event).containsExactly("output", "output", "done");
        List<SseReader.Sse> resumed = SseReader.readEvents(SseReader.open(stream, "Last-Event-ID", all.get(0).id()).body(), null);
        assertThat(resumed).extracting(SseReader.Sse::data).containsExactly("b", "{}");

        replicate.model("acme/forever").tokens("x").bootTime(Duration.ZERO).duration(Duration.ofSeconds(30));
        JsonNode q = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/forever/predictions", "{\"input\":{}}"));
        HttpResponse<InputStream> open = SseReader.open(q.path("urls").path("stream").asText());
        http.post(replicate.baseUrl() + "/predictions/" + q.path("id").asText() + "/cancel", "");
        List<SseReader.Sse> canceled = SseReader.readEvents(open.body(), null);
        assertThat(canceled.get(canceled.size() - 1).data()).isEqualTo("{\"reason\":\"canceled\"}");
    }

    @Test
    void nonStreamingModelHasNoStreamUrl() {
        replicate.model("acme/batch").streaming(false);
        JsonNode p = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/batch/predictions", "{\"input\":{}}"));
        assertThat(p.path("urls").has("stream")).isFalse();
    }
}
