package dev.aigw;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class ExchangeTest {
    private static final String ACCT = "0123456789abcdef0123456789abcdef";
    private final BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
    private Gateway gateway = gateway(Gateway.builder());

    private Gateway gateway(Gateway.Builder b) {
        return b.accountId(ACCT).gatewayId("g").token("cf-token-123456").log(Gateway.Log.OFF).listener(records::add).build();
    }

    @AfterEach
    void close() {
        gateway.close();
    }

    private ExchangeRecord next() throws InterruptedException {
        ExchangeRecord r = records.poll(5, TimeUnit.SECONDS);
        assertThat(r).as("a record").isNotNull();
        return r;
    }

    private static java.util.function.Function<String, String> headers(String... kv) {
        Map<String, String> m = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return m::get;
    }

    private static void feedInChunks(Exchange x, String body, boolean response) {
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i += 7) {
            int n = Math.min(7, b.length - i);
            if (response) {
                x.responseBody(b, i, n);
            } else {
                x.requestBody(ByteBuffer.wrap(b, i, n));
            }
        }
    }

    /** One meaning of a response the caller closed before its end was reported, for every adapter. */
    @Test
    void aResponseClosedBeforeItsWholeBodyPassedIsCancelledWithTheBytesSoFar() throws Exception {
        String json = "{\"id\":\"p1\",\"status\":\"starting\"}";
        URI uri = URI.create("https://api.replicate.com/v1/predictions/p1");

        Exchange half = gateway.exchange("GET", uri, null); // chunked JSON, half read
        half.responseHead(200, headers("Content-Type", "application/json"));
        half.responseBody(json.getBytes(StandardCharsets.UTF_8), 0, 10);
        half.responseClosed("closed early");
        ExchangeRecord r = next();
        assertThat(r.outcome()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
        assertThat(r.error()).isEqualTo("closed early");
        assertThat(r.bytesReceived()).isEqualTo(10);

        Exchange document = gateway.exchange("GET", uri, null); // chunked JSON, whole document read
        document.responseHead(200, headers("Content-Type", "application/json"));
        feedInChunks(document, json, true);
        document.responseClosed("closed early");
        assertThat(next().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);

        byte[] bytes = new byte[100];
        Exchange counted = gateway.exchange("GET", uri, null); // a length, reached
        counted.responseHead(200, headers("Content-Type", "application/octet-stream", "Content-Length", "100"));
        counted.responseBody(bytes, 0, 100);
        counted.responseClosed("closed early");
        assertThat(next().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);

        Exchange encoded = gateway.exchange("GET", uri, null); // a length of the encoded body counts for nothing
        encoded.responseHead(200, headers("Content-Length", "100", "Content-Encoding", "gzip"));
        encoded.responseBody(bytes, 0, 100);
        encoded.responseClosed("closed early");
        assertThat(next().outcome()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);

        Exchange refused = gateway.exchange("GET", uri, null); // an error answer left unread is still the error
        refused.responseHead(404, headers("Content-Type", "application/json", "Content-Length", "40"));
        refused.responseClosed("closed early");
        ExchangeRecord e = next();
        assertThat(e.outcome()).isEqualTo(ExchangeRecord.Outcome.HTTP_ERROR);
        assertThat(e.httpStatus()).isEqualTo(404);

        Exchange noHead = gateway.exchange("GET", uri, null); // gone before any answer
        noHead.responseClosed("client disconnected");
        assertThat(next().outcome()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
    }

    /**
     * RFC 9110 §8.4: Content-Encoding is a list, in one field or several, of case-insensitive codings, where
     * {@code identity} adds nothing. A body counts as sent as it is (its Content-Length reached, its JSON read) only
     * when every coding of every field is {@code identity}: of a coded body, a client reads what it decodes.
     */
    @Test
    void aBodyIsReadAsItIsOnlyWhenEveryContentCodingIsIdentity() throws Exception {
        for (List<String> fields : List.of(List.<String>of(), List.of("identity"), List.of("IDENTITY"),
                List.of("identity, identity"), List.of(" identity ,"), List.of(","), List.of(""),
                List.of("identity", "Identity"))) {
            assertThat(closedAfterItsBody(fields, false).outcome()).as(fields.toString())
                    .isEqualTo(ExchangeRecord.Outcome.SUCCESS); // its length reached
            ExchangeRecord json = closedAfterItsBody(fields, true);
            assertThat(json.outcome()).as(fields.toString()).isEqualTo(ExchangeRecord.Outcome.SUCCESS); // JSON read
            assertThat(json.predictionId()).isEqualTo("p1");
        }
        for (List<String> fields : List.of(List.of("gzip"), List.of("GZIP"), List.of("Gzip"), List.of("gzip, br"),
                List.of("identity, gzip"), List.of("identity,br"), List.of(", deflate"), List.of("x-gzip"),
                List.of("identityx"), List.of("identity", "gzip"), List.of("", "br"), List.of("IDENTITY", "Br"))) {
            assertThat(closedAfterItsBody(fields, false).outcome()).as(fields.toString())
                    .isEqualTo(ExchangeRecord.Outcome.CANCELLED);
            ExchangeRecord json = closedAfterItsBody(fields, true); // bytes that read as JSON: not what a client reads
            assertThat(json.outcome()).as(fields.toString()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
            assertThat(json.predictionId()).as(fields.toString()).isNull();
        }
    }

    /** An adapter that sees one value per header cannot know a Content-Encoding field is the only one. */
    @Test
    void fromTheFirstValueOnlyAnyContentEncodingIsTakenAsACoding() throws Exception {
        URI uri = URI.create("https://api.replicate.com/v1/predictions/p1");
        for (String encoding : new String[]{"gzip", "GZIP", "identity"}) {
            Exchange x = gateway.exchange("GET", uri, null);
            x.responseHead(200, headers("Content-Type", "application/json", "Content-Encoding", encoding));
            x.responseBody(PREDICTION, 0, PREDICTION.length);
            x.responseClosed("closed early");
            ExchangeRecord r = next();
            assertThat(r.outcome()).as(encoding).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
            assertThat(r.predictionId()).as(encoding).isNull();
        }
        Exchange plain = gateway.exchange("GET", uri, null);
        plain.responseHead(200, headers("Content-Type", "application/json"));
        plain.responseBody(PREDICTION, 0, PREDICTION.length);
        plain.responseClosed("closed early");
        assertThat(next().predictionId()).isEqualTo("p1");
    }

    private static final byte[] PREDICTION = "{\"id\":\"p1\",\"status\":\"starting\"}"
            .getBytes(StandardCharsets.UTF_8);

    /** A response whose whole body passed, closed by the caller: as JSON (no length) or with its length. */
    private ExchangeRecord closedAfterItsBody(List<String> contentEncodings, boolean json) throws Exception {
        Exchange x = gateway.exchange("GET", URI.create("https://api.replicate.com/v1/predictions/p1"), null);
        java.util.function.Function<String, String> head = json ? headers("Content-Type", "application/json")
                : headers("Content-Type", "application/octet-stream", "Content-Length",
                String.valueOf(PREDICTION.length));
        x.responseHead(200, head, contentEncodings);
        x.responseBody(PREDICTION, 0, PREDICTION.length);
        x.responseClosed("closed early");
        return next();
    }

    @Test
    void aWebhookDeliveryIsRecordedAsOneNotSentAnywhere() throws Exception {
        CallOptions creator = CallOptions.builder().metadata("user", "dana").build();
        Exchange x = gateway.webhook(Provider.REPLICATE, "/predictions/p1", URI.create("https://app.example/hooks"),
                creator);
        assertThat(x.via()).isEqualTo(ExchangeRecord.Via.WEBHOOK);
        assertThat(x.viaGateway()).isFalse();
        assertThat(x.gatewayHeaders()).as("never sent: no token").isEmpty();
        assertThat(x.fallBackToDirect()).isFalse();
        x.responseHead(200, headers("Content-Type", "application/json"));
        feedInChunks(x, "{\"id\":\"p1\",\"status\":\"succeeded\",\"model\":\"acme/echo\"}", true);
        x.complete();
        ExchangeRecord r = next();
        assertThat(r.method()).isEqualTo("WEBHOOK");
        assertThat(r.via()).isEqualTo(ExchangeRecord.Via.WEBHOOK);
        assertThat(r.url()).isEqualTo("https://api.replicate.com/v1/predictions/p1");
        assertThat(r.routedUrl()).isEqualTo("https://app.example/hooks");
        assertThat(r.predictionStatus()).isEqualTo("succeeded");
        assertThat(r.metadata()).containsEntry("user", "dana");
    }

    /** The headers kept for the last options seen follow the options: reads and writes alternate, each gets its own. */
    @Test
    void keptGatewayHeadersFollowTheOptionsOfEachCall() {
        URI read = URI.create("https://api.replicate.com/v1/predictions/p1");
        URI write = URI.create("https://api.replicate.com/v1/predictions");
        CallOptions keyed = CallOptions.builder().cacheKey("k1").build();
        for (int round = 0; round < 3; round++) {
            Map<String, String> r = gateway.exchange("GET", read, null).gatewayHeaders();
            Map<String, String> w = gateway.exchange("POST", write, null).gatewayHeaders();
            Map<String, String> k = gateway.exchange("POST", write, keyed).gatewayHeaders();
            assertThat(r).containsEntry("cf-aig-authorization", "Bearer cf-token-123456")
                    .containsEntry("cf-aig-skip-cache", "true").doesNotContainKey("cf-aig-cache-key");
            assertThat(w).containsEntry("cf-aig-authorization", "Bearer cf-token-123456")
                    .doesNotContainKey("cf-aig-skip-cache").doesNotContainKey("cf-aig-cache-key");
            assertThat(k).containsEntry("cf-aig-authorization", "Bearer cf-token-123456")
                    .containsEntry("cf-aig-cache-key", "k1").doesNotContainKey("cf-aig-skip-cache");
        }
    }

    @Test
    void recordsACreateWithFieldsSniffedFromBothBodies() throws Exception {
        Exchange x = gateway.exchange("post", URI.create("https://api.replicate.com/v1/predictions"),
                CallOptions.builder().eventId("evt-1").metadata("user", "u1").build());
        assertThat(x.target()).hasToString("https://gateway.ai.cloudflare.com/v1/" + ACCT + "/g/replicate/predictions");
        assertThat(x.gatewayHeaders()).containsEntry("cf-aig-authorization", "Bearer cf-token-123456");
        String req = "{\"version\":\"acme/echo:5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa\",\"input\":{\"prompt\":\"hi\"}}";
        feedInChunks(x, req, false);
        x.responseHead(201, headers("Content-Type", "application/json; charset=UTF-8", "cf-aig-log-id", "01JLOG",
                "cf-aig-cache-status", "MISS", "cf-aig-event-id", "evt-1"));
        String resp = "{\"id\":\"gm3qorzdhgbfurvjtvhg6dckhu\",\"model\":\"acme/echo\",\"status\":\"starting\","
                + "\"input\":{\"model\":\"nope\"},\"urls\":{\"get\":\"https://api.replicate.com/v1/predictions/gm3\"}}";
        feedInChunks(x, resp, true);
        x.complete();
        x.complete(); // ignored

        ExchangeRecord r = next();
        assertThat(r.method()).isEqualTo("POST");
        assertThat(r.provider()).isEqualTo("replicate");
        assertThat(r.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        assertThat(r.url()).isEqualTo("https://api.replicate.com/v1/predictions");
        assertThat(r.routedUrl()).endsWith("/g/replicate/predictions");
        assertThat(r.model()).isEqualTo("acme/echo");
        assertThat(r.predictionId()).isEqualTo("gm3qorzdhgbfurvjtvhg6dckhu");
        assertThat(r.predictionStatus()).isEqualTo("starting");
        assertThat(r.httpStatus()).isEqualTo(201);
        assertThat(r.gatewayLogId()).isEqualTo("01JLOG");
        assertThat(r.cacheStatus()).isEqualTo("MISS");
        assertThat(r.eventId()).isEqualTo("evt-1");
        assertThat(r.metadata()).containsExactly(Map.entry("user", "u1"));
        assertThat(r.bytesSent()).isEqualTo(req.length());
        assertThat(r.bytesReceived()).isEqualTo(resp.length());
        assertThat(r.timeToHeaders()).isNotNull().isLessThanOrEqualTo(r.totalTime());
        assertThat(r.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        assertThat(r.error()).isNull();
        assertThat(records.poll(200, TimeUnit.MILLISECONDS)).as("exactly one record").isNull();
    }

    @Test
    void modelFromPathWhenTheResponseHasNone() throws Exception {
        Exchange x = gateway.exchange("POST", URI.create("https://api.replicate.com/v1/models/black-forest-labs/flux/predictions"), null);
        x.responseHead(422, headers("Content-Type", "application/problem+json"));
        feedInChunks(x, "{\"title\":\"Input validation failed\",\"status\":422}", true);
        x.complete();
        ExchangeRecord r = next();
        assertThat(r.model()).isEqualTo("black-forest-labs/flux");
        assertThat(r.outcome()).isEqualTo(ExchangeRecord.Outcome.HTTP_ERROR);
        assertThat(r.predictionStatus()).isNull();
    }

    @Test
    void eventStreamsAreCountedNotParsed() throws Exception {
        Exchange x = gateway.exchange("GET", URI.create("https://api.replicate.com/v1/predictions/abc"), null);
        x.responseHead(200, headers("Content-Type", "text/event-stream"));
        feedInChunks(x, "event: output\ndata: {\"id\":\"not-me\",\"status\":\"x\"}\n\n", true);
        x.complete();
        ExchangeRecord r = next();
        assertThat(r.predictionId()).isNull();
        assertThat(r.bytesReceived()).isPositive();
    }

    @Test
    void transportFailureIsRecordedWithoutSecrets() throws Exception {
        Exchange x = gateway.exchange("GET", URI.create("https://api.replicate.com/v1/predictions/abc?token=r8_abcdef123"), null);
        x.fail(new IOException("refused for Bearer cf-token-123456 and r8_Zx9secret",
                new ConnectException("Connection refused")));
        ExchangeRecord r = next();
        assertThat(r.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
        assertThat(r.httpStatus()).isZero();
        assertThat(r.timeToHeaders()).isNull();
        assertThat(r.error()).contains("Connection refused").doesNotContain("cf-token-123456").doesNotContain("r8_Zx9secret");
        assertThat(r.url()).doesNotContain("r8_abcdef123").contains("token=****");
    }

    @Test
    void cancelAfterHeadersKeepsTheStatus() throws Exception {
        Exchange x = gateway.exchange("GET", URI.create("https://api.replicate.com/v1/predictions/abc"), null);
        x.responseHead(200, headers());
        x.cancel("client went away");
        x.fail(new IOException("late"));
        ExchangeRecord r = next();
        assertThat(r.outcome()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
        assertThat(r.httpStatus()).isEqualTo(200);
        assertThat(r.error()).isEqualTo("client went away");
    }

    @Test
    void fallbackOnlyWhenEnabledAndOnce() throws Exception {
        URI create = URI.create("https://api.replicate.com/v1/predictions");
        Exchange off = gateway.exchange("POST", create, null);
        assertThat(off.fallBackToDirect()).isFalse();
        assertThat(off.target().getHost()).isEqualTo("gateway.ai.cloudflare.com");

        try (Gateway g = gateway(Gateway.builder().fallback(true))) {
            Exchange x = g.exchange("POST", create, null);
            assertThat(x.fallBackToDirect()).isTrue();
            assertThat(x.fallBackToDirect()).isFalse();
            assertThat(x.target()).isEqualTo(create);
            assertThat(x.gatewayHeaders()).isEmpty();
            x.responseHead(201, headers());
            x.complete();
            ExchangeRecord r = next();
            assertThat(r.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(r.routedUrl()).isNull();
        }
    }

    @Test
    void aThrowingOrSlowListenerNeitherFailsNorDelaysCalls() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        BlockingQueue<ExchangeRecord> after = new LinkedBlockingQueue<>();
        try (Gateway g = Gateway.builder().accountId(ACCT).gatewayId("g").log(Gateway.Log.OFF)
                .listener(r -> {
                    throw new IllegalStateException("listener bug");
                })
                .listener(r -> {
                    try {
                        release.await(10, TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                })
                .listener(after::add)
                .recordQueueCapacity(4).build()) {
            for (int i = 0; i < 10; i++) {
                Exchange x = g.exchange("GET", URI.create("https://api.replicate.com/v1/predictions/p" + i), null);
                x.responseHead(200, headers());
                x.complete(); // returns at once although a listener is blocked
            }
            assertThat(g.droppedRecords()).as("queue of 4 behind a blocked listener").isPositive();
            release.countDown();
            assertThat(after.poll(5, TimeUnit.SECONDS)).isNotNull();
        }
    }

    @Test
    void notRoutedMeansNoExchange() {
        assertThat(gateway.exchange("GET", URI.create("https://example.com/v1/predictions"), null)).isNull();
        assertThat(gateway.exchange("GET", URI.create("https://stream.replicate.com/v1/files/x"), null)).isNull();
    }

    @Test
    void notesReachTheRecordRedactedAndOnlyBeforeItIsEmitted() throws Exception {
        Exchange x = gateway.exchange("GET", URI.create("https://api.replicate.com/v1/account"), null);
        x.note(null);
        x.note("rate limit not checked (redis: NOAUTH for token cf-token-123456)");
        x.responseHead(200, headers());
        x.complete();
        x.note("too late");
        ExchangeRecord r = next();
        assertThat(r.notes()).containsExactly("rate limit not checked (redis: NOAUTH for token ****)");
        assertThat(r.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
    }
}
