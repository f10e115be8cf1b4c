package dev.aigw;

import dev.aigw.internal.GatewayHeaders;
import dev.aigw.internal.Version;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The generic start/end hook of core, the gateway's 2026 error envelopes in records, the User-Agent token. */
class ExchangeObserverTest {
    private static final String ACCT = "0123456789abcdef0123456789abcdef";
    private static final URI CREATE = URI.create("https://api.replicate.com/v1/predictions");

    /** Remembers what it saw; contributes the otel headers and a thread-bound "current" marker. */
    static final class Recorder implements ExchangeObserver {
        static final ThreadLocal<String> CURRENT = new ThreadLocal<>();
        final List<String> events = new CopyOnWriteArrayList<>();
        final List<ExchangeRecord> finished = new CopyOnWriteArrayList<>();
        final List<ExchangeRecord> dropped = new CopyOnWriteArrayList<>();
        Map<String, String> headers = Map.of(GatewayHeaders.OTEL_TRACE_ID, "4bf92f3577b34da6a3ce929d0e0e4736",
                GatewayHeaders.OTEL_PARENT_SPAN_ID, "00f067aa0ba902b7");

        @Override
        public Observation start(Exchange exchange) {
            events.add("start " + exchange.method() + " " + exchange.route().rest() + " on " + Thread.currentThread()
                    .getName());
            return new Observation() {
                @Override
                public Map<String, String> gatewayHeaders() {
                    return headers;
                }

                @Override
                public Scope activate() {
                    String before = CURRENT.get();
                    CURRENT.set("span-of-" + exchange.route().rest());
                    return () -> CURRENT.set(before);
                }

                @Override
                public void finished(ExchangeRecord record) {
                    finished.add(record);
                }
            };
        }

        @Override
        public void recordDropped(ExchangeRecord record) {
            dropped.add(record);
        }
    }

    private static Gateway.Builder gateway() {
        return Gateway.builder().accountId(ACCT).gatewayId("g").token("cf-token-123456").log(Gateway.Log.OFF);
    }

