package dev.aigw;

import dev.aigw.internal.GatewayHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.math.BigDecimal;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** One test per cf-aig-* request header: the value it produces, and the values it refuses. */
class CallOptionsTest {

    private static Map<String, String> headers(CallOptions o) {
        Map<String, String> h = new LinkedHashMap<>();
        OptionHeaders.write(o, h);
        return h;
    }

    private static void refused(Runnable r, String... fragments) {
        assertThatThrownBy(r::run).isInstanceOf(GatewayConfigurationException.class)
                .hasMessageContainingAll(fragments)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n", "\r"));
    }

    @Test
    void cacheTtl() {
        assertThat(headers(CallOptions.builder().cacheTtl(Duration.ofSeconds(60)).build()))
                .containsExactly(Map.entry("cf-aig-cache-ttl", "60"));
        assertThat(headers(CallOptions.builder().cacheTtl(Duration.ofDays(30)).build()))
                .containsEntry("cf-aig-cache-ttl", "2592000");
        refused(() -> CallOptions.builder().cacheTtl(Duration.ofSeconds(59)), "cache-ttl", "PT59S", "60 to 2592000");
        refused(() -> CallOptions.builder().cacheTtl(Duration.ofSeconds(2_592_001)), "cache-ttl", "60 to 2592000");
        refused(() -> CallOptions.builder().cacheTtl(Duration.ofMillis(60_500)), "whole seconds");
        refused(() -> CallOptions.builder().cacheTtl(Duration.ofSeconds(-5)), "cache-ttl");
    }

    @Test
    void skipCache() {
        assertThat(headers(CallOptions.builder().skipCache(true).build())).containsExactly(Map.entry("cf-aig-skip-cache", "true"));
        assertThat(headers(CallOptions.builder().skipCache(false).build())).containsExactly(Map.entry("cf-aig-skip-cache", "false"));
        refused(() -> CallOptions.fromSettings(Map.of("aigw.skip-cache", "maybe")::get), "aigw.skip-cache", "maybe", "true or false");
    }

