package dev.aigw.opentelemetry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigw.Gateway;
import dev.aigw.internal.Version;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.TestkitExtension;
import io.opentelemetry.instrumentation.apachehttpclient.v5_2.ApacheHttpClientTelemetry;
import io.opentelemetry.sdk.trace.data.SpanData;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.Response;
import org.glassfish.jersey.apache5.connector.Apache5ConnectorProvider;
import org.glassfish.jersey.apache5.connector.Apache5HttpClientBuilderConfigurator;
import org.glassfish.jersey.client.ClientConfig;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * One trace on Jersey: an incoming request to the application (its SERVER span, as the container's tracing makes
 * it) calls Replicate with a Jersey client, synchronously and asynchronously; aigw's GenAI span is the server span's
 * child, the transport's span (OpenTelemetry's Apache HttpClient instrumentation under Jersey's Apache connector) is
 * aigw's child and shows the gateway URL, and the gateway received aigw's trace and span ids.
 */
class JerseyTraceTest {
    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create();
    static final ObjectMapper JSON = new ObjectMapper();

    TestOtel otel;
    Gateway gateway;
    Client client;
    WebServer app;

    @BeforeAll
    static void models() {
        kit.replicate().model("acme/echo").output("hello").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
    }

    /** The application's servlet: calls Replicate through its Jersey client, as written for Replicate. */
    final class CallReplicate extends HttpServlet {
        @Override
        protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            Invocation.Builder b = client.target(Kit.API + "/models/acme/echo/predictions").request()
                    .header("Authorization", "Bearer " + FakeReplicate.DEFAULT_TOKEN).header("User-Agent", "shop/2.0");
            Entity<String> body = Entity.json("{\"input\":{\"prompt\":\"" + req.getParameter("mode") + "\"}}");
            Response r;
            try {
                r = "async".equals(req.getParameter("mode"))
                        ? b.async().post(body).get(30, TimeUnit.SECONDS) // filters run on Jersey's pool thread
                        : b.post(body);
            } catch (Exception e) {
                resp.setStatus(500);
                e.printStackTrace(resp.getWriter()); // shown by the test's assertion
                return;
            }
            resp.setStatus(r.getStatus());
            resp.getWriter().write(r.readEntity(String.class));
        }
    }

    @BeforeEach
    void start() throws Exception {
        otel = new TestOtel();
        gateway = Kit.gateway(kit).observer(AigwTelemetry.create(otel.sdk)).build();
        ClientConfig config = new ClientConfig().connectorProvider(new Apache5ConnectorProvider())
                .register((Apache5HttpClientBuilderConfigurator) ignored ->
                        ApacheHttpClientTelemetry.create(otel.sdk).newHttpClientBuilder());
        client = ClientBuilder.newClient(config).register(new AigwFeature(gateway));
        app = new WebServer().filter(new ServerSpans(otel.sdk), "/*").servlet(new CallReplicate(), "/call").start();
    }

    @AfterEach
    void stop() throws Exception {
        app.close();
        client.close();
        gateway.close();
        otel.close();
    }

    @Test
    void synchronousCall() throws Exception {
        oneTrace("sync");
    }

    @Test
    void asynchronousCall() throws Exception {
        oneTrace("async");
    }

    private void oneTrace(String mode) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(app.uri("/call?mode="
                + mode)).timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(201);
        JsonNode prediction = JSON.readTree(answer.body());

        SpanAssertions.Trace t = SpanAssertions.oneTrace(otel, "GET /call", kit, prediction.path("id").asText());
        SpanData aigw = t.aigw();
        assertThat(t.server().getParentSpanContext().isValid()).isFalse();
        assertThat(t.transport().getStartEpochNanos()).isGreaterThanOrEqualTo(aigw.getStartEpochNanos());
        assertThat(t.transport().getEndEpochNanos()).isLessThanOrEqualTo(aigw.getEndEpochNanos());
        assertThat(t.atGateway().header("User-Agent")).isEqualTo("shop/2.0 aigw/" + Version.VERSION);
        assertThat(SpanAssertions.attr(aigw, "cloudflare.ai_gateway.cache_status")).isEqualTo("MISS");
        assertThat(SpanAssertions.attr(aigw, "aigw.via")).isEqualTo("gateway");
    }
}
