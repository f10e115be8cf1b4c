package dev.aigw.jaxrs.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.RefusingPort;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

import dev.aigw.testkit.GatewayRequest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Map;
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

    private static final List<RefusingPort> REFUSING = new ArrayList<>();
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
        synchronized (REFUSING) {
            REFUSING.forEach(RefusingPort::close);
            REFUSING.clear();
        }
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

    /** A loopback port that refuses connections until the test ends (held: no other server can take it meanwhile). */
    static int closedPort() {
        RefusingPort p = RefusingPort.open();
        synchronized (REFUSING) {
            REFUSING.add(p);
        }
        return p.port();
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

    /**
     * Runs {@code main} (it creates a plain client and creates a prediction of acme/echo with the Replicate token
     * given as its argument, printing {@code status=...}) in a child JVM on this class path whose environment holds
     * only {@code AIGW_*} settings pointing at the fake gateway, and checks that the call went through the gateway.
     */
    void assertRoutedInAChildJvm(Class<?> main) throws Exception {
        List<String> cmd = List.of(Paths.get(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName(), replicate.token());
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.keySet().removeIf(k -> k.startsWith("AIGW_") || k.startsWith("CF_AIG") || k.startsWith("CLOUDFLARE_"));
        env.put("AIGW_ACCOUNT_ID", FakeGateway.DEFAULT_ACCOUNT);
        env.put("AIGW_GATEWAY_ID", FakeGateway.DEFAULT_GATEWAY);
        env.put("AIGW_TOKEN", CF_TOKEN);
        env.put("AIGW_BASE_URL", fakeGateway.baseUrl().toString());
        Process p = pb.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as(out).isZero();
            assertThat(out).contains("status=201");
            assertThat(out).doesNotContain(CF_TOKEN); // the summary log line never shows the token
        } finally {
            p.destroyForcibly();
        }
        GatewayRequest seen = fakeGateway.awaitRequests(1, Duration.ofSeconds(5)).get(0);
        assertThat(seen.providerPath()).isEqualTo("/models/acme/echo/predictions");
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + replicate.token());
    }

    /** After the records expected so far were taken: none more arrives in a short while. */
    void assertNoMoreRecords() throws InterruptedException {
        assertThat(records.poll(300, TimeUnit.MILLISECONDS)).as("no further record").isNull();
    }
}
