package dev.aigw.jaxrs.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.CallOptions;
import dev.aigw.ExchangeRecord;
import dev.aigw.GatewayContext;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bad-input catalogue on each client stack: bad per-call options and metadata fail that call before anything
 * is sent, with an error naming the property, the value and what is allowed, and the client keeps working; odd but
 * legal metadata is escaped, not refused; overflow across layers is dropped and reported; non-standard methods are
 * routed as they are. Counted in docs/RELIABILITY.md.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the calls inside
class BadInputTest extends GatewayTestBase {

    /** Request property, bad value, a fragment of what the error must say is allowed. */
    static Stream<String[]> badProperties() {
        return Stream.of(
                new String[]{"aigw.cache-ttl", "10", "60 to 2592000"},
                new String[]{"aigw.skip-cache", "maybe", "true or false"},
                new String[]{"aigw.cache-key", "a\r\nX-Injected: 1", "visible ASCII"},
                new String[]{"aigw.collect-log", "2", "true or false"},
                new String[]{"aigw.collect-log-payload", "nope", "true or false"},
                new String[]{"aigw.request-timeout", "soon", "whole milliseconds"},
                new String[]{"aigw.max-attempts", "9", "1 to 5"},
                new String[]{"aigw.retry-delay", "-1", "0 to 5000"},
                new String[]{"aigw.backoff", "wild", "constant, linear or exponential"},
                new String[]{"aigw.event-id", "evt\u0000", "visible ASCII"},
                new String[]{"aigw.custom-cost", "{\"total_cost\":-1}", "at least 0"},
                new String[]{"aigw.byok-alias", "al\tias", "visible ASCII"},
                new String[]{"aigw.no-wholesale", "3", "true or false"},
                new String[]{"aigw.metadata", "{\"a\":{\"b\":1}}", "strings, numbers or booleans"},
                new String[]{"aigw.metadata", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}", "found 6 entries"},
                new String[]{"aigw.metadata", "{\"cf.user\":\"u\"}", "reserved by the gateway"},
                new String[]{"aigw.metadata", "{\"k\":\"" + "v".repeat(100_000) + "\"}", "at most 1024 characters"},
                new String[]{"aigw.metadata", "{\"user\":", "not valid JSON"});
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badProperties")
    void aBadPerCallPropertyFailsThatCallOnlyNamingWhatIsAllowed(String key, String value, String allowed)
            throws Exception {
        Client c = client();
        assertThatThrownBy(() -> api(c, "/account").property(key, value).get())
                .satisfies(e -> {
                    String msg = rootMessage(e);
                    assertThat(msg).startsWith("aigw: " + key + " = ").contains(allowed)
                            .doesNotContain("\r", "\n", "\u0000").hasSizeLessThan(1200);
                });
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).isEmpty();
        // the same client goes on working
        Response ok = api(c, "/account").get();
        assertThat(ok.getStatus()).isEqualTo(200);
        ok.close();
        assertThat(fakeGateway.requests()).hasSize(1);
    }

    /** Client property, bad value, a fragment of what the error must say is allowed. */
    static Stream<String[]> badClientProperties() {
        return Stream.of(
                new String[]{"aigw.gateway-id", "has space", "1 to 64 letters"},
                new String[]{"aigw.token", "Bearer cf-secret-value", "no 'Bearer ' prefix"},
                new String[]{"aigw.base-url", "https://admin:hunter2@gw.example/v1", "without user info"},
                new String[]{"aigw.providers", "replicate,nosuch", "'nosuch' is unknown"},
                new String[]{"aigw.log", "loud", "off, summary or json"},
                new String[]{"aigw.fallback", "perhaps", "true or false"},
                new String[]{"aigw.cache-ttl", "5", "60 to 2592000"});
    }

    /** Gateway settings as client properties (RESTEasy applies them at register(), Jersey at the first request). */
    @ParameterizedTest(name = "{0}")
    @MethodSource("badClientProperties")
    void aBadClientPropertyFailsNamingItsOriginAndMaskingSecrets(String key, String value, String allowed) {
        java.util.Map<String, String> props = new java.util.HashMap<>(java.util.Map.of(
                "aigw.account-id", dev.aigw.testkit.FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", dev.aigw.testkit.FakeGateway.DEFAULT_GATEWAY,
                "aigw.base-url", fakeGateway.baseUrl().toString(), "aigw.log", "off"));
        props.put(key, value);
        assertThatThrownBy(() -> {
            jakarta.ws.rs.client.ClientBuilder b = jakarta.ws.rs.client.ClientBuilder.newBuilder();
            props.forEach(b::property);
            api(track(b.register(AigwFeature.class).build()), "/account").get().close();
        }).satisfies(e -> {
            String all = org.assertj.core.util.Throwables.getStackTrace(e);
            assertThat(all).contains("aigw: " + key + " = ").contains("(client property) is not allowed: ")
                    .contains(allowed).doesNotContain("cf-secret-value").doesNotContain("hunter2");
        });
        assertThat(fakeGateway.requests()).isEmpty();
    }

