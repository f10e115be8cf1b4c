package dev.aigw.jaxrs.it;

import dev.aigw.ExchangeRecord;
import dev.aigw.ExchangeRecord.Outcome;
import dev.aigw.Gateway;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

/** Exactly one record per call, however the call ends. */
class RecordsTest extends GatewayTestBase {

    @Test
    void readingTheEntityToTheEndRecordsOnce() throws Exception {
        Response r = api(client(), "/models/acme/echo").get();
        assertThat(records).isEmpty(); // not before the body is read
        String body = r.readEntity(String.class);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.bytesReceived()).isEqualTo(body.getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
        assertThat(rec.model()).isEqualTo("acme/echo");
        r.close();
        assertNoMoreRecords();
    }

    /** Closed before its body passed: cancelled, as on the proxy and the JDK client (ARCHITECTURE.md RATIONALE). */
    @Test
    void anUnreadEntityIsRecordedAsCancelledWhenTheResponseIsClosed() throws Exception {
        Response r = api(client(), "/models/acme/echo").get();
        assertThat(r.getStatus()).isEqualTo(200);
        assertThat(records.poll(200, java.util.concurrent.TimeUnit.MILLISECONDS)).isNull();
        r.close();
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertThat(rec.bytesReceived()).isZero();
        assertNoMoreRecords();
    }

