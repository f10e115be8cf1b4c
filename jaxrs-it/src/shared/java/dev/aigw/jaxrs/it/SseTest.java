package dev.aigw.jaxrs.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.Provider;
import dev.aigw.testkit.FakeGateway;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.sse.InboundSseEvent;
import jakarta.ws.rs.sse.SseEventSource;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Event streams: Replicate's {@code urls.stream} is left alone; a routed event stream passes byte for byte. */
class SseTest extends GatewayTestBase {

    private static String createStreaming(Client c) {
        Response r = api(c, "/models/acme/chat/predictions").post(json("{\"input\":{\"prompt\":\"tell\"},\"stream\":true}"));
        String body = r.readEntity(String.class);
        assertThat(r.getStatus()).as(body).isEqualTo(201);
        JsonNode created = parse(body);
        assertThat(created.at("/urls/stream").isTextual()).isTrue();
        return created.at("/urls/stream").asText();
    }

    @Test
    void theStreamUrlIsLeftAloneAndEventsArriveWithSseEventSource() throws Exception {
        Client c = client();
        String stream = createStreaming(c);
        assertThat(nextRecord().model()).isEqualTo("acme/chat");

        List<String> data = new CopyOnWriteArrayList<>();
        CountDownLatch done = new CountDownLatch(1);
        try (SseEventSource source = SseEventSource.target(c.target(stream)).build()) {
            source.register((InboundSseEvent e) -> {
                if ("done".equals(e.getName())) {
                    done.countDown();
                } else if ("output".equals(e.getName())) {
                    data.add(e.readData());
                }
            });
            source.open();
            assertThat(done.await(10, TimeUnit.SECONDS)).isTrue();
        }
        // Both Jersey's and RESTEasy's parsers drop every leading space of a data line (the spec strips one),
        // so " upon" arrives as "upon" although the bytes carry "data:  upon" (see the routed test): compare words
        assertThat(data).map(String::strip).containsExactly("Once", "upon", "a", "time");
        assertThat(fakeGateway.requests()).hasSize(1); // only the create
        assertNoMoreRecords();
    }

    @Test
    void aRoutedEventStreamIsPassedByteForByteAndCounted() throws Exception {
        // A second provider whose upstream is the fake's stream endpoint, so that an event stream crosses the gateway.
        Provider streams = Provider.of("stream", "https://stream.replicate.com/v1");
        try (FakeGateway gw = FakeGateway.builder()
                .provider("replicate", replicate.baseUrl())
                .provider("stream", URI.create("http://127.0.0.1:" + replicate.port() + "/stream/v1"))
                .token(CF_TOKEN).start();
             Gateway g = gatewayBuilder().baseUrl(gw.baseUrl().toString())
                     .providers(Provider.REPLICATE, streams).build()) {
            Client c = clientFor(g);
            String local = createStreaming(c);
            nextRecord();
            String id = local.substring(local.lastIndexOf('/') + 1);

            Response r = c.target("https://stream.replicate.com/v1/predictions/" + id).request("text/event-stream").get();
            assertThat(r.getStatus()).isEqualTo(200);
            String routed;
            try (InputStream in = r.readEntity(InputStream.class)) {
                routed = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            ExchangeRecord rec = nextRecord();
            assertThat(rec.provider()).isEqualTo("stream");
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
            assertThat(rec.bytesReceived()).isEqualTo(routed.getBytes(StandardCharsets.UTF_8).length);
            assertThat(rec.predictionId()).isNull(); // event streams are not parsed

            Client plain = track(ClientBuilder.newClient());
            String direct = plain.target(local).request("text/event-stream").get(String.class);
            assertThat(routed).isEqualTo(direct).contains("data: Once").contains("data:  upon"); // leading space kept
            assertNoMoreRecords();
        }
    }

    /** The caller leaves an event stream after its first event: cancelled, with the bytes it took (as the proxy). */
    @Test
    void anEventStreamLeftEarlyIsCancelledWithTheBytesSoFar() throws Exception {
        replicate.model("acme/slow-chat").tokens("a", "b", "c", "d", "e", "f", "g", "h").streaming(true)
                .duration(java.time.Duration.ofSeconds(5));
        Provider streams = Provider.of("stream", "https://stream.replicate.com/v1");
        try (FakeGateway gw = FakeGateway.builder()
                .provider("replicate", replicate.baseUrl())
                .provider("stream", URI.create("http://127.0.0.1:" + replicate.port() + "/stream/v1"))
                .token(CF_TOKEN).start();
             Gateway g = gatewayBuilder().baseUrl(gw.baseUrl().toString())
                     .providers(Provider.REPLICATE, streams).build()) {
            Client c = clientFor(g);
            Response created = api(c, "/models/acme/slow-chat/predictions").post(json("{\"input\":{},\"stream\":true}"));
            String local = parse(created.readEntity(String.class)).at("/urls/stream").asText();
            nextRecord();
            String id = local.substring(local.lastIndexOf('/') + 1);

            Response r = c.target("https://stream.replicate.com/v1/predictions/" + id).request("text/event-stream").get();
            assertThat(r.getStatus()).isEqualTo(200);
            long taken = 0;
            try (InputStream in = r.readEntity(InputStream.class)) {
                StringBuilder seen = new StringBuilder();
                while (!seen.toString().contains("data:")) { // up to the first event's data, then leave
                    int b = in.read();
                    assertThat(b).as("a first event").isNotNegative();
                    seen.append((char) b);
                    taken++;
                }
            }
            ExchangeRecord rec = nextRecord();
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
            assertThat(rec.bytesReceived()).isEqualTo(taken);
            assertThat(rec.httpStatus()).isEqualTo(200);
            assertNoMoreRecords();
        }
    }

    static String drain(InputStream in) throws java.io.IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        in.transferTo(out);
        return out.toString(StandardCharsets.UTF_8);
    }
}
