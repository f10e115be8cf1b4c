package dev.aigw.httpclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.CallOptions;
import dev.aigw.ExchangeRecord;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.GatewayContext;
import dev.aigw.testkit.GatewayRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Gateway options from the caller's context, the request's own {@code cf-aig-*} headers and the gateway's defaults;
 * Replicate's poll policy; bad option headers fail the call before anything is sent.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the calls inside
class OptionsTest extends GatewayTestBase {

    private GatewayRequest lastSeen() {
        List<GatewayRequest> all = fakeGateway.requests();
        assertThat(all).isNotEmpty();
        return all.get(all.size() - 1);
    }

    @Test
    void metadataFromTheCallersContextIsSent() throws Exception {
        HttpClient c = client();
        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", "u-1").build())) {
            get(c, "/account");
        }
        assertThat(parse(lastSeen().header("cf-aig-metadata"))).isEqualTo(parse("{\"user\":\"u-1\"}"));
        assertThat(nextRecord().metadata()).isEqualTo(Map.of("user", "u-1"));
    }

    /** The request's cf-aig-* headers are the per-call layer: checked by core, merged over the context, sent once. */
    @Test
    void requestHeadersNamedAsTheGatewaysOverrideTheContext() throws Exception {
        HttpClient c = client();
        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", "u-1")
                .cacheTtl(Duration.ofSeconds(600)).build())) {
            send(c, api("/account").header("cf-aig-metadata", "{\"tenant\":\"t-9\",\"user\":\"u-2\"}")
                    .header("CF-AIG-Cache-TTL", " 120 ")
                    .header("cf-aig-event-id", "evt-1").build());
        }
        GatewayRequest seen = lastSeen();
        assertThat(parse(seen.header("cf-aig-metadata"))).isEqualTo(parse("{\"tenant\":\"t-9\",\"user\":\"u-2\"}"));
        assertThat(seen.request().headers().get("cf-aig-metadata")).hasSize(1);
        assertThat(seen.header("cf-aig-cache-ttl")).isEqualTo("120"); // the canonical form, not the caller's spelling
        assertThat(seen.request().headers().keySet().stream().filter(h -> h.equalsIgnoreCase("cf-aig-cache-ttl")))
                .hasSize(1);
        assertThat(seen.header("cf-aig-event-id")).isEqualTo("evt-1");
        ExchangeRecord rec = nextRecord();
        assertThat(rec.eventId()).isEqualTo("evt-1");
        assertThat(rec.metadata()).isEqualTo(Map.of("tenant", "t-9", "user", "u-2"));
    }

    @Test
    void defaultsFromTheGatewayApplyToEveryCall() throws Exception {
        gateway.close();
        gateway = gatewayBuilder().defaults(CallOptions.builder().collectLogPayload(false).build()).build();
        get(client(), "/account");
        assertThat(lastSeen().header("cf-aig-collect-log-payload")).isEqualTo("false");
        nextRecord();
    }

    @Test
    void pollsSkipTheCacheAndCreatesDoNotUnlessTheCallerSaysSo() throws Exception {
        HttpClient c = client();
        JsonNode created = createPrediction(c);
        assertThat(lastSeen().header("cf-aig-skip-cache")).isNull();
        String poll = created.at("/urls/get").asText();
        send(c, request(poll).build());
        assertThat(lastSeen().header("cf-aig-skip-cache")).isEqualTo("true");
        send(c, request(poll).header("cf-aig-cache-key", "poll-1").build());
        assertThat(lastSeen().header("cf-aig-skip-cache")).isNull(); // the caller chose a cache key: no policy
        assertThat(lastSeen().header("cf-aig-cache-key")).isEqualTo("poll-1");
    }

    @Test
    void theGatewayTokenNeverAppearsInRecordsOrResponses() throws Exception {
        HttpResponse<String> r = get(client(), "/account");
        assertThat(r.request().headers().map().toString()).doesNotContain(CF_TOKEN);
        assertThat(nextRecord().toString()).doesNotContain(CF_TOKEN).doesNotContain(replicate.token());
        assertThat(client().toString()).doesNotContain(CF_TOKEN);
    }

    /** Header, bad value, a fragment of what the error must say is allowed. */
    static Stream<String[]> badHeaders() {
        return Stream.of(
                new String[]{"cf-aig-cache-ttl", "10", "60 to 2592000"},
                new String[]{"cf-aig-skip-cache", "maybe", "true or false"},
                new String[]{"cf-aig-collect-log", "2", "true or false"},
                new String[]{"cf-aig-request-timeout", "soon", "whole milliseconds"},
                new String[]{"cf-aig-max-attempts", "9", "1 to 5"},
                new String[]{"cf-aig-retry-delay", "-1", "0 to 5000"},
                new String[]{"cf-aig-backoff", "wild", "constant, linear or exponential"},
                new String[]{"cf-aig-custom-cost", "{\"total_cost\":-1}", "at least 0"},
                new String[]{"cf-aig-no-wholesale", "3", "true or false"},
                new String[]{"cf-aig-metadata", "{\"a\":{\"b\":1}}", "strings, numbers or booleans"},
                new String[]{"cf-aig-metadata", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}", "found 6 entries"},
                new String[]{"cf-aig-metadata", "{\"cf.user\":\"u\"}", "reserved by the gateway"},
                new String[]{"cf-aig-metadata", "{\"k\":\"" + "v".repeat(100_000) + "\"}", "at most 1024 characters"},
                new String[]{"cf-aig-metadata", "{\"user\":", "not valid JSON"});
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("badHeaders")
    void aBadOptionHeaderFailsThatCallOnlyNamingWhatIsAllowed(String header, String value, String allowed)
            throws Exception {
        HttpClient c = client();
        assertThatThrownBy(() -> c.send(api("/account").header(header, value).build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(GatewayConfigurationException.class)
                .satisfies(e -> assertThat(e.getMessage()).startsWith("aigw: " + header + " = ")
                        .contains("(request header) is not allowed: ").contains(allowed).hasSizeLessThan(1400));
        assertThatThrownBy(() -> c.sendAsync(api("/account").header(header, value).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(GatewayConfigurationException.class);
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).isEmpty();
        assertThat(records).isEmpty();
        // the same client goes on working
        assertThat(get(c, "/account").statusCode()).isEqualTo(200);
        assertThat(fakeGateway.requests()).hasSize(1);
    }

    @Test
    void anOptionHeaderSentTwiceIsRefused() {
        assertThatThrownBy(() -> client().send(api("/account").header("cf-aig-event-id", "a")
                .header("cf-aig-event-id", "b").build(), HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(GatewayConfigurationException.class)
                .hasMessage("aigw: cf-aig-event-id = \"a, b\" (request header) is not allowed: a single value; "
                        + "the header was set 2 times");
        assertThat(fakeGateway.requests()).isEmpty();
    }

    @Test
    void lineBreaksControlAndNonAsciiMetadataAreEscapedNotRefused() throws Exception {
        String value = "line1\r\nX-Injected: 1\u0000\u001b caf\u00e9 \ud83d\ude00";
        try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("note", value)
                .metadata("k\u00e9y", true).build())) {
            get(client(), "/account");
        }
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
            HttpResponse<String> r = send(client(), api("/account")
                    .header("cf-aig-metadata", "{\"job\":\"j-1\",\"step\":2}").build());
            assertThat(r.statusCode()).isEqualTo(200);
        }
        JsonNode sent = parse(fakeGateway.requests().get(0).header("cf-aig-metadata"));
        assertThat(sent.size()).isEqualTo(5);
        assertThat(sent.get("job").asText()).isEqualTo("j-1");
        assertThat(sent.get("step").asInt()).isEqualTo(2);
        ExchangeRecord rec = nextRecord();
        assertThat(rec.metadataDropped()).containsExactly("c", "d");
        assertThat(rec.metadata()).containsOnlyKeys("job", "step", "user", "a", "b");
    }

    /** Unknown cf-aig-* headers are not options aigw knows: they pass as they are (the gateway may know them). */
    @Test
    void otherGatewayHeadersPassThrough() throws Exception {
        send(client(), api("/account").header("cf-aig-future-knob", "on").build());
        assertThat(lastSeen().header("cf-aig-future-knob")).isEqualTo("on");
        nextRecord();
    }
}