    @Test
    void anObserverCanTellAForwardedCallFromTheApplicationsOwnWhenItStarts() throws Exception {
        List<Boolean> seen = new CopyOnWriteArrayList<>();
        BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
        try (Gateway g = gateway().observer(x -> {
            seen.add(x.forwarded());
            return null;
        }).listener(records::add).build()) {
            Route route = g.route(CREATE);
            Exchange own = g.exchange("post", route, null);
            Exchange forwarded = g.forward("post", route, null);
            assertThat(seen).containsExactly(false, true);
            assertThat(own.forwarded()).isFalse();
            assertThat(forwarded.forwarded()).isTrue();
            assertThat(forwarded.method()).isEqualTo("POST");
            assertThat(forwarded.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(forwarded.gatewayHeaders()).isEqualTo(own.gatewayHeaders());
            Exchange webhook = g.webhook(route.provider(), "/predictions/p1", URI.create("https://app.example/hooks"),
                    null);
            assertThat(webhook.forwarded()).isFalse();
            for (Exchange x : List.of(own, forwarded, webhook)) {
                x.cancel("test");
            }
        }
        // listeners learn it from the record, as observers from the exchange
        List<Boolean> recorded = new ArrayList<>();
        for (ExchangeRecord r; (r = records.poll()) != null; ) {
            recorded.add(r.forwarded());
        }
        assertThat(recorded).containsExactly(false, true, false);
    }

    @Test
    void anObserverSeesTheStartOnTheCallersThreadAddsGatewayHeadersAndGetsTheRecordBeforeListeners() throws Exception {
        Recorder obs = new Recorder();
        BlockingQueue<ExchangeRecord> listened = new LinkedBlockingQueue<>();
        try (Gateway g = gateway().observer(obs).listener(r -> {
            assertThat(obs.finished).contains(r); // observers first: a span ends before any listener runs
            listened.add(r);
        }).build()) {
            Exchange x = g.exchange("POST", CREATE, null);
            assertThat(obs.events).containsExactly("start POST /predictions on " + Thread.currentThread().getName());
            assertThat(x.gatewayHeaders()).containsEntry("cf-aig-otel-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736")
                    .containsEntry("cf-aig-otel-parent-span-id", "00f067aa0ba902b7")
                    .containsEntry("cf-aig-authorization", "Bearer cf-token-123456");
            try (ExchangeObserver.Scope s = x.activate()) {
                assertThat(Recorder.CURRENT.get()).isEqualTo("span-of-/predictions");
            }
            assertThat(Recorder.CURRENT.get()).isNull();
            x.responseHead(201, h -> null);
            x.complete();
            ExchangeRecord r = listened.poll(5, TimeUnit.SECONDS);
            assertThat(obs.finished).containsExactly(r);
            assertThat(r.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(dev.aigw.internal.RecordFormat.summary(r)).contains(" trace=4bf92f3577b34da6a3ce929d0e0e4736");
        }
    }

    @Test
    void theCallersOwnOtelOptionsWinAndObserverHeadersCannotBreakOutOrReplaceOptions() {
        Recorder obs = new Recorder();
        obs.headers = new java.util.LinkedHashMap<>(Map.of(
                "cf-aig-otel-trace-id", "ffffffffffffffffffffffffffffffff", // the caller set its own: caller wins
                "X-Not-Gateway", "1", // only cf-aig-* names
                "cf-aig-evil", "a\r\nX-Injected: 1", // never a line break
                "CF-AIG-AUTHORIZATION", "Bearer stolen")); // never replaces what the call already carries
        try (Gateway g = gateway().observer(obs).build()) {
            Exchange x = g.exchange("POST", CREATE, CallOptions.builder()
                    .otelParent("4BF92F3577B34DA6A3CE929D0E0E4736", "00F067AA0BA902B7").build());
            assertThat(x.gatewayHeaders()).containsEntry("cf-aig-otel-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736")
                    .containsEntry("cf-aig-otel-parent-span-id", "00f067aa0ba902b7")
                    .containsEntry("cf-aig-authorization", "Bearer cf-token-123456")
                    .doesNotContainKeys("X-Not-Gateway", "x-not-gateway", "cf-aig-evil");
            assertThat(x.gatewayHeaders().values()).allMatch(v -> v.matches("[\\x20-\\x7e]+"));
        }
    }

    @Test
    void aThrowingObserverNeitherFailsTheCallNorStopsOthers() throws Exception {
        Recorder good = new Recorder();
        ExchangeObserver bad = x -> {
            throw new IllegalStateException("broken instrumentation");
        };
        ExchangeObserver badLater = x -> new ExchangeObserver.Observation() {
            @Override
            public Map<String, String> gatewayHeaders() {
                throw new IllegalStateException("headers");
            }

            @Override
            public ExchangeObserver.Scope activate() {
                throw new IllegalStateException("activate");
            }

            @Override
            public void finished(ExchangeRecord record) {
                throw new IllegalStateException("finished");
            }
        };
        BlockingQueue<ExchangeRecord> listened = new LinkedBlockingQueue<>();
        try (Gateway g = gateway().observer(bad).observer(badLater).observer(good).listener(listened::add).build()) {
            Exchange x = g.exchange("GET", URI.create("https://api.replicate.com/v1/predictions/p1"), null);
            try (ExchangeObserver.Scope s = x.activate()) {
                assertThat(Recorder.CURRENT.get()).isEqualTo("span-of-/predictions/p1");
            }
            x.responseHead(200, h -> null);
            x.complete();
            assertThat(listened.poll(5, TimeUnit.SECONDS)).isNotNull();
            assertThat(good.finished).hasSize(1);
        }
    }

    @Test
    void aScopeClosesOnlyOnItsOwnThreadAndOnlyOnce() throws Exception {
        Recorder obs = new Recorder();
        try (Gateway g = gateway().observer(obs).build()) {
            Exchange x = g.exchange("POST", CREATE, null);
            ExchangeObserver.Scope s = x.activate();
            ExecutorService other = Executors.newSingleThreadExecutor();
            try {
                other.submit(s::close).get(5, TimeUnit.SECONDS);
            } finally {
                other.shutdownNow();
            }
            assertThat(Recorder.CURRENT.get()).as("closing elsewhere does not touch this thread").isNotNull();
            s.close();
            assertThat(Recorder.CURRENT.get()).isNull();
            Recorder.CURRENT.set("later");
            s.close(); // a second close does not restore an old state over a newer one
            assertThat(Recorder.CURRENT.get()).isEqualTo("later");
            Recorder.CURRENT.remove();
            x.cancel("test");
        }
    }

    @Test
    void observersLearnOfRecordsTheListenersNeverGot() throws Exception {
        Recorder obs = new Recorder();
        CountDownLatch release = new CountDownLatch(1);
        try (Gateway g = gateway().observer(obs).recordQueueCapacity(1).listener(r -> {
            try {
                release.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).build()) {
            for (int i = 0; i < 5; i++) {
                Exchange x = g.exchange("GET", URI.create("https://api.replicate.com/v1/predictions/p" + i), null);
                x.responseHead(200, h -> null);
                x.complete();
            }
            release.countDown();
            assertThat(g.droppedRecords()).isPositive();
            assertThat(obs.dropped).hasSize((int) g.droppedRecords());
            assertThat(obs.finished).hasSize(5);
        }
    }

    @Test
    void observersCanBeSwitchedOffBySetting() {
        assertThat(Gateway.fromSettings(Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g",
                "aigw.observers", "none"))).observers()).isEmpty();
        Recorder obs = new Recorder();
        try (Gateway g = gateway().observer(obs).discoverObservers(false).build()) {
            assertThat(g.observers()).containsExactly(obs);
        }
    }

    @Test
    void recordsReadBothGatewayErrorEnvelopes() throws Exception {
        BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
        try (Gateway g = gateway().listener(records::add).build()) {
            finish(g, 429, "{\"success\":false,\"error\":[{\"code\":2003,\"message\":\"Rate limited\"}],"
                    + "\"name\":\"AiGatewayError\",\"httpCode\":429,\"internalCode\":2003,\"message\":\"Rate limited\"}");
            finish(g, 403, "{\"success\":false,\"error\":{\"message\":\"Access denied by policy\"}}");
            finish(g, 429, "{\"success\":false,\"error\":{\"message\":\"Spending limit exceeded\",\"bucket\":\"user_id:u1\","
                    + "\"spent\":1.5,\"limit\":1}}");
            finish(g, 503, "{\"title\":\"Service Unavailable\",\"detail\":\"try later\",\"status\":503}");
            finish(g, 200, "{\"id\":\"p1\",\"status\":\"failed\",\"error\":\"CUDA out of memory\"}");
            finish(g, 401, "{\"success\":false,\"error\":[{\"code\":2009,\"message\":\"Bearer r8_Secret123\"}]}");

            ExchangeRecord rateLimited = records.poll(5, TimeUnit.SECONDS);
            assertThat(rateLimited.gatewayError()).isEqualTo(new ExchangeRecord.GatewayError(2003, "Rate limited"));
            assertThat(rateLimited.outcome()).isEqualTo(ExchangeRecord.Outcome.HTTP_ERROR);
            assertThat(records.poll(5, TimeUnit.SECONDS).gatewayError())
                    .isEqualTo(new ExchangeRecord.GatewayError(null, "Access denied by policy"));
            assertThat(records.poll(5, TimeUnit.SECONDS).gatewayError())
                    .isEqualTo(new ExchangeRecord.GatewayError(null, "Spending limit exceeded"));
            assertThat(records.poll(5, TimeUnit.SECONDS).gatewayError()).as("the provider's own error").isNull();
            assertThat(records.poll(5, TimeUnit.SECONDS).gatewayError()).as("a failed prediction").isNull();
            ExchangeRecord unauthorized = records.poll(5, TimeUnit.SECONDS);
            assertThat(unauthorized.gatewayError().code()).isEqualTo(2009);
            assertThat(unauthorized.gatewayError().message()).doesNotContain("Secret123");
            assertThat(dev.aigw.internal.RecordFormat.summary(rateLimited))
                    .contains(" gateway-error=2003 \"Rate limited\"");
            assertThat(dev.aigw.internal.RecordFormat.json(rateLimited))
                    .contains("\"gateway_error\":{\"code\":2003,\"message\":\"Rate limited\"}");
        }
    }

    private static void finish(Gateway g, int status, String body) {
        Exchange x = g.exchange("POST", CREATE, null);
        x.responseHead(status, h -> h.equalsIgnoreCase("Content-Type") ? "application/json" : null);
        byte[] b = body.getBytes(StandardCharsets.UTF_8);
        x.responseBody(b, 0, b.length);
        x.complete();
    }

    @Test
    void theUserAgentCarriesAigwsProductTokenOnce() {
        try (Gateway g = gateway().build()) {
            Exchange x = g.exchange("POST", CREATE, null);
            assertThat(Version.VERSION).matches("\\d+\\.\\d+\\.\\d+.*");
            assertThat(x.userAgent(null)).isEqualTo("aigw/" + Version.VERSION);
            assertThat(x.userAgent(" ")).isEqualTo("aigw/" + Version.VERSION);
            String app = x.userAgent("shop/2.1 Jersey/3.1.12");
            assertThat(app).isEqualTo("shop/2.1 Jersey/3.1.12 aigw/" + Version.VERSION);
            assertThat(x.userAgent(app)).isEqualTo(app);
            x.cancel("test");
        }
    }

    @Test
    void typedOptionsForTheGateways2026Headers() {
        CallOptions o = CallOptions.builder().zeroDataRetention(true)
                .customCost(0.000001, 0.000002, 0.0000001, null)
                .otelParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7").build();
        Map<String, String> h = o.headers();
        assertThat(h).containsEntry("cf-aig-zdr", "true")
                .containsEntry("cf-aig-custom-cost", "{\"per_token_in\":0.000001,\"per_token_out\":0.000002,"
                        + "\"per_cache_read_token\":0.0000001}")
                .containsEntry("cf-aig-otel-trace-id", "4bf92f3577b34da6a3ce929d0e0e4736")
                .containsEntry("cf-aig-otel-parent-span-id", "00f067aa0ba902b7");
        assertThat(CallOptions.builder().customCost(1, 2, 0.5, 0.25).build().customCost())
                .isEqualTo("{\"per_token_in\":1,\"per_token_out\":2,\"per_cache_read_token\":0.5,"
                        + "\"per_cache_write_token\":0.25}");
        assertThat(CallOptions.fromSettings(Map.of("aigw.zdr", "false", "aigw.custom-cost",
                "{\"per_token_in\":1,\"per_token_out\":2,\"per_cache_write_token\":3}")::get).headers())
                .containsEntry("cf-aig-zdr", "false")
                .containsEntry("cf-aig-custom-cost", "{\"per_token_in\":1,\"per_token_out\":2,\"per_cache_write_token\":3}");
        for (String[] bad : new String[][] {{"0".repeat(32), null}, {"4bf92f3577b34da6a3ce929d0e0e473", null},
                {"4bf92f3577b34da6a3ce929d0e0e473g", null}, {"4bf92f3577b34da6a3ce929d0e0e4736", "0000000000000000"},
                {"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7\r\n"}}) {
            assertThatThrownBy(() -> CallOptions.builder().otelParent(bad[0], bad[1]))
                    .isInstanceOf(GatewayConfigurationException.class).hasMessageContaining("hexadecimal digits");
        }
        assertThatThrownBy(() -> CallOptions.builder().customCost(1, 1, -1.0, null))
                .hasMessageContaining("per_cache_read_token");
        // the trace and its parent span travel together: a higher layer's pair replaces the lower one whole
        CallOptions lower = CallOptions.builder().otelParent("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7")
                .build();
        CallOptions upper = CallOptions.builder().otelParent("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", null).build();
        assertThat(upper.over(lower).otelParentSpanId()).isNull();
        assertThat(CallOptions.builder().eventId("e").build().over(lower).otelParentSpanId())
                .isEqualTo("00f067aa0ba902b7");
    }

    /** Whatever reaches the metadata header is flat JSON: the gateway drops the whole header for one nested value. */
    @Test
    void theMetadataHeaderNeverCarriesANestedValue() {
        List<Object> refused = new ArrayList<>(List.of(Map.of("a", 1), List.of(1), new int[] {1}, new Object()));
        for (Object v : refused) {
            assertThatThrownBy(() -> CallOptions.builder().metadata(Map.of("k", v)))
                    .isInstanceOf(GatewayConfigurationException.class);
        }
        assertThatThrownBy(() -> CallOptions.fromSettings(Map.of("aigw.metadata", "{\"k\":{\"a\":1}}")::get))
                .isInstanceOf(GatewayConfigurationException.class);
        java.util.Map<String, Object> odd = new java.util.LinkedHashMap<>();
        odd.put("k", new StringBuilder("{\"nested\":true}"));
        odd.put("n", new java.math.BigDecimal("1E+3"));
        assertThat(GatewayHeaders.metadataJson(odd)).isEqualTo("{\"k\":\"{\\\"nested\\\":true}\",\"n\":1E+3}");
    }
}