    @Test
    void aBodyClosedHalfWayIsCancelledWithTheBytesSoFar() throws Exception {
        int whole = api(client(), "/models/acme/echo").get(String.class).getBytes(StandardCharsets.UTF_8).length;
        nextRecord();
        Response r = api(client(), "/models/acme/echo").get();
        try (InputStream in = r.readEntity(InputStream.class)) {
            assertThat(in.readNBytes(whole / 2)).hasSize(whole / 2);
        }
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.error()).contains("closed the response before its end");
        assertThat(rec.bytesReceived()).isEqualTo(whole / 2);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertNoMoreRecords();
    }

    /** A JSON reader stops at the document's end and closes without asking for the end of stream: still complete. */
    @Test
    void aBodyClosedAfterItsLastByteIsComplete() throws Exception {
        int whole = api(client(), "/models/acme/echo").get(String.class).getBytes(StandardCharsets.UTF_8).length;
        nextRecord();
        Response r = api(client(), "/models/acme/echo").get();
        try (InputStream in = r.readEntity(InputStream.class)) {
            assertThat(in.readNBytes(whole)).hasSize(whole);
        }
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.bytesReceived()).isEqualTo(whole);
        assertThat(rec.model()).isEqualTo("acme/echo");
        assertNoMoreRecords();
    }

    @Test
    void aStreamEntityIsObservedAsTheCallerReadsIt() throws Exception {
        Response r = api(client(), "/models/acme/echo").get();
        long n = 0;
        try (InputStream in = r.readEntity(InputStream.class)) {
            byte[] buf = new byte[7];
            for (int k; (k = in.read(buf)) >= 0; ) {
                n += k;
            }
        }
        ExchangeRecord rec = nextRecord();
        assertThat(rec.bytesReceived()).isEqualTo(n).isPositive();
        assertThat(rec.model()).isEqualTo("acme/echo");
        assertNoMoreRecords();
    }

    /** Files: upload, follow the file's {@code urls.get}, and a DELETE answered 204 (no entity: recorded at once). */
    @Test
    void filesAreRoutedAndAResponseWithoutEntityIsRecordedAtOnce() throws Exception {
        Client c = client();
        String boundary = "aigw-boundary";
        String multipart = "--" + boundary + "\r\n"
                + "Content-Disposition: form-data; name=\"content\"; filename=\"hello.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\nhello file\r\n--" + boundary + "--\r\n";
        Response up = api(c, "/files").post(jakarta.ws.rs.client.Entity.entity(multipart,
                "multipart/form-data; boundary=" + boundary));
        String body = up.readEntity(String.class);
        assertThat(up.getStatus()).as(body).isEqualTo(201);
        com.fasterxml.jackson.databind.JsonNode file = parse(body);
        ExchangeRecord uploaded = nextRecord();
        assertThat(uploaded.predictionId()).isEqualTo(file.get("id").asText());
        assertThat(uploaded.bytesSent()).isEqualTo(multipart.length());

        String fileUrl = file.at("/urls/get").asText();
        assertThat(fileUrl).startsWith(API + "/files/");
        readJson(c.target(fileUrl).request().header("Authorization", "Bearer " + replicate.token()).get());
        assertThat(nextRecord().url()).isEqualTo(fileUrl);

        Response deleted = api(c, "/files/" + file.get("id").asText()).delete();
        assertThat(deleted.getStatus()).isEqualTo(204);
        ExchangeRecord rec = nextRecord(); // before close: there is nothing to read
        assertThat(rec.method()).isEqualTo("DELETE");
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.httpStatus()).isEqualTo(204);
        deleted.close();
        assertThat(fakeGateway.requests()).extracting(r -> r.request().method() + " " + r.providerPath()).containsExactly(
                "POST /files", "GET /files/" + file.get("id").asText(), "DELETE /files/" + file.get("id").asText());
        assertNoMoreRecords();
    }

    /**
     * A body is read for the record only when every Content-Encoding field lists nothing but {@code identity}: a
     * second field cannot hide a coding behind a first {@code identity} (the fake labels a plain body both ways; br,
     * which no stack here decodes).
     */
    @Test
    void everyContentEncodingFieldDecidesWhetherTheBodyIsRead() throws Exception {
        Client c = client();
        fakeGateway.faults().next(1).header("Content-Encoding", "identity", "Identity");
        String plain = api(c, "/models/acme/echo/predictions").post(jakarta.ws.rs.client.Entity.json("{\"input\":{}}"))
                .readEntity(String.class);
        assertThat(nextRecord().predictionId()).isEqualTo(parse(plain).path("id").asText());

        fakeGateway.faults().next(1).header("Content-Encoding", "identity", "br");
        Response coded = api(c, "/models/acme/echo/predictions").post(jakarta.ws.rs.client.Entity.json(
                "{\"input\":{}}"));
        assertThat(coded.getStringHeaders().get("Content-Encoding")).hasSize(2);
        coded.readEntity(String.class);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.SUCCESS);
        assertThat(rec.predictionId()).as("a client decoding br reads no such id").isNull();
        assertNoMoreRecords();
    }

    @Test
    void anHttpErrorIsRecordedWithItsStatus() throws Exception {
        Response r = api(client(), "/predictions/doesnotexist").get();
        assertThat(r.getStatus()).isEqualTo(404);
        r.readEntity(String.class);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isEqualTo(Outcome.HTTP_ERROR);
        assertThat(rec.httpStatus()).isEqualTo(404);
        assertNoMoreRecords();
    }

    @Test
    void typedReadsThatThrowOnErrorsStillRecordOnce() throws Exception {
        Client c = client();
        Throwable notFound = org.assertj.core.api.Assertions.catchThrowable(
                () -> api(c, "/predictions/doesnotexist").get(String.class));
        assertThat(notFound).isInstanceOf(jakarta.ws.rs.NotFoundException.class);
        if (Stack.leavesErrorResponsesOpen()) {
            // the stack leaves the error response unread and open in the exception (documented limit): closing it records
            ((jakarta.ws.rs.WebApplicationException) notFound).getResponse().close();
        }
        assertThat(nextRecord().httpStatus()).isEqualTo(404);
        assertThat(api(c, "/account").get(String.class)).contains("username");
        assertThat(nextRecord().outcome()).isEqualTo(Outcome.SUCCESS);
        assertNoMoreRecords();
    }

    @Test
    void aBrokenResponseBodyIsRecordedAsAFailure() throws Exception {
        replicate.faults().next(1).onPath("/v1/models").closeAfterBytes(10);
        Response r = api(client(), "/models/acme/echo").get();
        assertThatThrownBy(() -> r.readEntity(String.class)).isInstanceOf(ProcessingException.class);
        r.close();
        ExchangeRecord rec = nextRecord();
        assertThat(rec.outcome()).isIn(Outcome.FAILURE, Outcome.SUCCESS);
        assertNoMoreRecords();
    }

    /**
     * Connection refused: Jersey reports it to aigw's PostInvocationInterceptor, CXF to its fault
     * chain; on RESTEasy aigw's last request filter sends the call and sees it fail.
     */
    @Test
    void aTransportFailureIsRecorded() throws Exception {
        assumeThat(Stack.reportsTransportFailures()).as("the stack reports transport failures to a hook").isTrue();
        try (Gateway unreachable = gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").build()) {
            Client c = clientFor(unreachable);
            assertThatThrownBy(() -> api(c, "/account").get()).isInstanceOf(ProcessingException.class);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.outcome()).isEqualTo(Outcome.FAILURE);
            assertThat(rec.httpStatus()).isZero();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(rec.error()).contains("Connect");
            assertThat(rec.error()).doesNotContain(CF_TOKEN).doesNotContain(replicate.token());

            // async: the failure reaches aigw on the pool thread
            assertThatThrownBy(() -> api(c, "/account").async().get().get(10, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ProcessingException.class);
            assertThat(nextRecord().outcome()).isEqualTo(Outcome.FAILURE);
            assertNoMoreRecords();
        }
    }

    /** Documented limit: a response neither read nor closed is recorded (cancelled) once it is garbage collected. */
    @Test
    void aResponseDroppedWithoutCloseIsRecordedWhenCollected() throws Exception {
        Client c = client();
        api(c, "/account").get(); // dropped
        ExchangeRecord rec = null;
        for (int i = 0; i < 100 && rec == null; i++) {
            System.gc();
            rec = records.poll(100, java.util.concurrent.TimeUnit.MILLISECONDS);
        }
        assertThat(rec).as("record of the dropped response").isNotNull();
        // aigw's cleaner says CANCELLED; RESTEasy closes a collected response itself first: unread, also CANCELLED
        assertThat(rec.outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertNoMoreRecords();
    }
}
