package dev.aigw.jaxrs.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.ExchangeRecord;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.ProcessingException;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every Replicate endpoint family reaches the gateway, with the gateway's headers and the caller's own. */
class RoutingTest extends GatewayTestBase {

    @ParameterizedTest(name = "GET {0}")
    @CsvSource({
            "/account", "/hardware", "/models", "/models/acme/echo", "/models/acme/echo/versions",
            "/predictions", "/trainings", "/files", "/webhooks/default/secret"})
    void readEndpointsAreRouted(String path) throws Exception {
        Response r = api(client(), path).get();
        assertThat(r.getStatus()).as(r.readEntity(String.class)).isEqualTo(200);
        r.close();

        GatewayRequest seen = fakeGateway.awaitRequests(1, java.time.Duration.ofSeconds(5)).get(0);
        assertThat(seen.provider()).isEqualTo("replicate");
        assertThat(seen.providerPath()).isEqualTo(path);
        assertThat(seen.account()).isEqualTo(FakeGateway.DEFAULT_ACCOUNT);
        assertThat(seen.gateway()).isEqualTo(FakeGateway.DEFAULT_GATEWAY);
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
        assertThat(seen.header("Authorization")).isEqualTo("Bearer " + replicate.token());
        assertThat(seen.header("Host")).isEqualTo("127.0.0.1:" + fakeGateway.port());

        ExchangeRecord rec = nextRecord();
        assertThat(rec.url()).isEqualTo(API + path);
        assertThat(rec.routedUrl()).isEqualTo(fakeGateway.providerUrl("replicate") + path);
        assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertThat(rec.gatewayLogId()).isNotBlank();
        assertNoMoreRecords();
    }

    @Test
    void createsThroughEachFamilyAreRoutedAndRecordModelAndId() throws Exception {
        Client c = client();
        String version = replicate.model("acme/echo").versionId();
        List<String[]> creates = List.of(
                new String[] {"/predictions", "{\"version\":\"acme/echo:" + version + "\",\"input\":{\"prompt\":\"a\"}}"},
                new String[] {"/models/acme/echo/predictions", "{\"input\":{\"prompt\":\"b\"}}"},
                new String[] {"/models/acme/echo/versions/" + version + "/trainings",
                        "{\"destination\":\"acme/echo-tuned\",\"input\":{\"data\":\"x\"}}"});
        for (String[] create : creates) {
            Response r = api(c, create[0]).post(json(create[1]));
            String body = r.readEntity(String.class);
            assertThat(r.getStatus()).as(create[0] + " " + body).isEqualTo(201);
            JsonNode created = parse(body);

            ExchangeRecord rec = nextRecord();
            assertThat(rec.method()).isEqualTo("POST");
            assertThat(rec.url()).isEqualTo(API + create[0]);
            assertThat(rec.model()).isEqualTo("acme/echo");
            assertThat(rec.predictionId()).isEqualTo(created.get("id").asText());
            assertThat(rec.predictionStatus()).isEqualTo(created.get("status").asText());
            assertThat(rec.bytesSent()).isEqualTo(create[1].length());
            assertThat(rec.bytesReceived()).isEqualTo(body.length());
            assertThat(rec.timeToHeaders()).isNotNull();
            assertThat(rec.totalTime()).isGreaterThanOrEqualTo(rec.timeToHeaders());
        }
        assertThat(fakeGateway.requests()).extracting(GatewayRequest::providerPath)
                .containsExactly(creates.stream().map(x -> x[0]).toArray(String[]::new));
        assertThat(replicate.requests()).hasSize(3);
        assertNoMoreRecords();
    }

