package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayStreamingTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create()
            .openGateway().gatewayWithReplicate(SseReader::streamRoute);
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeGateway gateway = kit.gateway();

    @Test
    void sseEventsPassOneByOneBeforeTheUpstreamFinished() throws Exception {
        kit.replicate().model("acme/llm").tokens("t1", "t2", "t3", "t4").bootTime(Duration.ZERO)
                .duration(Duration.ofMillis(2500));
        JsonNode p = TestHttp.json(http.post(kit.replicate().baseUrl() + "/models/acme/llm/predictions",
                "{\"input\":{}}"));
        String id = p.path("id").asText();
        HttpResponse<InputStream> response = SseReader.open(
                gateway.providerUrl("replicate-stream") + "/stream/v1/predictions/" + id);
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        String logId = response.headers().firstValue("cf-aig-log-id").orElseThrow();
        List<String> statusAtFirstEvent = new ArrayList<>();
        List<SseReader.Sse> events = SseReader.readEvents(response.body(),
                () -> statusAtFirstEvent.add(TestHttp.json(http.get(kit.replicate().baseUrl() + "/predictions/" + id))
                        .path("status").asText()));
        // The first token reached us through the gateway while the prediction was still running upstream.
        assertThat(statusAtFirstEvent).containsExactly("processing");
        assertThat(events).extracting(SseReader.Sse::data).containsExactly("t1", "t2", "t3", "t4", "{}");
        GatewayLog log = awaitLog(logId); // written just after the last byte went out
        assertThat(log.responseContentType()).isEqualTo("text/event-stream");
        assertThat(log.cached()).isFalse();
    }

    GatewayLog awaitLog(String id) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            for (GatewayLog l : gateway.logs()) {
                if (l.id().equals(id)) {
                    return l;
                }
            }
            TestHttp.sleep(20);
        }
        throw new AssertionError("no log " + id);
    }

    @Test
    void upstreamClosingMidBodyBreaksTheClientConnectionToo() {
        kit.replicate().faults().next(1).onPath("/v1/hardware").closeAfterBytes(10);
        HttpRequest request = http.request(gateway.providerUrl("replicate") + "/hardware").GET().build();
        assertThatThrownBy(() -> http.client.send(request, HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        assertThat(http.get(gateway.providerUrl("replicate") + "/hardware").statusCode()).isEqualTo(200);
    }

    @Test
    void largeUploadIsStreamedThroughAndNotCached() {
        byte[] big = new byte[26 * 1024 * 1024]; // just over the 25 MB buffer: the rest streams
        HttpRequest request = http.request(gateway.providerUrl("replicate") + "/predictions")
                .header("Content-Type", "application/octet-stream").header("cf-aig-cache-ttl", "120")
                .POST(HttpRequest.BodyPublishers.ofByteArray(big)).build();
        HttpResponse<String> r = http.send(request);
        assertThat(r.statusCode()).isEqualTo(400); // not JSON: Replicate's own answer, proving the body arrived
        RecordedRequest upstream = kit.replicate().requests().get(kit.replicate().requests().size() - 1);
        assertThat(upstream.bodySize()).isEqualTo(big.length);
        assertThat(r.headers().firstValue("cf-aig-cache-status")).hasValue("MISS");
        String logId = r.headers().firstValue("cf-aig-log-id").orElseThrow();
        assertThat(awaitLog(logId).requestSize()).isEqualTo(big.length);
        GatewayRequest seen = gateway.requests().get(gateway.requests().size() - 1);
        assertThat(seen.request().bodySize()).isEqualTo(-1);
        assertThat(seen.request().bodyTruncated()).isTrue();
    }
}
