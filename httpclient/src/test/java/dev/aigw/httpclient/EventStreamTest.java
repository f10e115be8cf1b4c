package dev.aigw.httpclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.ExchangeRecord;
import dev.aigw.Provider;
import dev.aigw.testkit.FakeGateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Event streams. Replicate's {@code urls.stream} (another host) is left alone; a routed event stream — here a second
 * provider whose upstream is the fake's stream endpoint, so that the stream crosses the gateway — reaches the caller
 * event by event, byte for byte, sync and async, and is recorded once at its end.
 */
class EventStreamTest extends GatewayTestBase {
    static final Provider STREAMS = Provider.of("stream", "https://stream.replicate.com/v1");
    static FakeGateway streamGateway;

    @BeforeAll
    static void streamingGateway() {
        // Four tokens over two and a half seconds: the stream stays open while the prediction is processing.
        replicate.model("acme/story").tokens("Once", " upon", " a", " time").bootTime(Duration.ofMillis(20))
                .duration(Duration.ofMillis(2500));
        streamGateway = FakeGateway.builder()
                .provider("replicate", replicate.baseUrl())
                .provider("stream", URI.create("http://127.0.0.1:" + replicate.port() + "/stream/v1"))
                .token(CF_TOKEN).start();
    }

    @AfterAll
    static void stopStreamingGateway() {
        streamGateway.close();
    }

    @BeforeEach
    void routeStreams() {
        streamGateway.reset();
        gateway.close();
        gateway = gatewayBuilder().baseUrl(streamGateway.baseUrl().toString())
                .providers(Provider.REPLICATE, STREAMS).build();
    }

    /** Creates a streaming prediction of {@code model} through aigw; returns its id and local stream URL. */
    private String[] createStreaming(HttpClient c, String model) throws InterruptedException {
        HttpResponse<String> r = send(c, api("/models/" + model + "/predictions")
                .POST(json("{\"input\":{\"prompt\":\"tell\"},\"stream\":true}")).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        JsonNode created = parse(r.body());
        assertThat(nextRecord().model()).isEqualTo(model);
        return new String[] {created.get("id").asText(), created.at("/urls/stream").asText()};
    }

    private String status(String id) {
        return parse(send(jdk, request(replicate.baseUrl() + "/predictions/" + id).build()).body())
                .get("status").asText();
    }

    @Test
    void theStreamUrlIsLeftAlone() throws Exception {
        HttpClient c = client();
        String local = createStreaming(c, "acme/chat")[1];
        assertThat(URI.create(local).getHost()).isEqualTo("127.0.0.1");
        try (var lines = c.send(request(local).header("Accept", "text/event-stream").build(),
                HttpResponse.BodyHandlers.ofLines()).body()) {
            assertThat(lines.toList()).contains("event: done", "data: Once", "data:  upon");
        }
        assertThat(streamGateway.requests()).hasSize(1); // only the create
        assertNoMoreRecords();
    }

    /** Read as an input stream: the first event is in the caller's hands while the prediction is still processing. */
    @Test
    void aRoutedStreamsFirstEventArrivesBeforeTheStreamEnds() throws Exception {
        HttpClient c = client();
        String id = createStreaming(c, "acme/story")[0];
        HttpResponse<InputStream> r = c.send(request("https://stream.replicate.com/v1/predictions/" + id)
                .header("Accept", "text/event-stream").build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("text/event-stream");
        StringBuilder seen = new StringBuilder();
        long bytes = 0;
        try (InputStream in = r.body()) {
            byte[] buf = new byte[4096];
            int n;
            while (!seen.toString().contains("data: Once\n") && (n = in.read(buf)) >= 0) {
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                bytes += n;
            }
            assertThat(seen.toString()).contains("event: output").contains("data: Once\n");
            assertThat(status(id)).as("prediction state when the first event arrived").isEqualTo("processing");
            assertThat(records).as("the stream has not ended").isEmpty();
            while ((n = in.read(buf)) >= 0) {
                seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
                bytes += n;
            }
        }
        assertThat(seen.toString()).contains("data:  upon").endsWith("event: done\nid: " + lastId(seen) + "\ndata: {}\n\n");
        ExchangeRecord rec = nextRecord();
        assertThat(rec.provider()).isEqualTo("stream");
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        assertThat(rec.bytesReceived()).isEqualTo(bytes);
        assertThat(rec.predictionId()).isNull(); // event streams are counted, never parsed

        String direct = send(jdk, request("http://127.0.0.1:" + replicate.port() + "/stream/v1/predictions/" + id)
                .build()).body();
        assertThat(seen.toString()).isEqualTo(direct); // byte for byte
        assertNoMoreRecords();
    }

    private static String lastId(CharSequence stream) {
        String s = stream.toString();
        int at = s.lastIndexOf("\nid: ") + 5;
        return s.substring(at, s.indexOf('\n', at));
    }

    /** sendAsync with a line subscriber: lines arrive one by one while the response future is still open. */
    @Test
    void anAsyncLineSubscriberGetsEventsWhileTheStreamRuns() throws Exception {
        HttpClient c = client();
        String id = createStreaming(c, "acme/story")[0];
        List<String> lines = new CopyOnWriteArrayList<>();
        CountDownLatch first = new CountDownLatch(1);
        CompletableFuture<HttpResponse<Void>> f = c.sendAsync(request("https://stream.replicate.com/v1/predictions/" + id)
                .build(), HttpResponse.BodyHandlers.fromLineSubscriber(new Flow.Subscriber<String>() {
                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(String line) {
                        lines.add(line);
                        if (line.startsWith("data: Once")) {
                            first.countDown();
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onComplete() {
                    }
                }));
        assertThat(first.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(f).isNotDone();
        assertThat(status(id)).isEqualTo("processing");
        assertThat(records).isEmpty();
        assertThat(f.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(lines).contains("event: done", "data:  upon");
        assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        assertNoMoreRecords();
    }
}
