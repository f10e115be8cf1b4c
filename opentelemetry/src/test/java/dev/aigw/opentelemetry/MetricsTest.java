package dev.aigw.opentelemetry;

import dev.aigw.CallOptions;
import dev.aigw.Gateway;
import dev.aigw.GatewayContext;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.RefusingPort;
import dev.aigw.testkit.TestkitExtension;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.sdk.metrics.data.HistogramPointData;
import io.opentelemetry.sdk.metrics.data.LongPointData;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.api.trace.StatusCode;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The metrics of a scripted mix of calls through a real Jersey client: a success, a cache miss and its hit, an
 * upstream 5xx passed through the gateway, a policy refusal and a rate limit answered by the gateway itself, a
 * fallback to Replicate when the gateway cannot be reached, and metadata overflow. Counts by outcome, route and cache
 * status, gateway errors by code, the GenAI duration histogram under today's name and the renamed one.
 */
class MetricsTest {
    /** Five calls pass the gateway's limiter, the sixth is refused with 429 / 2003. */
    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create().gateway(g -> g
            .rateLimit(5, Duration.ofDays(3650), FakeGateway.Window.FIXED).denyWhenMetadata("user_id", "mallory"));

    static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("aigw.outcome");
    static final AttributeKey<String> VIA = AttributeKey.stringKey("aigw.via");
    static final AttributeKey<String> CACHE = AttributeKey.stringKey("cloudflare.ai_gateway.cache_status");
    static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");

    TestOtel otel;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeAll
    static void models() {
        kit.replicate().model("acme/echo").output("hello").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
    }

    @BeforeEach
    void sdk() {
        otel = new TestOtel();
    }

    @AfterEach
    void close() throws Exception {
        for (AutoCloseable c : closing) {
            c.close();
        }
        otel.close();
    }

    private Client client(Gateway g, ClientRequestFilter... more) {
        Client c = ClientBuilder.newClient().register(new AigwFeature(g));
        for (ClientRequestFilter f : more) {
            c.register(f, AigwFeature.PRIORITY + 1);
        }
        closing.add(0, c::close);
        return c;
    }

    private Gateway gateway(Gateway.Builder b, AigwTelemetry telemetry) {
        Gateway g = b.observer(telemetry).build();
        closing.add(g);
        return g;
    }

    private static Response create(Client c, String input, Map<String, Object> properties) {
        var b = c.target(Kit.API + "/models/acme/echo/predictions").request()
                .header("Authorization", "Bearer " + FakeReplicate.DEFAULT_TOKEN);
        properties.forEach(b::property);
        Response r = b.post(Entity.json("{\"input\":{\"prompt\":\"" + input + "\"}}"));
        r.readEntity(String.class);
        return r;
    }

