package dev.aigw.opentelemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigw.Gateway;
import dev.aigw.internal.Version;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.testkit.ReplicateWebhooks;
import dev.aigw.testkit.TestkitExtension;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.instrumentation.javahttpclient.JavaHttpClientTelemetry;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One trace through the servlet proxy: the browser's {@code traceparent} is continued by the container's SERVER span
 * of the proxied request, aigw's GenAI span is its child, the upstream call's span (OpenTelemetry's JDK HttpClient
 * instrumentation, wrapped around the proxy's client) is aigw's child, and the gateway received aigw's ids. Webhook
 * completions get their span under the delivery's request, also when the application answers asynchronously.
 */
class ProxyTraceTest {
    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create();
    static final ObjectMapper JSON = new ObjectMapper();
    static final String WHSEC = "whsec_" + Base64.getEncoder().encodeToString(new SecureRandom().generateSeed(32));
    static final String CALLER_TRACE = "0af7651916cd43dd8448eb211c80319c";
    static final String CALLER_SPAN = "b7ad6b7169203331";

    TestOtel otel;
    Gateway gateway;
    WebServer app;
    final HttpClient browser = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @BeforeAll
    static void models() {
        kit.replicate().model("acme/echo").output("hello").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
    }

    /** The application's webhook handler: answers at once, or later from another thread. */
    static final class Deliveries extends HttpServlet {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
            if ("later".equals(req.getHeader("X-Test-Answer"))) {
                AsyncContext ac = req.startAsync();
                new Thread(() -> {
                    ((HttpServletResponse) ac.getResponse()).setStatus(204);
                    ac.complete();
                }, "app-worker").start();
            } else {
                resp.setStatus(204);
            }
        }
    }

    @BeforeEach
    void start() throws Exception {
        otel = new TestOtel();
        gateway = Kit.gateway(kit).observer(AigwTelemetry.create(otel.sdk)).build();
        AigwProxyFilter proxy = AigwProxyFilter.builder().gateway(gateway).path("/replicate")
                .replicateToken(dev.aigw.testkit.FakeReplicate.DEFAULT_TOKEN).access(r -> true, "anyone")
                .upstreamClient(JavaHttpClientTelemetry.create(otel.sdk)::newHttpClient).build();
        AigwWebhookFilter webhooks = AigwWebhookFilter.builder().secret(WHSEC).gateway(gateway)
                .path("/webhooks/replicate").build();
        app = new WebServer().filter(new ServerSpans(otel.sdk), "/*").filter(proxy, "/replicate/*")
                .filter(webhooks, "/webhooks/*").servlet(new Deliveries(), "/webhooks/*").start();
    }

    @AfterEach
    void stop() throws Exception {
        app.close();
        gateway.close();
        otel.close();
    }

    @Test
    void theProxiedCallIsOneTraceFromTheBrowserIntoTheGateway() throws Exception {
        HttpResponse<String> answer = browser.send(HttpRequest.newBuilder(app.uri("/replicate/models/acme/echo/"
                        + "predictions")).header("Content-Type", "application/json").header("User-Agent", "browser/1")
                .header("traceparent", "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"prompt\":\"hi\"}}"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        JsonNode prediction = JSON.readTree(answer.body());

        SpanAssertions.Trace t = SpanAssertions.oneTrace(otel, "POST /replicate/models/acme/echo/predictions", kit,
                prediction.path("id").asText());
        assertThat(t.server().getTraceId()).as("the browser's trace goes on").isEqualTo(CALLER_TRACE);
        assertThat(t.server().getParentSpanId()).isEqualTo(CALLER_SPAN);
        assertThat(t.atGateway().header("User-Agent")).isEqualTo("browser/1 aigw/" + Version.VERSION);
    }

    @Test
    void aWebhookCompletionIsAChildOfItsDeliveryAnsweredAtOnce() throws Exception {
        completion("now", "p-sync");
    }

    @Test
    void aWebhookCompletionIsAChildOfItsDeliveryAnsweredFromAnotherThread() throws Exception {
        completion("later", "p-async");
    }

    private void completion(String answer, String id) throws Exception {
        String path = "/webhooks/replicate";
        String body = "{\"id\":\"" + id + "\",\"model\":\"acme/echo\",\"status\":\"succeeded\",\"output\":\"hello\","
                + "\"metrics\":{\"predict_time\":0.5}}";
        long ts = System.currentTimeMillis() / 1000;
        HttpResponse<String> r = browser.send(HttpRequest.newBuilder(app.uri(path))
                .header("X-Test-Answer", answer).header("webhook-id", "msg_" + id).header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", ReplicateWebhooks.sign(WHSEC, "msg_" + id, ts,
                        body.getBytes(StandardCharsets.UTF_8)))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(204);
        SpanData server = otel.awaitSpan(SpanKind.SERVER, "POST " + path);
        SpanData completion = otel.awaitSpan(SpanKind.INTERNAL, "prediction_completed acme/echo");
        assertThat(completion.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(completion.getParentSpanId()).isEqualTo(server.getSpanId());
        assertThat(SpanAssertions.attr(completion, "gen_ai.response.id")).isEqualTo(id);
        assertThat(SpanAssertions.attr(completion, "aigw.prediction.status")).isEqualTo("succeeded");
    }
}
