package dev.aigw.testkit;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Many parallel clients through the gateway: nothing lost, nothing shared between requests. */
class ConcurrencyTest {

    @Test
    void parallelCreatesThroughTheGatewayAreAllRecordedAndDistinct() throws Exception {
        try (FakeReplicate replicate = FakeReplicate.start();
             FakeGateway gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).start()) {
            replicate.model("acme/echo").output("x").bootTime(Duration.ZERO).duration(Duration.ofMillis(20));
            TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
            int n = 24;
            List<CompletableFuture<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                HttpRequest request = http.request(gateway.providerUrl("replicate") + "/models/acme/echo/predictions")
                        .header("cf-aig-event-id", "e" + i).header("Prefer", "wait=30")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"i\":" + i + "}}")).build();
                futures.add(http.client.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            Set<String> ids = new java.util.HashSet<>();
            for (int i = 0; i < n; i++) {
                HttpResponse<String> r = futures.get(i).get(60, TimeUnit.SECONDS);
                assertThat(r.statusCode()).isEqualTo(201);
                assertThat(r.headers().firstValue("cf-aig-event-id")).hasValue("e" + i);
                assertThat(TestHttp.json(r).path("input").path("i").asInt()).isEqualTo(i);
                assertThat(TestHttp.json(r).path("status").asText()).isEqualTo("succeeded");
                ids.add(TestHttp.json(r).path("id").asText());
            }
            assertThat(ids).hasSize(n);
            assertThat(replicate.requests()).hasSize(n);
            assertThat(gateway.requests()).hasSize(n);
            assertThat(gateway.logs().stream().map(GatewayLog::eventId).collect(Collectors.toSet())).hasSize(n);
            assertThat(URI.create(TestHttp.json(http.get(replicate.baseUrl() + "/predictions")).path("results")
                    .get(0).path("urls").path("get").asText()).getHost()).isEqualTo("api.replicate.com");
        }
    }
}
