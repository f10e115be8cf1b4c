package dev.aigw.opentelemetry;

import dev.aigw.Exchange;
import dev.aigw.ExchangeObserver;
import dev.aigw.Gateway;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.TestkitExtension;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A {@link Gateway} to the testkit's fake gateway, as production code would configure one. */
final class Kit {
    static final String API = "https://api.replicate.com/v1";

    private Kit() {
    }

    static Gateway.Builder gateway(TestkitExtension kit) {
        return Gateway.builder().baseUrl(kit.gateway().baseUrl().toString()).accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token(kit.gatewayToken()).log(Gateway.Log.OFF);
    }

    /**
     * A prediction create as an adapter makes it, with the JDK client: route, send with the gateway headers inside the
     * exchange's activation, report the answer, complete.
     */
    static void create(Gateway gateway) throws Exception {
        Exchange x = gateway.exchange("POST", URI.create(API + "/models/acme/echo/predictions"), null);
        HttpRequest.Builder b = HttpRequest.newBuilder(x.target()).timeout(Duration.ofSeconds(30))
                .header("Authorization", "Bearer " + FakeReplicate.DEFAULT_TOKEN)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{}}"));
        x.gatewayHeaders().forEach(b::header);
        HttpResponse<byte[]> r;
        try (ExchangeObserver.Scope s = x.activate()) {
            r = HttpClient.newHttpClient().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        }
        x.responseHead(r.statusCode(), name -> r.headers().firstValue(name).orElse(null));
        x.responseBody(r.body(), 0, r.body().length);
        x.complete();
        assertThat(r.statusCode()).isEqualTo(201);
    }
}
