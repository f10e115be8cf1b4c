package dev.aigw.testkit;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Both fakes stop cleanly: no thread, no port left behind. */
class LifecycleTest {

    static Set<Thread> liveThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(Thread::isAlive).collect(Collectors.toSet());
    }

    static boolean ours(Thread t, Map<Thread, StackTraceElement[]> stacks) {
        return t.getName().startsWith("fake-replicate-") || t.getName().startsWith("fake-gateway-")
                || Arrays.stream(stacks.getOrDefault(t, new StackTraceElement[0]))
                .anyMatch(f -> f.getClassName().startsWith("org.eclipse.jetty"));
    }

    /** A fake gateway routing to {@code replicate}, its streams included. */
    private static FakeGateway gatewayTo(FakeReplicate replicate) {
        return SseReader.streamRoute(FakeGateway.builder().provider("replicate", replicate.baseUrl()), replicate).start();
    }

    @Test
    void stopLeavesNoThreadAndNoPortBehind() throws Exception {
        Set<Thread> before = liveThreads();
        FakeReplicate replicate = FakeReplicate.start();
        FakeGateway gateway = gatewayTo(replicate);
        int replicatePort = replicate.port();
        int gatewayPort = gateway.port();
        assertThat(replicatePort).isNotEqualTo(gatewayPort);

        // Exercise every thread-owning part: server pools, lifecycle scheduler, webhook client, gateway client.
        replicate.model("acme/llm").tokens("a", "b").bootTime(Duration.ZERO).duration(Duration.ofMillis(20));
        TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
        String id = TestHttp.json(http.post(gateway.providerUrl("replicate") + "/models/acme/llm/predictions",
                "{\"input\":{},\"webhook\":\"http://127.0.0.1:9/hook\"}")).path("id").asText();
        SseReader.readEvents(SseReader.open(gateway.providerUrl("replicate-stream") + "/stream/v1/predictions/" + id)
                .body(), null);
        replicate.awaitWebhookDeliveries(1, Duration.ofSeconds(20));
        // A stream still open at stop time must not keep the server alive.
        replicate.model("acme/forever").tokens("x").bootTime(Duration.ZERO).duration(Duration.ofMinutes(5));
        String longId = TestHttp.json(http.post(replicate.baseUrl() + "/models/acme/forever/predictions",
                "{\"input\":{}}")).path("id").asText();
        var open = SseReader.open(replicate.baseUrl().resolve("/stream/v1/predictions/" + longId).toString());
        assertThat(open.statusCode()).isEqualTo(200);

        gateway.stop();
        replicate.stop();
        gateway.stop(); // idempotent
        replicate.close();

        assertNothingLeft(before, replicatePort, gatewayPort);
        assertThatThrownBy(() -> http.client.send(http.request(replicate.baseUrl() + "/account").GET().build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    /**
     * A relay whose upstream a fault stalls (its client gone or not) is cut by stop: the fake does not wait for the
     * stall to end, and stopping is not reported as failed because the graceful part ran out.
     */
    @Test
    void stopCutsARelayStalledByAFault() throws Exception {
        Set<Thread> before = liveThreads();
        FakeReplicate replicate = FakeReplicate.start();
        FakeGateway gateway = gatewayTo(replicate);
        replicate.model("acme/short").tokens("only").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
        TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
        String id = TestHttp.json(http.post(gateway.providerUrl("replicate") + "/models/acme/short/predictions",
                "{\"input\":{}}")).path("id").asText();
        replicate.faults().next(1).onPath("/stream/").slowEvents(Duration.ofSeconds(60));
        CompletableFuture<?> reader = CompletableFuture.runAsync(() -> {
            try {
                SseReader.readEvents(SseReader.open(gateway.providerUrl("replicate-stream") + "/stream/v1/predictions/"
                        + id).body(), null);
            } catch (Exception e) {
                // the stop cuts the stream: what the reader sees is not the point here
            }
        });
        replicate.awaitRequests(2, Duration.ofSeconds(20)); // the create, then the stalled stream

        long started = System.nanoTime();
        gateway.stop();
        replicate.stop();
        assertThat(Duration.ofNanos(System.nanoTime() - started)).as("stop waits out the graceful part, not the stall")
                .isLessThan(Duration.ofSeconds(30));
        reader.get(30, TimeUnit.SECONDS);
        assertNothingLeft(before, replicate.port(), gateway.port());
    }

    /** No fake's thread and no listener on either port remains (bounded wait: threads end asynchronously). */
    private static void assertNothingLeft(Set<Thread> before, int... ports) throws IOException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        List<String> leftovers;
        do {
            Map<Thread, StackTraceElement[]> stacks = Thread.getAllStackTraces();
            leftovers = stacks.keySet().stream().filter(Thread::isAlive).filter(t -> !before.contains(t))
                    .filter(t -> ours(t, stacks) || !t.isDaemon()).map(Thread::getName).collect(Collectors.toList());
            if (leftovers.isEmpty()) {
                break;
            }
            TestHttp.sleep(100);
        } while (System.nanoTime() < deadline);
        assertThat(leftovers).as("threads left behind").isEmpty();

        for (int port : ports) {
            try (ServerSocket s = new ServerSocket()) {
                s.setReuseAddress(true); // closed connections may linger in TIME_WAIT; the listener must be gone
                s.bind(new java.net.InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
                assertThat(s.getLocalPort()).isEqualTo(port);
            }
        }
    }
}