    @Test
    void followUpUrlsFromResponsesAreRouted() throws Exception {
        Client c = client();
        JsonNode created = createPrediction(c);
        String get = created.at("/urls/get").asText();
        String cancel = created.at("/urls/cancel").asText();
        assertThat(get).startsWith(API + "/predictions/");

        readJson(c.target(get).request().header("Authorization", "Bearer " + replicate.token()).get());
        Response cancelled = c.target(cancel).request().header("Authorization", "Bearer " + replicate.token())
                .post(null);
        assertThat(cancelled.getStatus()).isLessThan(500);
        cancelled.close();

        // a listing's "next" page URL is routed as well
        for (int i = 0; i < 3; i++) {
            createPrediction(c);
        }
        Client paged = client();
        JsonNode page = readJson(api(paged, "/predictions").get());
        if (page.hasNonNull("next")) {
            readJson(paged.target(page.get("next").asText()).request()
                    .header("Authorization", "Bearer " + replicate.token()).get());
        }

        List<String> paths = fakeGateway.requests().stream().map(GatewayRequest::providerPath).toList();
        assertThat(paths).contains(URI.create(get).getPath().substring("/v1".length()),
                URI.create(cancel).getPath().substring("/v1".length()));
        assertThat(fakeGateway.requests()).allSatisfy(r ->
                assertThat(r.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN));
        assertThat(replicate.requests()).hasSameSizeAs(fakeGateway.requests());
    }

    @Test
    void otherUrlsAreLeftAlone() throws Exception {
        Response r = client().target(replicate.baseUrl() + "/account").request()
                .header("Authorization", "Bearer " + replicate.token()).get();
        assertThat(r.getStatus()).isEqualTo(200);
        r.close();
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).singleElement()
                .satisfies(req -> assertThat(req.header("cf-aig-authorization")).isNull());
        assertNoMoreRecords();
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
        Response r = client().target(url).request().header("Authorization", "Bearer " + replicate.token()).get();
        assertThat(r.getStatus()).as(r.readEntity(String.class)).isEqualTo(200);
        r.close();
        assertThat(fakeGateway.requests()).singleElement().satisfies(g -> {
            assertThat(g.request().path()).isEqualTo(fakeGateway.providerUrl("replicate").getRawPath() + "/account");
            assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
        });
        assertThat(nextRecord().routedUrl()).startsWith(fakeGateway.providerUrl("replicate") + "/account");
        assertNoMoreRecords();
    }

    /** Spellings only some servers read as under {@code /v1}: the call fails before anything is sent, naming why. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"https://api.replicate.com/v1%2Faccount", "https://api.replicate.com//v1/account",
            "https://api.replicate.com/v1;x/account", "https://api.replicate.com/v1%5caccount"})
    void spellingsWithoutOneReadingAreRefused(String url) throws Exception {
        Invocation.Builder call = client().target(url).request().header("Authorization", "Bearer " + replicate.token());
        if (Stack.cxf() && url.contains("//v1")) { // CXF's URI builder merges the empty segment before any filter
            call.get().close();
            assertThat(fakeGateway.requests()).singleElement().satisfies(g -> assertThat(g.request().path())
                    .isEqualTo(fakeGateway.providerUrl("replicate").getRawPath() + "/account"));
            assertThat(nextRecord().url()).isEqualTo(API + "/account");
            assertNoMoreRecords();
            return;
        }
        assertThatThrownBy(() -> call.get().close())
                .isInstanceOf(ProcessingException.class)
                .satisfies(e -> assertThat(org.assertj.core.util.Throwables.getRootCause(e))
                        .isInstanceOf(GatewayConfigurationException.class)
                        .hasMessageContaining("would send the call past the gateway"));
        assertThat(fakeGateway.requests()).isEmpty();
        assertThat(replicate.requests()).isEmpty();
        assertNoMoreRecords();
    }

    /** Documented: filters of the standard priorities see the original URI; those above {@link AigwFeature#PRIORITY} the routed one. */
    @Test
    void userFiltersSeeTheDocumentedUri() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        // two classes: Jersey ignores a second instance of a class already registered
        Client c = client().register(new UserProbe(seen), Priorities.USER)
                .register(new LateProbe(seen), AigwFeature.PRIORITY + 1);
        api(c, "/account").get().close();
        assertThat(seen).containsExactly("user " + API + "/account",
                "late " + fakeGateway.providerUrl("replicate") + "/account");
        nextRecord();
    }

    abstract static class UriProbe implements ClientRequestFilter {
        private final String name;
        private final List<String> seen;

        UriProbe(String name, List<String> seen) {
            this.name = name;
            this.seen = seen;
        }

        @Override
        public void filter(ClientRequestContext request) {
            seen.add(name + " " + request.getUri());
        }
    }

    static final class UserProbe extends UriProbe {
        UserProbe(List<String> seen) {
            super("user", seen);
        }
    }

    static final class LateProbe extends UriProbe {
        LateProbe(List<String> seen) {
            super("late", seen);
        }
    }
}
