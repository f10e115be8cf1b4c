package dev.aigw.jaxrs.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A fake Replicate behind a fake gateway (per class), and per test a {@link Gateway} whose records
 * land in a queue, plus clients with {@link AigwFeature} registered. Calls are written against
 * {@code https://api.replicate.com/v1}, as in production; aigw sends them to the fake gateway.
 */
abstract class GatewayTestBase {
    static final String API = "https://api.replicate.com/v1";
    static final String CF_TOKEN = "cf-test-token";
    static final ObjectMapper JSON = new ObjectMapper();

    static FakeReplicate replicate;
    static FakeGateway fakeGateway;

    final BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
    final List<Client> clients = new ArrayList<>();
    Gateway gateway;

    @BeforeAll
    static void startFakes() {
        replicate = FakeReplicate.start();
        replicate.model("acme/echo").output("hello");
        replicate.model("acme/echo-tuned").output("tuned");
        replicate.model("acme/chat").tokens("Once", " upon", " a", " time").streaming(true);
        fakeGateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(CF_TOKEN).start();
    }

    @AfterAll
    static void stopFakes() {
        if (fakeGateway != null) {
            fakeGateway.close();
        }
        if (replicate != null) {
            replicate.close();
        }
    }

    @BeforeEach
    void newGateway() {
        gateway = gatewayBuilder().build();
        fakeGateway.clearRequests();
        replicate.clearRequests();
    }

    @AfterEach
    void closeAll() {
        clients.forEach(Client::close);
        if (gateway != null) {
            gateway.close();
        }
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

    /** A client routed by {@link #gateway}: see {@link #clientFor(Gateway)}. */
    Client client() {
        return clientFor(gateway);
    }

    /**
     * A client routed by {@code g}, given as the typed client property {@link AigwFeature#GATEWAY}:
     * on stacks where aigw activates itself nothing is registered, so the whole suite runs on the
     * discovered path; elsewhere the feature is registered.
     */
    Client clientFor(Gateway g) {
        ClientBuilder b = ClientBuilder.newBuilder().property(AigwFeature.GATEWAY, g);
        return track(Stack.activatesWithoutRegistration() ? b.build() : b.register(AigwFeature.class).build());
    }

    Client track(Client c) {
        clients.add(c);
        return c;
    }

    /** A request to {@code https://api.replicate.com/v1 + path} with the Replicate token, as an application writes it. */
    static Invocation.Builder api(Client client, String path) {
        return client.target(API + path).request().header("Authorization", "Bearer " + replicate.token());
    }

    static Entity<String> json(String body) {
        return Entity.json(body);
    }

    static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode readJson(Response r) {
        try (r) {
            return parse(r.readEntity(String.class));
        }
    }

    /** Creates a prediction of acme/echo through {@code client}, returning its JSON. */
    static JsonNode createPrediction(Client client) {
        Response r = api(client, "/predictions").post(json("{\"version\":\"acme/echo:" + replicate.model("acme/echo").versionId()
                + "\",\"input\":{\"prompt\":\"hi\"}}"));
        assertThat(r.getStatus()).isEqualTo(201);
        return readJson(r);
    }

    ExchangeRecord nextRecord() throws InterruptedException {
        ExchangeRecord r = records.poll(10, TimeUnit.SECONDS);
        assertThat(r).as("an exchange record").isNotNull();
        return r;
    }

    /** After the records expected so far were taken: none more arrives in a short while. */
    void assertNoMoreRecords() throws InterruptedException {
        assertThat(records.poll(300, TimeUnit.MILLISECONDS)).as("no further record").isNull();
    }
}
