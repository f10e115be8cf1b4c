package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * No client can stall the application or exhaust its threads or descriptors: 200 clients that send a webhook body
 * and stop, or send it a byte at a time, or send a proxy request and leave. The proofs are functional, so that a
 * loaded machine can slow them but not fail them: every container serves with {@link ServletContainer#WORKERS}
 * threads, far fewer than the clients; while the clients are parked inside aigw, each has entered aigw's filter and
 * its thread has come back out ({@link ChainGauge}), an ordinary request is served, the container's busy workers are
 * back at the baseline, and the process holds no more descriptors than the clients' own connections need; once they
 * are gone, descriptors and connections are back at the baseline. Every condition is waited for with a deadline far
 * beyond its normal time ({@link #LONG}); a container whose workers aigw held would miss it by the whole deadline.
 * Each test prints one {@code exhaustion ...} line with its figures (docs/RELIABILITY.md). Linux only ({@code /proc}).
 */
public abstract class ExhaustionTests extends SuiteGroup {
    static final int CLIENTS = 200;
    /** How long a condition may take; it normally takes a second or a few. */
    static final Duration LONG = Duration.ofSeconds(60);
    /** How long the upstream holds calls: beyond every deadline here, so only aigw can end them earlier. */
    static final Duration HELD = Duration.ofMinutes(3);
    /**
     * Descriptors the process may open besides the clients' connections: the JDK opens some lazily (a class loaded
     * for the first time reads its jar; an HTTP client's selector and its connection are three or four). One
     * descriptor per client would be 200.
     */
    static final int SLACK_FDS = 32;
    /** Busy workers over the baseline still counted as back: a request's last steps; a held pool would be 16. */
    static final int SLACK_WORKERS = 2;

    protected ExhaustionTests(UpstreamSuite suite) {
        super(suite);
    }

    @Test
    void parkedWebhookSendersHoldNoThreadNorDescriptor() throws Exception {
        Probe p = new Probe(suite);
        // and then nothing: each waits for the rest of its body, having sent enough to be kept waiting
        Baseline base = parkThenMeasure(p, "parked webhook senders",
                c -> p.webhookSenders("/app/webhooks/parked", c, 60_000),
                () -> "inside aigw's filter", () -> true, "/bare", 1);
        p.awaitBack(base);
        assertThat(suite.webhooks.received).isEmpty();
    }

    @Test
    void slowWebhookSendersAreCutOff() throws Exception {
        Probe p = new Probe(suite);
        Baseline base = p.baseline();
        List<Socket> clients = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        try {
            p.webhookSenders("/app/webhooks/slow", clients);
            // one byte per sender every 250 ms (4 bytes/s, under the 4096 bytes/s minimum; read timeout 2 s)
            List<Socket> sending = new ArrayList<>(clients);
            long end = System.nanoTime() + LONG.toNanos();
            while (!sending.isEmpty() && System.nanoTime() < end) {
                for (java.util.Iterator<Socket> it = sending.iterator(); it.hasNext(); ) {
                    Socket c = it.next();
                    try {
                        if (c.getInputStream().available() > 0) {
                            answers.add(statusLine(c));
                            it.remove();
                        } else {
                            c.getOutputStream().write(' ');
                        }
                    } catch (IOException cut) {
                        answers.add("reset"); // cut before its answer could be read
                        it.remove();
                    }
                }
                Thread.sleep(250);
            }
            assertThat(sending).as("senders the server still reads from after %s s", LONG.toSeconds()).isEmpty();
            assertThat(answers).as("what the cut senders got").allSatisfy(a ->
                    assertThat(a).matches("HTTP/1\\.1 408.*|reset"));
            System.out.printf(Locale.ROOT, "exhaustion %s slow webhook senders: %d cut off (%d read a 408)%n",
                    suite.container.name(), answers.size(), answers.stream().filter(a -> a.contains("408")).count());
        } finally {
            close(clients);
        }
        p.awaitBack(base);
        assertThat(suite.webhooks.received).isEmpty();
    }

    @Test
    void clientsThatLeaveHoldNothingOnceGone() throws Exception {
        Probe p = new Probe(suite);
        suite.gateway.faults().next(CLIENTS).hold(HELD);
        // an ordinary call is still served, by the same proxy code, with 200 calls stalled; each call holds the
        // client's connection and the upstream one. The clients leave before any answer: on HTTP/1.1 the container
        // does not tell aigw.
        Baseline base = parkThenMeasure(p, "proxy clients waiting on a stalled upstream", c -> {
            for (int i = 0; i < CLIENTS; i++) {
                c.add(p.send("GET /app/roomy-proxy/account HTTP/1.1\r\nHost: x\r\n\r\n"));
            }
        }, () -> "at the stalled upstream (" + suite.gateway.requests().size() + ")",
                () -> suite.gateway.requests().size() == CLIENTS, "/roomy-proxy/hardware", 2);
        long left = System.nanoTime();
        await("every call cancelled", () -> suite.records.stream().filter(r -> r.outcome()
                == ExchangeRecord.Outcome.CANCELLED).count() == CLIENTS);
        long noticed = System.nanoTime();
        // the ordinary call above may have left one connection open for reuse
        await(() -> "aigw's upstream connections closed (" + p.upstreamConnections() + ", baseline " + base.upstream
                + ")", () -> p.upstreamConnections() <= base.upstream + 1);
        p.awaitBack(base);
        System.out.printf(Locale.ROOT, "exhaustion %s proxy clients leaving: all %d calls cancelled %d ms after "
                        + "they left (the upstream would answer after %d s)%n", suite.container.name(), CLIENTS,
                (noticed - left) / 1_000_000, HELD.toSeconds());
    }

    /**
     * A client that leaves before the answer's head frees its place under the caps long before the upstream would
     * answer: over HTTP/1.1, where the container says nothing, and over HTTP/2, where it reports the reset stream.
     */
    @Test
    void aClientThatLeavesBeforeTheAnswerFreesItsPlace() throws Exception {
        Probe p = new Probe(suite);
        int perUser = UpstreamSuite.CAP_PER_USER;
        // HTTP/1.1
        suite.gateway.faults().next(perUser).hold(HELD);
        List<Socket> clients = new ArrayList<>();
        for (int i = 0; i < perUser; i++) {
            clients.add(p.send("GET /app/guarded-proxy/account HTTP/1.1\r\nHost: x\r\n\r\n"));
        }
        suite.gateway.awaitRequests(perUser, LONG);
        assertThat(suite.get("/guarded-proxy/hardware").statusCode()).as("the client's places are taken").isEqualTo(429);
        long t0 = System.nanoTime();
        close(clients);
        await("an HTTP/1.1 client's place free again", () -> status("/guarded-proxy/hardware") == 200);
        long h1 = (System.nanoTime() - t0) / 1_000_000;
        await("the calls cancelled", () -> suite.records.stream().filter(r -> r.outcome()
                == ExchangeRecord.Outcome.CANCELLED).count() == perUser);

        // HTTP/2 (h2c): a client that leaves resets its stream
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> first = h2.send(suite.request("/guarded-proxy/hardware").GET().build(),
                HttpResponse.BodyHandlers.ofString()); // the upgrade to h2c: the calls below are HTTP/2 streams
        assertThat(first.version()).isEqualTo(HttpClient.Version.HTTP_2);
        suite.records.clear();
        suite.gateway.reset();
        suite.gateway.faults().next(perUser).hold(HELD);
        List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
        for (int i = 0; i < perUser; i++) {
            calls.add(h2.sendAsync(suite.request("/guarded-proxy/account").GET().build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        // the upgrade call's place was freed before its answer ended: none of these finds it taken (429)
        await("the held calls at the gateway", () -> {
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                assertThat(c.isDone() ? c.handle((r, e) -> r == null ? String.valueOf(e) : r.statusCode() + " "
                        + r.body()).join() : "held").as("a call sent once the upgrade call's answer had ended")
                        .isEqualTo("held");
            }
            return suite.gateway.requests().size() >= perUser;
        });
        long t1 = System.nanoTime();
        calls.forEach(c -> c.cancel(true));
        await("an HTTP/2 client's place free again", () -> status("/guarded-proxy/hardware") == 200);
        long h2ms = (System.nanoTime() - t1) / 1_000_000;
        await("the calls cancelled", () -> suite.records.stream().filter(r -> r.outcome()
                == ExchangeRecord.Outcome.CANCELLED).count() == perUser);
        System.out.printf(Locale.ROOT, "exhaustion %s clients leaving before the head: places free %d ms after an "
                + "HTTP/1.1 client left, %d ms after an HTTP/2 one (the upstream would answer after %d s)%n",
                suite.container.name(), h1, h2ms, HELD.toSeconds());
    }

    /** Opens a test's {@link #CLIENTS} clients into the list it is given (which the caller closes). */
    interface Sender {
        void send(List<Socket> clients) throws IOException;
    }

    /**
     * The parked half of a test: {@link #CLIENTS} clients sent by {@code sender} until each is {@code where} and
     * every one's thread is back out of aigw's filter; then, while they stay, an ordinary request to
     * {@code ordinaryPath} is served, the busy workers are back, the clients are still connected, and they cost at
     * most {@code fdsPerClient} descriptors each. Prints the figures and closes the clients; returns the baseline
     * from before them.
     */
    private Baseline parkThenMeasure(Probe p, String what, Sender sender, java.util.function.Supplier<String> where,
            BooleanSupplier arrived, String ordinaryPath, int fdsPerClient) throws Exception {
        Baseline base = p.baseline();
        List<Socket> clients = new ArrayList<>();
        try {
            sender.send(clients);
            await(() -> "every client " + where.get() + " and its thread back out (" + suite.gauge + ")",
                    () -> arrived.getAsBoolean() && suite.gauge.returned.get() == CLIENTS);
            Baseline parked = p.whileParked(base, ordinaryPath, 200);
            await(() -> "the clients still connected (" + Probe.io(() -> p.clientConnections(true)) + ")",
                    () -> Probe.io(() -> p.clientConnections(true)) == CLIENTS);
            assertThat(parked.fds).as("descriptors: %d per client, nothing more", fdsPerClient)
                    .isLessThanOrEqualTo(base.fds + (long) fdsPerClient * CLIENTS + SLACK_FDS);
            p.report(what, base, parked);
        } finally {
            close(clients);
        }
        return base;
    }

    private int status(String path) {
        try {
            return suite.get(path).statusCode();
        } catch (Exception e) {
            throw new AssertionError(path, e);
        }
    }

    private static void close(List<Socket> clients) throws IOException {
        for (Socket c : clients) {
            c.close();
        }
    }

    private static String statusLine(Socket c) throws IOException {
        c.setSoTimeout((int) LONG.toMillis());
        InputStream in = c.getInputStream();
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) >= 0 && b != '\r'; ) {
            line.append((char) b);
        }
        return line.toString();
    }

    /** Polls until {@code condition} holds; fails after {@link #LONG}. */
    static void await(String what, BooleanSupplier condition) throws InterruptedException {
        await(() -> what, condition);
    }

    /** Polls until {@code condition} holds; fails after {@link #LONG}, saying {@code what} is then. */
    static void await(java.util.function.Supplier<String> what, BooleanSupplier condition)
            throws InterruptedException {
        long end = System.nanoTime() + LONG.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > end) {
                throw new AssertionError("not within " + LONG.toSeconds() + " s: " + what.get());
            }
            Thread.sleep(50);
        }
    }

    /** Descriptors, connections and busy workers at one moment. */
    record Baseline(long fds, int connections, int upstream, int busy, int threads) {
    }

    /**
     * Measures the application's side only: the process's descriptors less the test's own sockets (the clients'
     * ends of their connections to the container, the fakes' ends of theirs and the fakes' own calls), which are no
     * part of what the container or aigw hold; the container's ends of the connections of this test's clients.
     * The kernel prints its TCP table a page at a time, so a read while connections come and go may skip or repeat
     * a line: conditions on it are polled, never read once.
     */
    static final class Probe {
        private final UpstreamSuite s;
        private final int app;
        private final Set<Integer> fakes;
        private final Set<Integer> clientPorts = new HashSet<>();

        Probe(UpstreamSuite s) {
            assumeTrue(Files.isReadable(Path.of("/proc/self/fd")) && Files.isReadable(Path.of("/proc/net/tcp")),
                    "measured with Linux /proc");
            this.s = s;
            this.app = s.app.getPort();
            this.fakes = Set.of(s.gateway.port(), s.streamGateway.port(), s.replicate.port());
        }

        /** A raw HTTP/1.1 client that sends {@code head} and reads nothing. */
        Socket send(String head) throws IOException {
            Socket c = new Socket(s.app.getHost(), app);
            clientPorts.add(c.getLocalPort());
            c.getOutputStream().write(head.getBytes(StandardCharsets.US_ASCII));
            return c;
        }

        /**
         * {@link #CLIENTS} senders of valid-looking webhook headers that announce 100,000 bytes of body and send
         * one (into {@code clients}, so that the caller closes them whatever happens).
         */
        void webhookSenders(String path, List<Socket> clients) throws IOException {
            webhookSenders(path, clients, 1);
        }

        /**
         * Senders who declare 100,000 bytes and send {@code sent} of them. Over half is the pace a parked sender must
         * keep to be cut by nothing but the read timeout (half its length within it).
         */
        void webhookSenders(String path, List<Socket> clients, int sent) throws IOException {
            long now = Instant.now().getEpochSecond();
            for (int i = 0; i < CLIENTS; i++) {
                clients.add(send("POST " + path + " HTTP/1.1\r\nHost: x\r\nwebhook-id: msg_sender" + i
                        + "\r\nwebhook-timestamp: " + now + "\r\nwebhook-signature: v1,AAAA\r\nContent-Type: "
                        + "application/json\r\nContent-Length: 100000\r\n\r\n{" + "x".repeat(sent - 1)));
            }
        }

        Baseline baseline() throws IOException {
            return now();
        }

        Baseline now() throws IOException {
            return new Baseline(appFds(), clientConnections(true), upstreamConnections(),
                    s.container.busyWorkers(), Thread.getAllStackTraces().size());
        }

        /**
         * With the clients parked: an ordinary request is served and the busy workers are back at the baseline;
         * returns the figures then.
         */
        Baseline whileParked(Baseline base, String path, int status) throws Exception {
            assertThat(s.get(path).statusCode()).as("an ordinary request while the clients are parked")
                    .isEqualTo(status);
            if (base.busy >= 0) {
                await(() -> "busy workers back at the baseline (" + s.container.busyWorkers() + ", baseline "
                        + base.busy + ")", () -> s.container.busyWorkers() <= base.busy + SLACK_WORKERS);
            }
            return now();
        }

        /** Waits until the container closed its ends of the clients' connections and the descriptors are back. */
        void awaitBack(Baseline base) throws Exception {
            await(() -> io(() -> "the clients' connections closed by the container (" + clientConnections(false)
                    + " open) and descriptors back at the baseline (" + appFds() + ", baseline " + base.fds + ")"),
                    () -> io(() -> clientConnections(false) == 0 && appFds() <= base.fds + SLACK_FDS));
            Baseline after = now();
            System.out.printf(Locale.ROOT, "exhaustion %s after: descriptors %d (baseline %d), threads %d (%d)%n",
                    s.container.name(), after.fds, base.fds, after.threads, base.threads);
        }

        void report(String what, Baseline base, Baseline parked) {
            System.out.printf(Locale.ROOT, "exhaustion %s %s: %d clients on %d workers: busy workers %d (baseline "
                    + "%d); descriptors %d (baseline %d); their connections open %d; upstream connections %d (%d); "
                    + "threads %d (%d)%n", s.container.name(), what, CLIENTS, ServletContainer.WORKERS, parked.busy,
                    base.busy, parked.fds, base.fds, parked.connections, parked.upstream, base.upstream,
                    parked.threads, base.threads);
        }

        /** The container's ends of this test's clients' connections: ESTABLISHED ones, or all it has not closed. */
        int clientConnections(boolean establishedOnly) throws IOException {
            int n = 0;
            for (String[] f : table()) {
                if (port(f[1]) == app && clientPorts.contains(port(f[2])) && (establishedOnly ? f[3].equals("01")
                        : !f[9].equals("0"))) { // a socket no descriptor refers to any more has inode 0
                    n++;
                }
            }
            return n;
        }

        /** aigw's connections to the fake gateway (ESTABLISHED; the client's end). */
        int upstreamConnections() {
            return io(() -> {
                int n = 0;
                for (String[] f : table()) {
                    if (port(f[2]) == s.gateway.port() && f[3].equals("01")) {
                        n++;
                    }
                }
                return n;
            });
        }

        /** The process's descriptors, less the test's own sockets. */
        long appFds() throws IOException {
            Set<String> testSide = new HashSet<>();
            for (String[] f : table()) {
                // the test's clients of the container; the fakes' ends; calls to the fake Replicate are the fake
                // gateways' or the test's (aigw calls the gateways only)
                if (port(f[2]) == app || fakes.contains(port(f[1])) || port(f[2]) == s.replicate.port()) {
                    testSide.add("socket:[" + f[9] + "]");
                }
            }
            long n = 0;
            try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
                for (Path fd : (Iterable<Path>) fds::iterator) {
                    try {
                        if (!testSide.contains(Files.readSymbolicLink(fd).toString())) {
                            n++;
                        }
                    } catch (IOException closedMeanwhile) {
                        // gone between the listing and the look
                    }
                }
            }
            return n;
        }

        private static List<String[]> table() throws IOException {
            List<String[]> rows = new ArrayList<>();
            for (String t : new String[]{"/proc/net/tcp", "/proc/net/tcp6"}) {
                Path p = Path.of(t);
                if (Files.exists(p)) {
                    List<String> lines = Files.readAllLines(p);
                    for (String line : lines.subList(1, lines.size())) {
                        String[] f = line.trim().split("\\s+");
                        if (f.length > 9) {
                            rows.add(f);
                        }
                    }
                }
            }
            return rows;
        }

        private static int port(String hexAddressAndPort) {
            return Integer.parseInt(hexAddressAndPort.substring(hexAddressAndPort.indexOf(':') + 1), 16);
        }

        interface IoSupplier<T> {
            T get() throws IOException;
        }

        static <T> T io(IoSupplier<T> s) {
            try {
                return s.get();
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
