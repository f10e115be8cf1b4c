package dev.aigw.jaxrs.it;

import dev.aigw.CallOptions;
import dev.aigw.ExchangeRecord;
import dev.aigw.GatewayContext;
import dev.aigw.testkit.GatewayRequest;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.InvocationCallback;
import jakarta.ws.rs.core.Response;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * {@code async()} and {@code rx()} calls are routed and recorded. The context of the calling thread tags
 * {@code async()} calls on every stack: Jersey captures it when {@code request()} builds the invocation, RESTEasy when
 * the call is submitted to its pool, and CXF runs an async call's request side on the calling thread. It tags
 * {@code rx()} calls on Jersey and RESTEasy; on CXF the executor must carry it.
 */
@SuppressWarnings("try") // scopes are opened for their effect on the calls inside
class AsyncTest extends GatewayTestBase {

    @Test
    void asyncCallsAreRoutedAndRecorded() throws Exception {
        Client c = client();
        Future<Response> f = api(c, "/account").async().get();
        Response r = f.get(10, TimeUnit.SECONDS);
        assertThat(r.getStatus()).isEqualTo(200);
        r.readEntity(String.class);
        assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);

        StringCallback viaCallback = new StringCallback();
        api(c, "/models/acme/echo").async().get(viaCallback);
        assertThat(viaCallback.get(10, TimeUnit.SECONDS)).contains("acme");
        assertThat(nextRecord().model()).isEqualTo("acme/echo");
        assertThat(fakeGateway.requests()).hasSize(2);
        assertNoMoreRecords();
    }

    @Test
    void rxCallsAreRoutedAndRecorded() throws Exception {
        CompletionStage<String> s = api(client(), "/account").rx().get(String.class);
        assertThat(s.toCompletableFuture().get(10, TimeUnit.SECONDS)).contains("username");
        assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        assertThat(fakeGateway.requests()).hasSize(1);
        assertNoMoreRecords();
    }

    @Test
    void theCallingThreadsContextTagsAsyncCalls() throws Exception {
        Client c = client();
        try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "async-1").build())) {
            api(c, "/account").async().get().get(10, TimeUnit.SECONDS).close();
            StringCallback viaCallback = new StringCallback();
            api(c, "/account").async().get(viaCallback);
            viaCallback.get(10, TimeUnit.SECONDS);
        }
        assertTaggedWith("async-1", 2);
    }

    @Test
    void theCallingThreadsContextTagsRxCalls() throws Exception {
        assumeThat(Stack.carriesCallerContextToRxCalls())
                .as("needs a hook on the calling thread (Jersey's InvocationBuilderListener, RESTEasy's ThreadContext)").isTrue();
        Client c = client();
        try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "rx-1").build())) {
            api(c, "/account").rx().get(String.class).toCompletableFuture().get(10, TimeUnit.SECONDS);
            api(c, "/account").rx().get().toCompletableFuture().get(10, TimeUnit.SECONDS).close();
        }
        assertTaggedWith("rx-1", 2);
    }

    private void assertTaggedWith(String user, int calls) throws InterruptedException {
        List<GatewayRequest> seen = fakeGateway.requests();
        assertThat(seen).hasSize(calls).allSatisfy(r ->
                assertThat(parse(r.header("cf-aig-metadata"))).isEqualTo(parse("{\"user\":\"" + user + "\"}")));
        for (int i = 0; i < calls; i++) {
            assertThat(nextRecord().metadata()).isEqualTo(Map.of("user", user));
        }
        assertNoMoreRecords();
    }

    @Test
    void aPoolThreadDoesNotLeakOneCallsContextIntoTheNext() throws Exception {
        Client c = client();
        try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "first").build())) {
            api(c, "/account").async().get().get(10, TimeUnit.SECONDS).close();
        }
        api(c, "/account").async().get().get(10, TimeUnit.SECONDS).close();
        List<GatewayRequest> seen = fakeGateway.requests();
        assertThat(seen).hasSize(2);
        assertThat(seen.get(1).header("cf-aig-metadata")).isNull();
    }

    /** Portable: an executor from {@link dev.aigw.GatewayContext#wrap(java.util.concurrent.ExecutorService)} carries the caller's context. */
    @Test
    void aContextPropagatingExecutorTagsAsyncAndRxCallsOnEveryStack() throws Exception {
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            Client c = track(jakarta.ws.rs.client.ClientBuilder.newBuilder()
                    .executorService(GatewayContext.wrap(pool))
                    .register(new dev.aigw.jaxrs.AigwFeature(gateway)).build());
            try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "pooled").build())) {
                api(c, "/account").async().get().get(10, TimeUnit.SECONDS).close();
                api(c, "/account").rx().get(String.class).toCompletableFuture().get(10, TimeUnit.SECONDS);
            }
            assertThat(fakeGateway.requests()).hasSize(2).allSatisfy(r ->
                    assertThat(parse(r.header("cf-aig-metadata"))).isEqualTo(parse("{\"user\":\"pooled\"}")));
        } finally {
            pool.shutdownNow();
        }
    }

    /** Completes with the entity as a String (a named class: implementations read the entity type from it). */
    static final class StringCallback extends CompletableFuture<String> implements InvocationCallback<String> {
        @Override
        public void completed(String entity) {
            complete(entity);
        }

        @Override
        public void failed(Throwable t) {
            completeExceptionally(t);
        }
    }
}