    @Test
    void aScriptedMixOfCallsIsCountedByOutcomeCacheStatusAndGatewayError() throws Exception {
        AigwTelemetry telemetry = AigwTelemetry.create(otel.sdk);
        Client c = client(gateway(Kit.gateway(kit), telemetry));

        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user_id", "alice")
                .metadata("a", 1).metadata("b", 2).metadata("c", 3).metadata("d", 4).build())) {
            // success (and one metadata entry dropped: six compete for five places)
            assertThat(create(c, "one", Map.of("aigw.metadata", "{\"job\":7}")).getStatus()).isEqualTo(201);
        }
        assertThat(create(c, "cached", Map.of("aigw.cache-ttl", "600")).getHeaderString("cf-aig-cache-status"))
                .isEqualTo("MISS");
        assertThat(create(c, "cached", Map.of("aigw.cache-ttl", "600")).getHeaderString("cf-aig-cache-status"))
                .isEqualTo("HIT");
        kit.replicate().faults().next(1).status(503);
        assertThat(create(c, "upstream down", Map.of()).getStatus()).isEqualTo(503);
        assertThat(create(c, "denied", Map.of("aigw.metadata", "{\"user_id\":\"mallory\"}")).getStatus())
                .isEqualTo(403);
        assertThat(create(c, "limited", Map.of()).getStatus()).isEqualTo(429);

        // the gateway cannot be reached: the call goes to Replicate itself (stood in for by a filter: loopback only)
        Gateway unreachable = gateway(Kit.gateway(kit).baseUrl("http://127.0.0.1:" + closedPort() + "/v1")
                .fallback(true), telemetry);
        Client direct = client(unreachable, request -> {
            if ("api.replicate.com".equals(request.getUri().getHost())) {
                request.abortWith(Response.status(201).type(MediaType.APPLICATION_JSON_TYPE)
                        .entity("{\"id\":\"direct-1\",\"model\":\"acme/echo\",\"status\":\"starting\"}").build());
            }
        });
        assertThat(create(direct, "fallback", Map.of()).getStatus()).isEqualTo(201);

        Collection<MetricData> metrics = otel.collect();
        assertThat(counts(metrics, "aigw.client.calls", OUTCOME, VIA, CACHE)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "success gateway MISS", 2L,
                "success gateway HIT", 1L,
                "http_error gateway MISS", 1L, // Replicate's 503, passed through the gateway
                "http_error gateway -", 2L, // refused by the gateway itself: no cache status
                "success direct -", 1L));
        assertThat(counts(metrics, "aigw.gateway.errors", AttributeKey.longKey("http.response.status_code"),
                AttributeKey.longKey("cloudflare.ai_gateway.error.code"))).containsExactlyInAnyOrderEntriesOf(Map.of(
                "429 2003", 1L, // the classic envelope: error as an array with a code
                "403 -", 1L)); // a policy: error as an object, no code
        assertThat(counts(metrics, "aigw.metadata.dropped", AttributeKey.stringKey("gen_ai.provider.name")))
                .containsExactly(Map.entry("replicate", 1L));

        MetricData duration = metric(metrics, "gen_ai.client.operation.duration");
        assertThat(duration.getUnit()).isEqualTo("s");
        Map<String, Long> byError = new TreeMap<>();
        for (HistogramPointData p : duration.getHistogramData().getPoints()) {
            assertThat(p.getAttributes().get(OPERATION)).isEqualTo("generate_content");
            assertThat(p.getAttributes().get(AttributeKey.stringKey("gen_ai.request.model"))).isEqualTo("acme/echo");
            assertThat(p.getAttributes().get(AttributeKey.stringKey("server.address"))).isEqualTo("api.replicate.com");
            assertThat(p.getBoundaries()).startsWith(0.01, 0.02, 0.04).endsWith(81.92);
            byError.merge(String.valueOf(p.getAttributes().get(ERROR_TYPE)), p.getCount(), Long::sum);
        }
        assertThat(byError).containsExactlyInAnyOrderEntriesOf(Map.of("null", 4L, "503", 1L, "403", 1L, "429", 1L));
        assertThat(metrics).noneMatch(m -> m.getName().equals("gen_ai.client.inference.duration"));

        // the spans say the same
        SpanData limited = span(429);
        assertThat(limited.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(limited.getStatus().getDescription()).isEqualTo("Rate limited");
        assertThat(limited.getAttributes().get(ERROR_TYPE)).isEqualTo("429");
        assertThat(limited.getAttributes().get(AttributeKey.longKey("cloudflare.ai_gateway.error.code")))
                .isEqualTo(2003L);
        SpanData denied = span(403);
        assertThat(denied.getStatus().getDescription()).isEqualTo("Access denied by policy");
        assertThat(denied.getAttributes().get(AttributeKey.longKey("cloudflare.ai_gateway.error.code"))).isNull();
        SpanData upstream = span(503);
        assertThat(upstream.getAttributes().get(ERROR_TYPE)).isEqualTo("503");
        assertThat(upstream.getAttributes().get(CACHE)).isEqualTo("MISS");
        SpanData first = otel.spans.getFinishedSpanItems().get(0);
        assertThat(first.getAttributes().get(AttributeKey.stringArrayKey("aigw.metadata.dropped"))).containsExactly("d");
        SpanData fellBack = otel.spans.getFinishedSpanItems().stream()
                .filter(sd -> "direct".equals(sd.getAttributes().get(VIA))).findFirst().orElseThrow();
        assertThat(fellBack.getAttributes().get(AttributeKey.stringKey("gen_ai.response.id"))).isEqualTo("direct-1");
        assertThat(fellBack.getAttributes().get(AttributeKey.stringKey("cloudflare.ai_gateway.log_id"))).isNull();
    }

    private SpanData span(long status) {
        return otel.spans.getFinishedSpanItems().stream().filter(sd -> Long.valueOf(status).equals(sd.getAttributes()
                .get(AttributeKey.longKey("http.response.status_code")))).findFirst().orElseThrow();
    }

    @Test
    void aTransportFailureIsAnErrorWithItsExceptionClass() throws Exception {
        Client c = client(gateway(Kit.gateway(kit).baseUrl("http://127.0.0.1:" + closedPort() + "/v1"),
                AigwTelemetry.create(otel.sdk)));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> c.target(Kit.API + "/account").request().get())
                .isInstanceOf(jakarta.ws.rs.ProcessingException.class);
        SpanData failed = otel.awaitSpan(sd -> sd.getName().equals("account"), "the account call");
        assertThat(failed.getStatus().getStatusCode()).isEqualTo(StatusCode.ERROR);
        assertThat(failed.getAttributes().get(ERROR_TYPE)).isEqualTo("jakarta.ws.rs.ProcessingException");
        assertThat(failed.getAttributes().get(OUTCOME)).isEqualTo("failure");
        assertThat(counts(otel.collect(), "aigw.client.calls", OUTCOME)).containsExactly(Map.entry("failure", 1L));
    }

    @Test
    void underTheStabilityOptInInferenceDurationsGoToTheRenamedHistogram() throws Exception {
        AigwTelemetry telemetry = AigwTelemetry.builder(otel.sdk).semconvStabilityOptIn("http, gen_ai_latest_experimental")
                .build();
        Client c = client(gateway(Kit.gateway(kit), telemetry));
        Response created = c.target(Kit.API + "/models/acme/echo/predictions").request()
                .header("Authorization", "Bearer " + FakeReplicate.DEFAULT_TOKEN)
                .post(Entity.json("{\"input\":{\"prompt\":\"x\"}}"));
        String id = new com.fasterxml.jackson.databind.ObjectMapper().readTree(created.readEntity(String.class))
                .path("id").asText();
        c.target(Kit.API + "/predictions/" + id).request().header("Authorization", "Bearer " + FakeReplicate
                .DEFAULT_TOKEN).get().close();
        Collection<MetricData> metrics = otel.collect();
        HistogramPointData inference = metric(metrics, "gen_ai.client.inference.duration").getHistogramData()
                .getPoints().iterator().next();
        assertThat(inference.getCount()).isEqualTo(1);
        assertThat(inference.getAttributes().get(OPERATION)).isEqualTo("generate_content");
        HistogramPointData poll = metric(metrics, "gen_ai.client.operation.duration").getHistogramData().getPoints()
                .iterator().next();
        assertThat(poll.getAttributes().get(OPERATION)).as("not an inference: keeps today's name")
                .isEqualTo("get_prediction");
    }

    @Test
    void recordsTheListenersNeverGotAreCounted() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        Gateway g = gateway(Kit.gateway(kit).recordQueueCapacity(1).listener(r -> {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }), AigwTelemetry.create(otel.sdk));
        Client c = client(g);
        for (int i = 0; i < 4; i++) {
            c.target(Kit.API + "/account").request().header("Authorization", "Bearer " + FakeReplicate.DEFAULT_TOKEN)
                    .get().close();
        }
        release.countDown();
        assertThat(g.droppedRecords()).isPositive();
        assertThat(counts(otel.collect(), "aigw.records.dropped", AttributeKey.stringKey("gen_ai.provider.name")))
                .containsExactly(Map.entry("replicate", g.droppedRecords()));
    }

    static MetricData metric(Collection<MetricData> metrics, String name) {
        return metrics.stream().filter(m -> m.getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no metric " + name + " in " + metrics));
    }

    /** A counter's points, keyed by the values of {@code keys} ("-" for absent), summed. */
    static Map<String, Long> counts(Collection<MetricData> metrics, String name, AttributeKey<?>... keys) {
        Map<String, Long> out = new TreeMap<>();
        for (LongPointData p : metric(metrics, name).getLongSumData().getPoints()) {
            Attributes a = p.getAttributes();
            List<String> k = new ArrayList<>();
            for (AttributeKey<?> key : keys) {
                Object v = a.get(key);
                k.add(v == null ? "-" : v.toString());
            }
            out.merge(String.join(" ", k), p.getValue(), Long::sum);
        }
        return out;
    }

    /** A loopback port that refuses connections until the test ends (held: no other server can take it meanwhile). */
    private int closedPort() {
        RefusingPort p = RefusingPort.open();
        closing.add(p);
        return p.port();
    }
}
