package dev.aigw.httpclient;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.testkit.RecordedRequest;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import java.io.IOException;
import java.net.Authenticator;
import java.net.ConnectException;
import java.net.CookieHandler;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code aigw.fallback}: a call that could not connect to the gateway is sent to Replicate directly. Tests reach only
 * loopback, so the application's client is wrapped in a stand-in network that carries requests for
 * {@code api.replicate.com} to the fake Replicate (real HTTP) and everything else unchanged.
 */
class FallbackTest extends GatewayTestBase {
    private final List<HttpRequest> direct = new CopyOnWriteArrayList<>();

    /** The application's client, seen through a network where api.replicate.com is the fake Replicate. */
    final class ReplicateStandIn extends HttpClient {
        private HttpRequest toFake(HttpRequest r) {
            if (!"api.replicate.com".equals(r.uri().getHost())) {
                return r;
            }
            direct.add(r);
            String rest = r.uri().getRawPath().substring("/v1".length())
                    + (r.uri().getRawQuery() == null ? "" : "?" + r.uri().getRawQuery());
            return HttpRequest.newBuilder(r, (n, v) -> true).uri(URI.create(replicate.baseUrl() + rest)).build();
        }

        @Override
        public <T> HttpResponse<T> send(HttpRequest r, HttpResponse.BodyHandler<T> h) throws IOException, InterruptedException {
            return jdk.send(toFake(r), h);
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest r, HttpResponse.BodyHandler<T> h) {
            return jdk.sendAsync(toFake(r), h);
        }

        @Override
        public <T> CompletableFuture<HttpResponse<T>> sendAsync(HttpRequest r, HttpResponse.BodyHandler<T> h,
                                                                HttpResponse.PushPromiseHandler<T> p) {
            return jdk.sendAsync(toFake(r), h, p);
        }

        // configuration: the real client's (unused by these tests)
        @Override public Optional<CookieHandler> cookieHandler() { return jdk.cookieHandler(); }
        @Override public Optional<Duration> connectTimeout() { return jdk.connectTimeout(); }
        @Override public Redirect followRedirects() { return jdk.followRedirects(); }
        @Override public Optional<ProxySelector> proxy() { return jdk.proxy(); }
        @Override public SSLContext sslContext() { return jdk.sslContext(); }
        @Override public SSLParameters sslParameters() { return jdk.sslParameters(); }
        @Override public Optional<Authenticator> authenticator() { return jdk.authenticator(); }
        @Override public Version version() { return jdk.version(); }
        @Override public Optional<Executor> executor() { return jdk.executor(); }
    }

    private Gateway unreachable(boolean fallback) throws IOException {
        return gatewayBuilder().baseUrl("http://127.0.0.1:" + closedPort() + "/v1").fallback(fallback).build();
    }

    @Test
    void anUnreachableGatewayFallsBackToReplicateAndTheRecordSaysDirect() throws Exception {
        try (Gateway g = unreachable(true)) {
            HttpClient c = AigwHttpClient.wrap(new ReplicateStandIn(), g);
            String body = createBody();
            HttpRequest mine = api("/predictions").header("Content-Type", "application/json")
                    .header("cf-aig-metadata", "{\"user\":\"u-1\"}").POST(json(body)).build();
            HttpResponse<String> r = c.send(mine, HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
            JsonNode created = parse(r.body());

            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(rec.routedUrl()).isNull();
            assertThat(rec.httpStatus()).isEqualTo(201);
            assertThat(rec.predictionId()).isEqualTo(created.get("id").asText());
            assertThat(rec.model()).isEqualTo("acme/echo");
            assertThat(rec.bytesSent()).isEqualTo(body.length()); // counted once
            assertThat(rec.metadata()).isEmpty(); // nothing of the gateway's went direct

            assertThat(direct).singleElement().satisfies(d -> {
                assertThat(d.uri()).isEqualTo(mine.uri());
                assertThat(d.headers().map().keySet()).noneMatch(h -> h.toLowerCase().startsWith("cf-aig-"));
                assertThat(d.headers().firstValue("Authorization")).hasValue("Bearer " + replicate.token());
            });
            RecordedRequest reached = replicate.requests().get(0);
            assertThat(reached.bodyAsString()).isEqualTo(body);
            assertThat(reached.header("cf-aig-authorization")).isNull();
            assertNoMoreRecords();
        }
    }

    @Test
    void asyncCallsFallBackToo() throws Exception {
        try (Gateway g = unreachable(true)) {
            HttpResponse<String> r = AigwHttpClient.wrap(new ReplicateStandIn(), g)
                    .sendAsync(api("/account").build(), HttpResponse.BodyHandlers.ofString()).get(10, TimeUnit.SECONDS);
            assertThat(r.statusCode()).isEqualTo(200);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.DIRECT);
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
            assertThat(direct).hasSize(1);
            assertNoMoreRecords();
        }
    }

    @Test
    void withoutFallbackTheFailureIsRecordedAndThrown() throws Exception {
        try (Gateway g = unreachable(false)) {
            HttpClient c = AigwHttpClient.wrap(new ReplicateStandIn(), g);
            assertThatThrownBy(() -> c.send(api("/account").build(), HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(ConnectException.class);
            assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
            assertThat(direct).isEmpty();
        }
    }

    @Test
    void aGatewayThatAnsweredIsNeverBypassed() throws Exception {
        fakeGateway.faults().next(1).status(502);
        try (Gateway g = gatewayBuilder().fallback(true).build()) {
            HttpResponse<String> r = send(AigwHttpClient.wrap(new ReplicateStandIn(), g), api("/account").build());
            assertThat(r.statusCode()).isEqualTo(502);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.HTTP_ERROR);
            assertThat(direct).isEmpty();
        }
    }

    @Test
    void aConnectionResetByTheGatewayIsNeverResent() throws Exception {
        fakeGateway.faults().next(2).resetBeforeFirstByte();
        try (Gateway g = gatewayBuilder().fallback(true).build()) {
            HttpClient c = AigwHttpClient.wrap(new ReplicateStandIn(), g);
            assertThatThrownBy(() -> c.send(api("/predictions").POST(json(createBody())).build(),
                    HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
            ExchangeRecord rec = nextRecord();
            assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
            assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
            assertThat(direct).isEmpty(); // it may have reached the gateway: no second attempt
            assertNoMoreRecords();
        }
    }
}
