package dev.aigw.httpclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.ExchangeRecord;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.GatewayRequest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every Replicate endpoint family reaches the gateway, with the gateway's headers and the caller's own. */
class RoutingTest extends GatewayTestBase {

    @ParameterizedTest(name = "GET {0}")
    @CsvSource({
            "/account", "/hardware", "/models", "/models/acme/echo", "/models/acme/echo/versions",
            "/predictions", "/trainings", "/files", "/webhooks/default/secret"})
    void readEndpointsAreRouted(String path) throws Exception {
        HttpResponse<String> r = get(client(), path);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);

        GatewayRequest seen = fakeGateway.awaitRequests(1, Duration.ofSeconds(5)).get(0);
        assertThat(seen.provider()).isEqualTo("replicate");
        assertThat(seen.providerPath()).isEqualTo(path);
        assertThat(seen.account()).isEqualTo(FakeGateway.DEFAULT_ACCOUNT);
        assertThat(seen.gateway()).isEqualTo(FakeGateway.DEFAULT_GATEWAY);
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + replicate.token());
        assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + fakeGateway.port());
        assertThat(seen.header("User-Agent")).as("aigw's product token (the caller set no agent)")
                .matches("aigw/\\S+");

        ExchangeRecord rec = nextRecord();
        assertThat(rec.url()).isEqualTo(API + path);
        assertThat(rec.routedUrl()).isEqualTo(fakeGateway.providerUrl("replicate") + path);
        assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertThat(rec.gatewayLogId()).isNotBlank().isEqualTo(r.headers().firstValue("cf-aig-log-id").orElseThrow());
        assertThat(rec.bytesReceived()).isEqualTo(r.body().getBytes(StandardCharsets.UTF_8).length);
        assertNoMoreRecords();
    }

    @Test
    void theCallersUserAgentIsKeptWithAigwsTokenAppended() throws Exception {
        HttpResponse<String> r = send(client(), api("/account").header("User-Agent", "my-app/1.2").GET().build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        GatewayRequest seen = fakeGateway.awaitRequests(1, Duration.ofSeconds(5)).get(0);
        assertThat(seen.header("User-Agent")).matches("my-app/1\\.2 aigw/\\S+");
        nextRecord();
        assertNoMoreRecords();
    }

    @Test
    void createsThroughEachFamilyAreRoutedAndRecordModelAndId() throws Exception {
        HttpClient c = client();
        String version = replicate.model("acme/echo").versionId();
        List<String[]> creates = List.of(
                new String[] {"/predictions", "{\"version\":\"acme/echo:" + version + "\",\"input\":{\"prompt\":\"a\"}}"},
                new String[] {"/models/acme/echo/predictions", "{\"input\":{\"prompt\":\"b\"}}"},
                new String[] {"/models/acme/echo/versions/" + version + "/trainings",
                        "{\"destination\":\"acme/echo-tuned\",\"input\":{\"data\":\"x\"}}"});
        for (String[] create : creates) {
            HttpResponse<String> r = send(c, api(create[0]).header("Content-Type", "application/json")
                    .POST(json(create[1])).build());
            assertThat(r.statusCode()).as(create[0] + " " + r.body()).isEqualTo(201);
            JsonNode created = parse(r.body());

            ExchangeRecord rec = nextRecord();
            assertThat(rec.method()).isEqualTo("POST");
            assertThat(rec.url()).isEqualTo(API + create[0]);
            assertThat(rec.model()).isEqualTo("acme/echo");
            assertThat(rec.predictionId()).isEqualTo(created.get("id").asText());
            assertThat(rec.predictionStatus()).isEqualTo(created.get("status").asText());
            assertThat(rec.bytesSent()).isEqualTo(create[1].length());
            assertThat(rec.bytesReceived()).isEqualTo(r.body().length());
            assertThat(rec.timeToHeaders()).isNotNull();
            assertThat(rec.totalTime()).isGreaterThanOrEqualTo(rec.timeToHeaders());
        }
        assertThat(fakeGateway.requests()).extracting(GatewayRequest::providerPath)
                .containsExactly(creates.stream().map(x -> x[0]).toArray(String[]::new));
        assertThat(fakeGateway.requests()).extracting(g -> g.request().bodyAsString())
                .containsExactly(creates.stream().map(x -> x[1]).toArray(String[]::new));
        assertThat(replicate.requests()).hasSize(3);
        assertNoMoreRecords();
    }

    @Test
    void followUpUrlsFromResponsesAreRouted() throws Exception {
        HttpClient c = client();
        JsonNode created = createPrediction(c);
        String get = created.at("/urls/get").asText();
        String cancel = created.at("/urls/cancel").asText();
        assertThat(get).startsWith(API + "/predictions/");

        assertThat(send(c, request(get).build()).statusCode()).isEqualTo(200);
        assertThat(send(c, request(cancel).POST(HttpRequest.BodyPublishers.noBody()).build()).statusCode())
                .isLessThan(500);
        // a listing's "next" page URL is routed as well (pages of two)
        createPrediction(c);
        createPrediction(c);
        JsonNode page = parse(get(c, "/predictions").body());
        assertThat(page.hasNonNull("next")).isTrue();
        assertThat(send(c, request(page.get("next").asText()).build()).statusCode()).isEqualTo(200);

        List<String> paths = fakeGateway.requests().stream().map(GatewayRequest::providerPath).toList();
        assertThat(paths).contains(URI.create(get).getPath().substring("/v1".length()),
                URI.create(cancel).getPath().substring("/v1".length()));
        assertThat(fakeGateway.requests()).hasSize(7).allSatisfy(r ->
                assertThat(r.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN));
        assertThat(replicate.requests()).hasSameSizeAs(fakeGateway.requests());
        for (int i = 0; i < 7; i++) {
            assertThat(nextRecord().via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        }
        assertNoMoreRecords();
    }

    @Test
    void otherUrlsAreLeftAlone() throws Exception {
        HttpResponse<String> r = send(client(), request(replicate.baseUrl() + "/account").build());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).singleElement()
                .satisfies(req -> assertThat(req.header("cf-aig-authorization")).isNull());
        assertNoMoreRecords();
    }

    /** The response answers the request the caller built: its URI, its headers — never the routed request with the token. */
    @Test
    void theResponseAnswersTheCallersOwnRequest() throws Exception {
        HttpRequest mine = api("/account").build();
        HttpResponse<String> r = client().send(mine, HttpResponse.BodyHandlers.ofString());
        assertThat(r.request()).isSameAs(mine);
        assertThat(r.uri()).isEqualTo(URI.create(API + "/account"));
        assertThat(r.previousResponse()).isEmpty();
        assertThat(r.toString()).isEqualTo("(GET " + API + "/account) 200").doesNotContain(CF_TOKEN);
        assertThat(r.headers().firstValue("cf-aig-log-id")).isPresent(); // the gateway's answer, unchanged
        nextRecord();
    }

    /** Replicate's QUERY and a made-up method go to the gateway unchanged, with the gateway headers. */
    @Test
    void nonStandardMethodsAreRoutedAsTheyAre() throws Exception {
        for (String method : List.of("QUERY", "BREW")) {
            HttpResponse<String> r = send(client(), api("/models").header("Content-Type", "application/json")
                    .method(method, json("\"echo\"")).build());
            assertThat(r.statusCode()).as(method).isLessThan(500);
        }
        List<GatewayRequest> seen = fakeGateway.requests();
        assertThat(seen).extracting(g -> g.request().method()).containsExactly("QUERY", "BREW");
        assertThat(seen).allSatisfy(g -> {
            assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
            assertThat(g.request().path()).endsWith("/replicate/models");
        });
        assertThat(List.of(nextRecord().method(), nextRecord().method())).containsExactly("QUERY", "BREW");
        assertThat(replicate.requests()).extracting(r -> r.method()).containsExactly("QUERY", "BREW");
    }

    /**
     * Every spelling of Replicate's API root a server would read as the same is routed, never sent around the
     * gateway. (A trailing-dot host the JDK client refuses by itself: it cannot name one in TLS.)
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"HTTPS://API.REPLICATE.COM/v1/account", "https://api.replicate.com:443/v1/account"})
    void otherSpellingsOfTheApiRootAreRouted(String url) throws Exception {
        assertThat(client().send(request(url).build(), HttpResponse.BodyHandlers.discarding()).statusCode())
                .isEqualTo(200);
        assertThat(fakeGateway.requests()).singleElement()
                .satisfies(g -> assertThat(g.providerPath()).isEqualTo("/account"));
        assertThat(nextRecord().url()).isEqualToIgnoringCase(url);
    }

    /**
     * Spellings Replicate reads as {@code /v1/account} under RFC 3986 normalisation (escaped unreserved characters,
     * dot segments) are routed, and the gateway gets the one normal form; before, they went past the gateway.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"https://api.replicate.com/%76%31/account", "https://api.replicate.com/v%31/account?a=%2F",
            "https://api.replicate.com/x/../v1/account", "https://api.replicate.com/./v1/%61ccount",
            "https://api.replicate.com/v1/models/../account", "https://api.replicate.com/x/%2E%2e/v1/account"})
    void spellingsOfTheApiRootAreRoutedInTheirNormalForm(String url) throws Exception {
        HttpResponse<String> r = send(client(), request(url).build());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(fakeGateway.requests()).singleElement().satisfies(g -> {
            assertThat(g.request().path()).isEqualTo(fakeGateway.providerUrl("replicate").getRawPath() + "/account");
            assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
        });
        ExchangeRecord rec = nextRecord();
        assertThat(rec.url()).isEqualTo(url);
        assertThat(rec.routedUrl()).startsWith(fakeGateway.providerUrl("replicate") + "/account");
        assertNoMoreRecords();
    }

    /** Spellings only some servers read as under {@code /v1}: refused before anything is sent, naming the URL. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"https://api.replicate.com/v1%2Faccount", "https://api.replicate.com//v1/account",
            "https://api.replicate.com/v1;x/account", "https://api.replicate.com/v1%5caccount"})
    void spellingsWithoutOneReadingAreRefused(String url) throws Exception {
        assertThatThrownBy(() -> client().send(request(url).build(), HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(dev.aigw.GatewayConfigurationException.class)
                .hasMessageContaining("would send the call past the gateway");
        assertThatThrownBy(() -> client().sendAsync(request(url).build(), HttpResponse.BodyHandlers.discarding()))
                .isInstanceOf(dev.aigw.GatewayConfigurationException.class);
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).isEmpty();
        assertNoMoreRecords();
    }

    /** Percent-encoding and the query reach the gateway byte for byte. */
    @Test
    void rawPathsAndQueriesAreKept() throws Exception {
        HttpResponse<String> r = get(client(), "/predictions?cursor=a%2Fb%3D&created_after=2024-01-01T00%3A00%3A00Z");
        assertThat(r.statusCode()).isEqualTo(200);
        GatewayRequest seen = fakeGateway.requests().get(0);
        assertThat(seen.request().query()).isEqualTo("cursor=a%2Fb%3D&created_after=2024-01-01T00%3A00%3A00Z");
        assertThat(nextRecord().url()).isEqualTo(API + "/predictions?cursor=a%2Fb%3D&created_after=2024-01-01T00%3A00%3A00Z");
    }
}
