package dev.aigw.httpclient;

import dev.aigw.CallOptions;
import dev.aigw.ExchangeRecord;
import dev.aigw.GatewayContext;
import dev.aigw.testkit.GatewayRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code sendAsync} is routed and recorded; the {@link GatewayContext} that tags a call is the one current on the
 * thread that calls {@code send}/{@code sendAsync} — never a pool thread's, never the previous call's.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the calls inside
class AsyncTest extends GatewayTestBase {

    @Test
    void asyncCallsAreRoutedAndRecorded() throws Exception {
        HttpClient c = client();
        HttpResponse<String> r = c.sendAsync(api("/account").build(), HttpResponse.BodyHandlers.ofString())
                .get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.uri()).hasToString(API + "/account");
        assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);

        String body = c.sendAsync(api("/models/acme/echo").build(), HttpResponse.BodyHandlers.ofString())
                .thenApply(HttpResponse::body).get(10, TimeUnit.SECONDS);
        assertThat(body).contains("acme");
        assertThat(nextRecord().model()).isEqualTo("acme/echo");
        assertThat(fakeGateway.requests()).hasSize(2);
        assertNoMoreRecords();
    }

    /** Captured when sendAsync is called: the response arrives on the client's threads, which carry no context. */
    @Test
    void theCallingThreadsContextTagsAsyncCalls() throws Exception {
        HttpClient c = client();
        CompletableFuture<HttpResponse<String>> f;
        try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "async-1").build())) {
            f = c.sendAsync(api("/account").build(), HttpResponse.BodyHandlers.ofString());
        }
        f.get(10, TimeUnit.SECONDS);
        assertThat(parse(fakeGateway.requests().get(0).header("cf-aig-metadata")))
                .isEqualTo(parse("{\"user\":\"async-1\"}"));
        assertThat(nextRecord().metadata()).isEqualTo(Map.of("user", "async-1"));
    }

    @Test
    void aPoolThreadDoesNotLeakOneCallsContextIntoTheNext() throws Exception {
        HttpClient c = client();
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            pool.submit(() -> {
                try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "first")
                        .build())) {
                    return c.send(api("/account").build(), HttpResponse.BodyHandlers.ofString());
                }
            }).get(10, TimeUnit.SECONDS);
            pool.submit(() -> c.send(api("/account").build(), HttpResponse.BodyHandlers.ofString()))
                    .get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        List<GatewayRequest> seen = fakeGateway.requests();
        assertThat(seen).hasSize(2);
        assertThat(seen.get(0).header("cf-aig-metadata")).isNotNull();
        assertThat(seen.get(1).header("cf-aig-metadata")).isNull();
    }

    /** {@link GatewayContext#wrap(java.util.concurrent.Executor)} carries the submitter's context to the task's calls. */
    @Test
    void aContextPropagatingExecutorTagsTheCallsOfItsTasks() throws Exception {
        HttpClient c = client();
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "pooled").build())) {
            CompletableFuture.supplyAsync(() -> get(c, "/account"), GatewayContext.wrap(pool)).get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
        assertThat(parse(fakeGateway.requests().get(0).header("cf-aig-metadata")))
                .isEqualTo(parse("{\"user\":\"pooled\"}"));
    }

    /** Many calls in flight at once, each from its own context: every record and every request carries its own. */
    @Test
    void concurrentCallsKeepTheirOwnContexts() throws Exception {
        HttpClient c = client();
        int n = 24;
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<CompletableFuture<CompletableFuture<HttpResponse<String>>>> started = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String user = "u-" + i;
                started.add(CompletableFuture.supplyAsync(() -> {
                    try (GatewayContext.Scope s = GatewayContext.open(CallOptions.builder().metadata("user", user).build())) {
                        return c.sendAsync(api("/account").build(), HttpResponse.BodyHandlers.ofString());
                    }
                }, pool));
            }
            for (var s : started) {
                calls.add(s.get(10, TimeUnit.SECONDS));
            }
            for (var call : calls) {
                assertThat(call.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        } finally {
            pool.shutdownNow();
        }
        Set<Object> users = new HashSet<>();
        for (int i = 0; i < n; i++) {
            users.add(nextRecord().metadata().get("user"));
        }
        assertThat(users).hasSize(n);
        assertThat(fakeGateway.requests()).extracting(g -> parse(g.header("cf-aig-metadata")).get("user").asText())
                .containsExactlyInAnyOrderElementsOf(users.stream().map(String::valueOf).toList());
        assertNoMoreRecords();
    }
}
