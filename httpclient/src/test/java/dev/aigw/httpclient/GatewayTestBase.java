package dev.aigw.httpclient;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.RefusingPort;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fake Replicate behind a fake gateway (per class), one JDK client (per class), and per test a
 * {@link Gateway} whose records land in a queue. Requests are written against
 * {@code https://api.replicate.com/v1}, as in production; the wrapped client sends them to the fake gateway.
 */
abstract class GatewayTestBase {
    static final String API = "https://api.replicate.com/v1";
    static final String CF_TOKEN = "cf-test-token";
    static final Duration TIMEOUT = Duration.ofSeconds(20);
    static final ObjectMapper JSON = new ObjectMapper();

    private static final java.util.List<RefusingPort> REFUSING = new java.util.ArrayList<>();
    static FakeReplicate replicate;
    static FakeGateway fakeGateway;
    /** The application's own client, as built before aigw: wrapped per test. */
    static HttpClient jdk;

    final BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
    Gateway gateway;

    @BeforeAll
    static void startFakes() {
        replicate = FakeReplicate.builder().pageSize(2).start();
        replicate.model("acme/echo").output("hello");
        replicate.model("acme/echo-tuned").output("tuned");
        replicate.model("acme/chat").tokens("Once", " upon", " a", " time").streaming(true);
        fakeGateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(CF_TOKEN).start();
        jdk = HttpClient.newHttpClient();
    }

    @AfterAll
    static void stopFakes() {
        if (fakeGateway != null) {
            fakeGateway.close();
        }
        if (replicate != null) {
            replicate.close();
        }
        jdk = null; // its selector thread ends once the client is unreachable (JDK 17 has no close)
    }

    @BeforeEach
    void newGateway() {
        gateway = gatewayBuilder().build();
        fakeGateway.reset();
        replicate.clearRequests();
        replicate.faults().clear();
    }

    @AfterEach
    void closeGateway() {
        if (gateway != null) {
            gateway.close();
        }
        synchronized (REFUSING) {
            REFUSING.forEach(RefusingPort::close);
            REFUSING.clear();
        }
    }

    /** A loopback port that refuses connections until the test ends (held: no other server can take it meanwhile). */
    static int closedPort() {
        RefusingPort p = RefusingPort.open();
        synchronized (REFUSING) {
            REFUSING.add(p);
        }
        return p.port();
    }

    Gateway.Builder gatewayBuilder() {
        return Gateway.builder()
                .accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY)
                .token(CF_TOKEN)
                .baseUrl(fakeGateway.baseUrl().toString())
                .log(Gateway.Log.OFF)
                .listener(records::add);
    }

    /** The application's client with aigw, routed through {@link #gateway}: the one line. */
    HttpClient client() {
        return AigwHttpClient.wrap(jdk, gateway);
    }

    /** A request to {@code https://api.replicate.com/v1 + path} with the Replicate token, as an application writes it. */
    static HttpRequest.Builder api(String path) {
        return request(API + path);
    }

    static HttpRequest.Builder request(String url) {
        return HttpRequest.newBuilder(URI.create(url)).timeout(TIMEOUT)
                .header("Authorization", "Bearer " + replicate.token());
    }

    static HttpRequest.BodyPublisher json(String body) {
        return HttpRequest.BodyPublishers.ofString(body);
    }

    static HttpResponse<String> send(HttpClient client, HttpRequest request) {
        try {
            return client.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static HttpResponse<String> get(HttpClient client, String path) {
        return send(client, api(path).build());
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String createBody() {
        return "{\"version\":\"acme/echo:" + replicate.model("acme/echo").versionId() + "\",\"input\":{\"prompt\":\"hi\"}}";
    }

    /** Creates a prediction of acme/echo through {@code client}, returning its JSON. */
    JsonNode createPrediction(HttpClient client) {
        HttpResponse<String> r = send(client, api("/predictions").header("Content-Type", "application/json")
                .POST(json(createBody())).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return parse(r.body());
    }

    ExchangeRecord nextRecord() throws InterruptedException {
        ExchangeRecord r = records.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("an exchange record").isNotNull();
        return r;
    }

    /** After the records expected so far were taken: none more arrives in a short while. */
    void assertNoMoreRecords() throws InterruptedException {
        assertThat(records.poll(150, TimeUnit.MILLISECONDS)).as("no further record").isNull();
    }
}
