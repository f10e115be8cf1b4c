package dev.aigw;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GatewayContextTest {

    private static CallOptions user(String id) {
        return CallOptions.builder().metadata("user", id).build();
    }

    @Test
    void scopeOpensNestsAndRestores() {
        assertThat(GatewayContext.current()).isSameAs(CallOptions.NONE);
        try (GatewayContext.Scope outer = GatewayContext.open(user("u1").toBuilder().metadata("tenant", "t").build())) {
            try (GatewayContext.Scope inner = GatewayContext.open(user("u2"))) {
                assertThat(GatewayContext.current().metadata()).containsEntry("user", "u2").containsEntry("tenant", "t");
            }
            assertThat(GatewayContext.current().metadata()).containsEntry("user", "u1");
        }
        assertThat(GatewayContext.current()).isSameAs(CallOptions.NONE);
    }

    @Test
    void closingTwiceOrFromAnotherThreadChangesNothing() throws Exception {
        GatewayContext.Scope s = GatewayContext.open(user("u1"));
        Thread t = new Thread(s::close);
        t.start();
        t.join();
        assertThat(GatewayContext.current().metadata()).containsEntry("user", "u1");
        s.close();
        s.close();
        assertThat(GatewayContext.current()).isSameAs(CallOptions.NONE);
    }

    @Test
    void nothingLeaksToTheNextTaskOnAPooledThreadEvenAfterAnException() throws Exception {
        ExecutorService single = Executors.newSingleThreadExecutor();
        try {
            Executor wrapped = GatewayContext.wrap(single);
            List<String> seen = new ArrayList<>();

            try (GatewayContext.Scope s = GatewayContext.open(user("alice"))) {
                CompletableFuture<Void> failed = CompletableFuture.runAsync(() -> {
                    seen.add(String.valueOf(GatewayContext.current().metadata().get("user")));
                    throw new IllegalStateException("task failed");
                }, wrapped);
                assertThatThrownBy(() -> failed.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(IllegalStateException.class);
            }
            // the same pool thread, a task submitted outside any scope
            Future<String> next = single.submit(() -> String.valueOf(GatewayContext.current().metadata().get("user")));
            seen.add(next.get(5, TimeUnit.SECONDS));
            // and a task with another user's context
            try (GatewayContext.Scope s = GatewayContext.open(user("bob"))) {
                seen.add(CompletableFuture.supplyAsync(() -> String.valueOf(GatewayContext.current().metadata().get("user")),
                        wrapped).get(5, TimeUnit.SECONDS));
            }
            seen.add(single.submit(() -> String.valueOf(GatewayContext.current().metadata().get("user"))).get(5, TimeUnit.SECONDS));
            assertThat(seen).containsExactly("alice", "null", "bob", "null");
        } finally {
            single.shutdownNow();
        }
    }

    @Test
    void wrapRestoresWhatThePoolThreadHadBefore() throws Exception {
        // a task that runs inline on a thread with its own scope gets the captured one, then its own back
        try (GatewayContext.Scope s = GatewayContext.open(user("caller"))) {
            GatewayContext.Snapshot captured = GatewayContext.capture();
            try (GatewayContext.Scope other = GatewayContext.open(user("worker"))) {
                Runnable check = () -> assertThat(GatewayContext.current().metadata()).containsEntry("user", "caller");
                captured.wrap(check).run();
                assertThat(GatewayContext.current().metadata()).containsEntry("user", "worker");
            }
        }
        // an empty snapshot clears for the task's duration, then restores
        GatewayContext.Snapshot empty = GatewayContext.capture();
        try (GatewayContext.Scope s = GatewayContext.open(user("x"))) {
            String inTask = empty.wrap(() -> String.valueOf(GatewayContext.current().metadata().get("user"))).call();
            assertThat(inTask).isEqualTo("null");
            assertThat(GatewayContext.current().metadata()).containsEntry("user", "x");
        }
    }

    @Test
    void wrappedExecutorServiceCarriesTheSubmittersContext() throws Exception {
        ExecutorService pool = GatewayContext.wrap(Executors.newSingleThreadExecutor());
        try {
            try (GatewayContext.Scope s = GatewayContext.open(user("carol"))) {
                assertThat(pool.submit(() -> GatewayContext.current().metadata().get("user")).get(5, TimeUnit.SECONDS))
                        .isEqualTo("carol");
            }
            assertThat(pool.submit(() -> GatewayContext.current().metadata().get("user")).get(5, TimeUnit.SECONDS)).isNull();
        } finally {
            pool.shutdown();
            assertThat(pool.awaitTermination(5, TimeUnit.SECONDS)).isTrue();
            assertThat(pool.isTerminated()).isTrue();
        }
    }

    @Test
    void contextTagsCallsMadeInIt() {
        try (Gateway g = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("g").log(Gateway.Log.OFF).build()) {
            java.net.URI create = java.net.URI.create("https://api.replicate.com/v1/predictions");
            try (GatewayContext.Scope s = GatewayContext.open(user("u7"))) {
                assertThat(g.exchange("POST", create, null).gatewayHeaders()).containsEntry("cf-aig-metadata", "{\"user\":\"u7\"}");
            }
            assertThat(g.exchange("POST", create, null).gatewayHeaders()).doesNotContainKey("cf-aig-metadata");
        }
    }
}