    @Test
    void aTypedOptionsPropertyOfTheWrongTypeNamesTheExpectedType() {
        assertThatThrownBy(() -> api(client(), "/account").property(AigwFeature.CALL_OPTIONS, "{\"user\":\"u\"}").get())
                .satisfies(e -> assertThat(rootMessage(e)).contains("aigw: " + AigwFeature.CALL_OPTIONS
                        + " = \"a java.lang.String\" (request property) is not allowed: a dev.aigw.CallOptions"));
        assertThat(fakeGateway.requests()).isEmpty();
    }

    @Test
    void lineBreaksControlAndNonAsciiMetadataAreEscapedNotRefused() throws Exception {
        String value = "line1\r\nX-Injected: 1\u0000\u001b caf\u00e9 \ud83d\ude00";
        api(client(), "/account").property(AigwFeature.CALL_OPTIONS, CallOptions.builder().metadata("note", value)
                .metadata("k\u00e9y", true).build()).get().close();
        GatewayRequest seen = fakeGateway.requests().get(0);
        assertThat(seen.header("X-Injected")).isNull();
        assertThat(seen.header("cf-aig-metadata")).matches("[\\x20-\\x7e]+");
        JsonNode back = parse(seen.header("cf-aig-metadata"));
        assertThat(back.get("note").asText()).isEqualTo(value);
        assertThat(back.get("k\u00e9y").asBoolean()).isTrue();
        assertThat(nextRecord().metadata()).containsEntry("note", value);
    }

    @Test
    void moreThanFiveEntriesAcrossLayersKeepTheFiveOfHighestPriorityAndReportTheRest() throws Exception {
        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", "u").metadata("a", 1)
                .metadata("b", 2).metadata("c", 3).metadata("d", 4).build())) {
            Response r = api(client(), "/account").property("aigw.metadata", "{\"job\":\"j-1\",\"step\":2}").get();
            assertThat(r.getStatus()).isEqualTo(200);
            r.close();
        }
        JsonNode sent = parse(fakeGateway.requests().get(0).header("cf-aig-metadata"));
        assertThat(sent.size()).isEqualTo(5);
        assertThat(sent.get("job").asText()).isEqualTo("j-1");
        assertThat(sent.get("step").asInt()).isEqualTo(2);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.metadataDropped()).containsExactly("c", "d");
        assertThat(rec.metadata()).containsOnlyKeys("job", "step", "user", "a", "b");
    }

    /**
     * Replicate's QUERY and a made-up method go to the gateway unchanged, with the gateway headers. Jersey's default
     * connector (HttpURLConnection) needs its documented workaround property for non-standard methods (and, on JDK
     * 17, {@code --add-opens java.base/java.net}: see jaxrs-it/pom.xml); without it Jersey refuses the method
     * itself, before aigw or the network see the call.
     */
    @Test
    void nonStandardMethodsAreRoutedAsTheyAre() throws Exception {
        Client c = client();
        c.property("jersey.config.client.httpUrlConnection.setMethodWorkaround", true);
        for (String method : List.of("QUERY", "BREW")) {
            Response r = api(c, "/models").method(method, Entity.json("{\"query\":\"flux\"}"));
            assertThat(r.getStatus()).as(method).isLessThan(500);
            r.close();
        }
        List<GatewayRequest> seen = fakeGateway.requests();
        assertThat(seen).extracting(g -> g.request().method()).containsExactly("QUERY", "BREW");
        assertThat(seen).allSatisfy(g -> {
            assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
            assertThat(g.request().path()).endsWith("/replicate/models");
        });
        assertThat(List.of(nextRecord().method(), nextRecord().method())).containsExactlyInAnyOrder("QUERY", "BREW");
        assertThat(replicate.requests()).extracting(r -> r.method()).containsExactly("QUERY", "BREW");
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && !(t instanceof dev.aigw.GatewayConfigurationException)
                && !(t instanceof IllegalArgumentException)) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage());
    }
}
