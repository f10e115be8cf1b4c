package dev.aigw.httpclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.ExchangeRecord;
import dev.aigw.ExchangeRecord.Outcome;
import dev.aigw.Gateway;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Exactly one record per call, however the call ends, and never before the body has passed. */
class RecordsTest extends GatewayTestBase {

    /**
     * Bytes are observed as they are handed to the caller's subscriber, which the JDK feeds only as fast as the
     * caller consumes: after one read of a 4 MB body little has passed and nothing is recorded; the record comes
     * with the end of the body.
     */
    @Test
    void aStreamedBodyIsObservedAsTheCallerConsumesItAndRecordedAtItsEnd() throws Exception {
        long size = 4 << 20;
        String id = replicate.generatedFile("four.bin", "application/octet-stream", size);
        HttpResponse<InputStream> r = client().send(api("/files/" + id + "/download?owner=o&expiry=1&signature=s")
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            assertThat(in.read()).isEqualTo(0);
            assertThat(records.poll(300, TimeUnit.MILLISECONDS)).as("no record before the body's end").isNull();
            long n = 1;
            byte[] buf = new byte[7000];
            for (int k; (k = in.read(buf)) >= 0; ) {
                n += k;
            }
            assertThat(n).isEqualTo(size);
        }
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.bytesReceived()).isEqualTo(size);
        assertThat(rec.predictionId()).isNull(); // not JSON: counted, never parsed
        assertNoMoreRecords();
    }

    @Test
    void everyBodyHandlerRecordsOnce() throws Exception {
        HttpClient c = client();
        String expected = get(c, "/models/acme/echo").body();
        nextRecord();
        assertThat(new String(c.send(api("/models/acme/echo").build(), HttpResponse.BodyHandlers.ofByteArray()).body(),
                StandardCharsets.UTF_8)).isEqualTo(expected);
        assertThat(nextRecord().bytesReceived()).isEqualTo(expected.length());
        assertThat(c.send(api("/models/acme/echo").build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                .isEqualTo(200);
        assertThat(nextRecord().bytesReceived()).isEqualTo(expected.length());
        try (var lines = c.send(api("/models/acme/echo").build(), HttpResponse.BodyHandlers.ofLines()).body()) {
            assertThat(String.join("\n", lines.toList())).isEqualTo(expected.strip());
        }
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.model()).isEqualTo("acme/echo");
        assertNoMoreRecords();
    }

    /**
     * The JDK's close of an unfinished body aborts it: recorded as cancelled, with the status that arrived. (1 MB:
     * the JDK hands an input stream at most a buffer ahead of its reader, so the body cannot be over already.)
     */
    @Test
    void aBodyClosedBeforeItsEndIsRecordedAsCancelled() throws Exception {
        String id = replicate.generatedFile("one.bin", "application/octet-stream", 1 << 20);
        HttpResponse<InputStream> r = client().send(api("/files/" + id + "/download?owner=o&expiry=1&signature=s")
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        r.body().close();
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertThat(rec.error()).contains("cancelled before its end");
        assertNoMoreRecords();
    }

    /**
     * A body is read for the record only when every Content-Encoding field lists nothing but {@code identity}: a
     * second field cannot hide a coding behind a first {@code identity} (the fake labels a plain body both ways).
     */
    @Test
    void everyContentEncodingFieldDecidesWhetherTheBodyIsRead() throws Exception {
        HttpClient c = client();
        fakeGateway.faults().next(1).header("Content-Encoding", "identity", "Identity");
        HttpResponse<String> plain = send(c, api("/models/acme/echo/predictions")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{}}")).build());
        assertThat(plain.headers().allValues("Content-Encoding")).hasSize(2);
        assertThat(nextRecord().predictionId()).isEqualTo(parse(plain.body()).path("id").asText());

        fakeGateway.faults().next(1).header("Content-Encoding", "identity", "gzip");
        HttpResponse<String> coded = send(c, api("/models/acme/echo/predictions")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{}}")).build());
        assertThat(coded.headers().allValues("Content-Encoding")).containsExactly("identity", "gzip");
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.predictionId()).as("a client decoding gzip reads no such id").isNull();
        assertNoMoreRecords();
    }

    /** Files: upload (request body counted and sniffed), follow {@code urls.get}, DELETE answered 204. */
    @Test
    void filesAreRoutedAndAResponseWithoutBodyIsRecordedAtOnce() throws Exception {
        HttpClient c = client();
        String boundary = "aigw-boundary";
        String multipart = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"content\"; filename=\"hello.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nhello file\r\n--" + boundary + "--\r\n";
        HttpResponse<String> up = send(c, api("/files").header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        multipart.getBytes(StandardCharsets.UTF_8)))).build());
        assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
        JsonNode file = parse(up.body());
        ExchangeRecord uploaded = nextRecord();
        assertThat(uploaded.predictionId()).isEqualTo(file.get("id").asText());
        assertThat(uploaded.bytesSent()).isEqualTo(multipart.length());

        String fileUrl = file.at("/urls/get").asText();
        assertThat(fileUrl).startsWith(API + "/files/");
        send(c, request(fileUrl).build());
        assertThat(nextRecord().url()).isEqualTo(fileUrl);

        HttpResponse<InputStream> deleted = c.send(api("/files/" + file.get("id").asText()).DELETE().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(deleted.statusCode()).isEqualTo(204);
        ExchangeRecord rec = nextRecord(); // before anything is read: there is nothing to read
        assertThat(rec.method()).isEqualTo("DELETE");
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.httpStatus()).isEqualTo(204);
        deleted.body().close();
        assertNoMoreRecords();
    }

    @Test
    void anHttpErrorIsRecordedWithItsStatus() throws Exception {
        HttpResponse<String> r = get(client(), "/predictions/doesnotexist");
        assertThat(r.statusCode()).isEqualTo(404);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.HTTP_ERROR);
        assertThat(rec.httpStatus()).isEqualTo(404);
        assertNoMoreRecords();
    }

    /** The request body is sniffed as it streams: an error answer names no model, the request's version does. */
    @Test
    void theRequestBodyIsSniffedForTheModel() throws Exception {
        String body = "{\"version\":\"acme/unknown:" + "0".repeat(64) + "\",\"input\":{\"prompt\":\"" + "x".repeat(200_000)
                + "\"}}";
        HttpResponse<String> r = send(client(), api("/predictions").header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(
                        body.getBytes(StandardCharsets.UTF_8)))).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(422);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.HTTP_ERROR);
        assertThat(rec.model()).isEqualTo("acme/unknown");
        assertThat(rec.bytesSent()).isEqualTo(body.length());
        assertThat(fakeGateway.requests().get(0).request().bodySize()).isEqualTo(body.length());
    }

    @Test
    void aBrokenResponseBodyIsRecordedAsAFailure() throws Exception {
        replicate.faults().next(1).onPath("/v1/models").closeAfterBytes(10);
        assertThatThrownBy(() -> client().send(api("/models/acme/echo").build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(IOException.class);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertNoMoreRecords();
    }

    @Test
    void aHandlerThatThrowsFailsTheRecord() throws Exception {
        assertThatThrownBy(() -> client().send(api("/account").build(), info -> {
            throw new IllegalStateException("handler refuses");
        })).hasMessageContaining("handler refuses");
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.FAILURE);
        assertThat(rec.error()).contains("handler refuses");
        assertNoMoreRecords();
    }

    /** Connection refused: recorded at once, with its cause, on both paths. */
    @Test
    void aTransportFailureIsRecordedAtOnceWithItsCause() throws Exception {
        try (Gateway unreachable = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").build()) {
            HttpClient c = AigwHttpClient.wrap(jdk, unreachable);
            assertThatThrownBy(() -> c.send(api("/account").build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(ConnectException.class);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.outcome()).isEqualTo(Outcome.FAILURE);
            assertThat(rec.httpStatus()).isZero();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(rec.error()).contains("ConnectException").doesNotContain(CF_TOKEN)
                    .doesNotContain(replicate.token());

            assertThatThrownBy(() -> c.sendAsync(api("/account").build(), HttpResponse.BodyHandlers.ofString())
                    .get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ConnectException.class);
            assertThat(nextRecord().outcome()).isEqualTo(Outcome.FAILURE);
            assertNoMoreRecords();
        }
    }
}
