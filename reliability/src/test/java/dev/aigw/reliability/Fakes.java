package dev.aigw.reliability;

import dev.aigw.ExchangeListener;
import dev.aigw.Gateway;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.RefusingPort;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A fake Replicate behind two fake gateways: {@link #gateway} forwards to the API, {@link #streamGateway} to the
 * fake's event streams, so that an event stream crosses aigw and the gateway (Replicate's own {@code urls.stream}
 * is on another host and never routed).
 */
final class Fakes implements AutoCloseable {
    static final String CF_TOKEN = "cf-reliability-token";
    static final String ECHO = "acme/echo";
    static final String STORY = "acme/story";
    /** One event and {@code done}: a stalled stream of it ends soon after the stall, so the fakes stop quickly. */
    static final String SHORT = "acme/short";

    final FakeReplicate replicate;
    final FakeGateway gateway;
    final FakeGateway streamGateway;
    private final RefusingPort nobody = RefusingPort.open();

    Fakes() {
        replicate = FakeReplicate.start();
        replicate.model(ECHO).output("hello").bootTime(Duration.ZERO).duration(Duration.ofMillis(1));
        replicate.model(STORY).tokens("Once", " upon", " a", " time", " there", " was", " a", " gateway")
                .bootTime(Duration.ofMillis(10)).duration(Duration.ofSeconds(2));
        replicate.model(SHORT).tokens("only").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
        gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(CF_TOKEN).start();
        streamGateway = FakeGateway.builder()
                .provider("replicate", URI.create("http://127.0.0.1:" + replicate.port() + "/stream/v1"))
                .token(CF_TOKEN).start();
    }

    /** An aigw gateway to {@code fake} (or to nothing listening when {@code fake} is null). */
    Gateway.Builder aigw(FakeGateway fake, ExchangeListener listener) {
        String base = fake != null ? fake.baseUrl().toString() : "http://127.0.0.1:" + closedPort() + "/v1";
        return Gateway.builder().baseUrl(base).accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token(CF_TOKEN).log(Gateway.Log.OFF).listener(listener);
    }

    /**
     * Ports of the servers aigw talks to: the client side of these connections is aigw's. (Replicate's port is not
     * among them: the fake gateways' own connections to it are the fakes' business.)
     */
    int[] upstreamPorts() {
        return new int[]{gateway.port(), streamGateway.port()};
    }

    void reset() {
        replicate.reset();
        gateway.reset();
        streamGateway.reset();
    }

    /** Creates a streaming prediction straight at the fake (not through aigw) and returns its id. */
    String createStreamingPrediction(String model) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(replicate.baseUrl() + "/models/" + model + "/predictions")
                .toURL().openConnection();
        try {
            c.setRequestMethod("POST");
            c.setDoOutput(true);
            c.setRequestProperty("Authorization", "Bearer " + replicate.token());
            c.setRequestProperty("Content-Type", "application/json");
            try (OutputStream out = c.getOutputStream()) {
                out.write("{\"input\":{\"prompt\":\"go\"},\"stream\":true}".getBytes(StandardCharsets.UTF_8));
            }
            String body;
            try (InputStream in = c.getInputStream()) {
                body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
            Matcher m = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"").matcher(body);
            if (c.getResponseCode() != 201 || !m.find()) {
                throw new IllegalStateException("create failed: " + c.getResponseCode() + " " + body);
            }
            return m.group(1);
        } finally {
            c.disconnect();
        }
    }

    /** A port that refuses connections, held from the start: opened in a case, it would count as a leaked descriptor. */
    int closedPort() {
        return nobody.port();
    }

    @Override
    public void close() {
        nobody.close();
        replicate.close(); // first: its stop ends a stall under way, which the gateways' relays would wait for
        streamGateway.close();
        gateway.close();
    }
}