    @Test
    void cacheKey() {
        assertThat(headers(CallOptions.builder().cacheKey("user-42:prompt v1").build()))
                .containsExactly(Map.entry("cf-aig-cache-key", "user-42:prompt v1"));
        refused(() -> CallOptions.builder().cacheKey("a\r\nX-Injected: 1"), "cache-key", "\\u000d", "visible ASCII");
        refused(() -> CallOptions.builder().cacheKey("caf\u00e9"), "cache-key", "U+00E9");
        refused(() -> CallOptions.builder().cacheKey(""), "cache-key", "1 to 1024");
        refused(() -> CallOptions.builder().cacheKey("x".repeat(1025)), "cache-key", "1 to 1024");
        // found by CoreFuzzTest: HTTP trims field values, so the gateway would have used another key
        refused(() -> CallOptions.builder().cacheKey(" key"), "cache-key", "no leading or trailing spaces");
        // found by CoreFuzzTest (seed 7742468480223): the keys quoted in "what is allowed" carried a raw CR/LF
        CallOptions.Builder five = CallOptions.builder().metadata("a\r\nX-Injected: 1", 1).metadata("b", 2)
                .metadata("c", 3).metadata("d", 4).metadata("e", 5);
        refused(() -> five.metadata("f", 6), "at most 5 entries", "a\\u000d\\u000aX-Injected: 1");
        // found by Jazzer (CoreJazzerFuzzTestInputs/metadataHeader/crash-4d2b…): escapes made a 200-character cut
        // six times longer; the cut now counts written characters
        assertThatThrownBy(() -> CallOptions.builder().metadata("\u0000".repeat(100), "v".repeat(2000)))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(400).contains("…(2101 chars)"));
        refused(() -> CallOptions.builder().eventId("evt "), "event-id", "no leading or trailing spaces");
        refused(() -> CallOptions.builder().byokAlias(" "), "byok-alias", "no leading or trailing spaces");
    }

    @Test
    void collectLog() {
        assertThat(headers(CallOptions.builder().collectLog(false).build())).containsExactly(Map.entry("cf-aig-collect-log", "false"));
        refused(() -> CallOptions.fromSettings(Map.of("aigw.collect-log", "1")::get), "aigw.collect-log", "true or false");
    }

    @Test
    void collectLogPayload() {
        assertThat(headers(CallOptions.builder().collectLogPayload(false).build()))
                .containsExactly(Map.entry("cf-aig-collect-log-payload", "false"));
        refused(() -> CallOptions.fromSettings(Map.of("aigw.collect-log-payload", "nope")::get), "aigw.collect-log-payload");
    }

    @Test
    void requestTimeout() {
        assertThat(headers(CallOptions.builder().requestTimeout(Duration.ofSeconds(65)).build()))
                .containsExactly(Map.entry("cf-aig-request-timeout", "65000"));
        refused(() -> CallOptions.builder().requestTimeout(Duration.ZERO), "request-timeout", "1 to 3600000");
        refused(() -> CallOptions.builder().requestTimeout(Duration.ofHours(2)), "request-timeout");
        refused(() -> CallOptions.builder().requestTimeout(Duration.ofNanos(1_500_000)), "whole milliseconds");
        refused(() -> CallOptions.fromSettings(Map.of("aigw.request-timeout", "30s")::get), "aigw.request-timeout", "\"30s\"");
    }

    @Test
    void maxAttempts() {
        assertThat(headers(CallOptions.builder().maxAttempts(5).build())).containsExactly(Map.entry("cf-aig-max-attempts", "5"));
        refused(() -> CallOptions.builder().maxAttempts(6), "max-attempts", "1 to 5");
        refused(() -> CallOptions.builder().maxAttempts(0), "max-attempts", "1 to 5");
        refused(() -> CallOptions.fromSettings(Map.of("aigw.max-attempts", "99999999999")::get), "aigw.max-attempts", "1 to 5");
    }

    @Test
    void retryDelay() {
        assertThat(headers(CallOptions.builder().retryDelay(Duration.ofMillis(5000)).build()))
                .containsExactly(Map.entry("cf-aig-retry-delay", "5000"));
        assertThat(headers(CallOptions.builder().retryDelay(Duration.ZERO).build())).containsEntry("cf-aig-retry-delay", "0");
        refused(() -> CallOptions.builder().retryDelay(Duration.ofMillis(5001)), "retry-delay", "0 to 5000");
        refused(() -> CallOptions.builder().retryDelay(Duration.ofMillis(-1)), "retry-delay");
    }

    @Test
    void backoff() {
        assertThat(headers(CallOptions.builder().backoff(CallOptions.Backoff.EXPONENTIAL).build()))
                .containsExactly(Map.entry("cf-aig-backoff", "exponential"));
        assertThat(CallOptions.fromSettings(Map.of("aigw.backoff", "Linear")::get).backoff()).isEqualTo(CallOptions.Backoff.LINEAR);
        refused(() -> CallOptions.fromSettings(Map.of("aigw.backoff", "random")::get), "aigw.backoff", "constant, linear or exponential");
    }

    @Test
    void eventId() {
        assertThat(headers(CallOptions.builder().eventId("evt-1").build())).containsExactly(Map.entry("cf-aig-event-id", "evt-1"));
        refused(() -> CallOptions.builder().eventId("evt\n1"), "event-id", "visible ASCII");
    }

    @Test
    void customCost() {
        assertThat(headers(CallOptions.builder().customCost(0.000001, 0.000002).build()))
                .containsExactly(Map.entry("cf-aig-custom-cost", "{\"per_token_in\":0.000001,\"per_token_out\":0.000002}"));
        assertThat(headers(CallOptions.builder().customTotalCost(0.25).build()))
                .containsExactly(Map.entry("cf-aig-custom-cost", "{\"total_cost\":0.25}"));
        assertThat(CallOptions.fromSettings(Map.of("aigw.custom-cost", "{\"total_cost\": 1}")::get).customCost())
                .isEqualTo("{\"total_cost\":1}");
        refused(() -> CallOptions.builder().customCost(-1, 0), "custom-cost", "at least 0");
        refused(() -> CallOptions.builder().customTotalCost(Double.NaN), "custom-cost");
        refused(() -> CallOptions.fromSettings(Map.of("aigw.custom-cost", "{\"per_token_in\":1}")::get), "aigw.custom-cost", "per_token_out");
        refused(() -> CallOptions.fromSettings(Map.of("aigw.custom-cost", "{\"total_cost\":\"1\"}")::get), "aigw.custom-cost");
        refused(() -> CallOptions.fromSettings(Map.of("aigw.custom-cost", "{oops")::get), "aigw.custom-cost", "not valid JSON");
    }

    @Test
    void byokAlias() {
        assertThat(headers(CallOptions.builder().byokAlias("prod").build())).containsExactly(Map.entry("cf-aig-byok-alias", "prod"));
        refused(() -> CallOptions.builder().byokAlias("pr\u0000od"), "byok-alias", "U+0000");
    }

    @Test
    void noWholesale() {
        assertThat(headers(CallOptions.builder().noWholesale(true).build())).containsExactly(Map.entry("cf-aig-no-wholesale", "true"));
        refused(() -> CallOptions.fromSettings(Map.of("aigw.no-wholesale", "sometimes")::get), "aigw.no-wholesale");
    }

    @Test
    void metadata() {
        CallOptions o = CallOptions.builder().metadata("team", "ai").metadata("user", 12345).metadata("test", true)
                .metadata("ratio", 0.5).metadata("big", new BigDecimal("1.50")).build();
        assertThat(headers(o)).containsExactly(Map.entry("cf-aig-metadata",
                "{\"team\":\"ai\",\"user\":12345,\"test\":true,\"ratio\":0.5,\"big\":1.50}"));
    }

    @Test
    void metadataIsAsciiJsonWhateverTheValue() {
        String nasty = "line1\r\nX-Evil: 1\u0000\u0007\t\"quoted\" \\ caf\u00e9 \ud83d\ude00 \u2028";
        String h = headers(CallOptions.builder().metadata("note", nasty).build()).get("cf-aig-metadata");
        assertThat(h).matches("[\\x20-\\x7e]+");
        assertThat(h).isEqualTo("{\"note\":\"line1\\r\\nX-Evil: 1\\u0000\\u0007\\t\\\"quoted\\\" \\\\ caf\\u00e9 "
                + "\\ud83d\\ude00 \\u2028\"}");
    }

    @Test
    void metadataLimits() {
        CallOptions.Builder b = CallOptions.builder();
        for (int i = 1; i <= 5; i++) {
            b.metadata("k" + i, i);
        }
        refused(() -> b.metadata("k6", 6), "metadata", "at most 5 entries");
        assertThat(b.build().metadata()).hasSize(5);
        refused(() -> CallOptions.builder().metadata("cf.user_id", "x"), "metadata", "reserved");
        refused(() -> CallOptions.builder().metadata("CF.x", "x"), "reserved");
        refused(() -> CallOptions.builder().metadata("", "x"), "keys of 1 to 128");
        refused(() -> CallOptions.builder().metadata("k", "v".repeat(1025)), "at most 1024");
        refused(() -> CallOptions.builder().metadata("k", Double.POSITIVE_INFINITY), "finite");
        refused(() -> CallOptions.builder().metadata(Map.of("k", Map.of("nested", 1))), "strings, numbers or booleans");
        refused(() -> CallOptions.builder().metadata(java.util.Collections.singletonMap("k", null)), "no objects, arrays or null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "{\"a\":{\"b\":1}}", "{\"a\":[1]}", "{\"a\":null}", "{\"a\":1,\"a\":2}", "not json",
            "{\"a\":1} trailing", "{\"k1\":1,\"k2\":2,\"k3\":3,\"k4\":4,\"k5\":5,\"k6\":6}", "{\"cf.x\":1}"})
    void metadataFromSettingsRefused(String json) {
        refused(() -> CallOptions.fromSettings(Map.of("aigw.metadata", json)::get), "aigw.metadata");
    }

    @Test
    void metadataFromSettingsKeepsOrderAndTypes() {
        CallOptions o = CallOptions.fromSettings(Map.of("aigw.metadata", "{\"env\":\"prod\",\"tier\":2,\"beta\":false,\"w\":1.5}")::get);
        assertThat(o.metadata()).containsExactly(Map.entry("env", "prod"), Map.entry("tier", 2),
                Map.entry("beta", false), Map.entry("w", new BigDecimal("1.5")));
    }

    @Test
    void precedencePerCallThenContextThenDefaults() {
        CallOptions defaults = CallOptions.builder().cacheTtl(Duration.ofMinutes(5)).maxAttempts(2)
                .metadata("app", "shop").metadata("env", "prod").metadata("d3", 3).build();
        CallOptions context = CallOptions.builder().maxAttempts(3).eventId("ctx")
                .metadata("user", "u1").metadata("tenant", "t1").metadata("env", "staging").build();
        CallOptions perCall = CallOptions.builder().eventId("call").metadata("job", "j9").metadata("user", "u2").build();

        CallOptions effective = perCall.over(context.over(defaults));

        assertThat(effective.eventId()).isEqualTo("call");
        assertThat(effective.maxAttempts()).isEqualTo(3);
        assertThat(effective.cacheTtl()).isEqualTo(Duration.ofMinutes(5));
        // per call first, then context, then defaults; the same key resolves to the highest layer
        assertThat(effective.metadata()).containsExactly(Map.entry("job", "j9"), Map.entry("user", "u2"),
                Map.entry("tenant", "t1"), Map.entry("env", "staging"), Map.entry("app", "shop"));
        assertThat(effective.metadataDropped()).containsExactly("d3");
    }

    @Test
    void droppedMetadataReachesTheRecordAndTheHeaderKeepsFive() throws Exception {
        java.util.concurrent.BlockingQueue<ExchangeRecord> records = new java.util.concurrent.LinkedBlockingQueue<>();
        try (Gateway g = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("g").log(Gateway.Log.OFF)
                .defaults(CallOptions.builder().metadata("app", "a").metadata("region", "eu").build())
                .listener(records::add).build();
             GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", "u").metadata("tenant", "t")
                     .metadata("session", "s").build())) {
            Exchange x = g.exchange("POST", URI.create("https://api.replicate.com/v1/predictions"),
                    CallOptions.builder().metadata("job", 1).build());
            assertThat(x.gatewayHeaders().get("cf-aig-metadata"))
                    .isEqualTo("{\"job\":1,\"user\":\"u\",\"tenant\":\"t\",\"session\":\"s\",\"app\":\"a\"}");
            x.responseHead(201, n -> null);
            x.complete();
            ExchangeRecord r = records.poll(5, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(r).isNotNull();
            assertThat(r.metadataDropped()).containsExactly("region");
            assertThat(r.metadata()).hasSize(5);
        }
    }

    @Test
    void overIsIdentityWithEmptyLayers() {
        CallOptions o = CallOptions.builder().skipCache(true).build();
        assertThat(o.over(CallOptions.NONE)).isSameAs(o);
        assertThat(CallOptions.NONE.over(o)).isSameAs(o);
        assertThat(o.toBuilder().build()).isEqualTo(o);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
        GET    | /predictions/abc          | true
        GET    | /predictions              | true
        GET    | /predictions?cursor=x     | true
        GET    | /trainings/t1             | true
        GET    | /trainings                | true
        GET    | /files/f1                 | true
        GET    | /files                    | true
        POST   | /predictions/abc/cancel   | true
        POST   | /trainings/t1/cancel      | true
        GET    | /models                   | true
        QUERY  | /models                   | true
        GET    | /models/o/n/versions      | true
        GET    | /models/o/n/examples      | true
        GET    | /collections              | true
        GET    | /deployments              | true
        GET    | /hardware                 | true
        POST   | /predictions              | false
        POST   | /models/o/n/predictions   | false
        GET    | /models/o/n               | false
        GET    | /models/o/n/versions/v1   | false
        GET    | /account                  | false
        GET    | /collections/x            | false
        DELETE | /files/f1                 | false
        """)
    void replicateReadsListsAndCancelSkipTheCache(String method, String path, boolean skip) {
        try (Gateway g = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("g").log(Gateway.Log.OFF).build()) {
            Exchange x = g.exchange(method, URI.create("https://api.replicate.com/v1" + path), null);
            if (skip) {
                assertThat(x.gatewayHeaders()).containsEntry("cf-aig-skip-cache", "true");
            } else {
                assertThat(x.gatewayHeaders()).doesNotContainKey("cf-aig-skip-cache");
            }
        }
    }

    @Test
    void callerDecidesOverTheSkipCachePolicy() {
        try (Gateway g = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("g").log(Gateway.Log.OFF)
                .defaults(CallOptions.builder().skipCache(false).build()).build()) {
            URI poll = URI.create("https://api.replicate.com/v1/predictions/abc");
            // a default is not the caller: the poll still skips
            assertThat(g.exchange("GET", poll, null).gatewayHeaders()).containsEntry("cf-aig-skip-cache", "true");
            assertThat(g.exchange("GET", poll, CallOptions.builder().skipCache(false).build()).gatewayHeaders())
                    .containsEntry("cf-aig-skip-cache", "false");
            assertThat(g.exchange("GET", poll, CallOptions.builder().cacheKey("k").build()).gatewayHeaders())
                    .containsEntry("cf-aig-cache-key", "k").containsEntry("cf-aig-skip-cache", "false");
        }
    }
}
