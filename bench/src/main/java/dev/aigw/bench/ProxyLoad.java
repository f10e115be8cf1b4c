package dev.aigw.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The proxy harness: the same upstream, driven directly (the limit) and through aigw's proxy and Jetty's
 * {@code ProxyServlet} (the peer), each on Jetty 12.1 ee10 and on Tomcat 10.1, in one run. Every server runs in a JVM
 * of its own ({@link LoadServer}), so that the thread count is the server's alone and the load generator's work is
 * not charged to it; the load generator is the JDK HTTP client in this JVM, non-blocking, and its own ceiling is the
 * "direct" row.
 *
 * <p>Phases: {@code load} (closed loop, N concurrent clients each sending its next request when the last one ended,
 * three {@code GET /predictions/<id>} to one {@code POST /predictions}; requests per second, p50/p99 latency, peak
 * server threads), {@code streams} (the added delay per event of an event stream, and the server's threads with 200
 * streams open), {@code memory} (1 GiB down and 1 GiB up through aigw's proxy with the server at {@code -Xmx128m},
 * heap after GC sampled during the transfer). Raw results go to {@code --out} (CSV), the markdown tables to stdout.
 *
 * <pre>java -cp ... dev.aigw.bench.ProxyLoad [--out DIR] [--phases load,streams,memory] [--rows direct,aigw-jetty,...]
 *     [--clients 1,16,64,256] [--row-warmup S] [--jit-settle S] [--warmup S] [--measure S] [--rounds R]
 *     [--streams 200] [--transfer-mib 1024]</pre>
 *
 * <p>With {@code --rounds R} above 1 the load phase keeps every server up and measures R interleaved rounds (see
 * {@code interleaved}); {@code proxy-load.csv} then has a row per cell and round, and {@link TargetsReport} takes each
 * ratio within a round.
 */
public final class ProxyLoad {
    static final List<String> ALL_ROWS = List.of("direct", "aigw-jetty", "aigw-jdk-jetty", "peer-jetty", "aigw-tomcat",
            "aigw-jdk-tomcat", "peer-tomcat");

    private final Map<String, String> opts;
    private final Path out;
    private final String classpath = System.getProperty("java.class.path");
    private final StringBuilder markdown = new StringBuilder();

    private ProxyLoad(Map<String, String> opts) throws IOException {
        this.opts = opts;
        this.out = Path.of(opts.getOrDefault("out", "bench/target/results"));
        Files.createDirectories(out);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("options are --name value pairs, not " + args[i]);
            }
            opts.put(args[i].substring(2), args[i + 1]);
        }
        new ProxyLoad(opts).run();
    }

    private List<String> list(String key, String dflt) {
        return List.of(opts.getOrDefault(key, dflt).split(","));
    }

    private void run() throws Exception {
        List<String> phases = list("phases", "load,streams,memory");
        List<String> rows = list("rows", String.join(",", ALL_ROWS));
        try (Child upstream = Child.start(classpath, out, "upstream", 0, "-Xms512m", "-Xmx512m")) {
            if (phases.contains("load")) {
                load(upstream, rows);
            }
            if (phases.contains("streams")) {
                streams(upstream, rows);
            }
            if (phases.contains("memory")) {
                memory(upstream, rows);
            }
        }
        Files.writeString(out.resolve("proxy.md"), markdown);
        System.out.println(markdown);
    }

    // ---------------------------------------------------------------------------------------------------------------
    // load

    record Cell(String row, int clients, double rps, double p50ms, double p99ms, long requests, long errors,
                int peakThreads, int idleThreads, double cpuUsPerRequest, double allocKbPerRequest,
                double jitUsPerRequest, int round) {
        Cell inRound(int r) {
            return new Cell(row, clients, rps, p50ms, p99ms, requests, errors, peakThreads, idleThreads,
                    cpuUsPerRequest, allocKbPerRequest, jitUsPerRequest, r);
        }
    }

    /** One server after another, every client count on it (one round). */
    private List<Cell> sequential(Child upstream, List<String> rows, List<Integer> clients, double warmup,
                                  double measure, double rowWarmup, double jitSettle) throws Exception {
        List<Cell> cells = new ArrayList<>();
        for (String row : rows) {
            try (Child server = server(row, upstream, "256m")) {
                Child measured = server == null ? upstream : server;
                URI base = base(row, upstream, server);
                HttpClient client = client();
                int idle = warm(row, client, base, measured, rowWarmup, jitSettle);
                for (int n : clients) {
                    cells.add(report(cell(row, client, base, measured, n, warmup, measure, idle)));
                }
            }
        }
        return cells;
    }

    /**
     * Every server up at once, warmed and settled one after another; then {@code rounds} rounds, each measuring
     * every client count on every server, the servers' order rotated by one from round to round. A ratio of two
     * servers in one round compares cells minutes apart at most, instead of a whole row's length, so the shared
     * machine's drift falls on both alike, and the spread over rounds is the method's own noise.
     */
    private List<Cell> interleaved(Child upstream, List<String> rows, List<Integer> clients, int rounds, double warmup,
                                   double measure, double rowWarmup, double jitSettle) throws Exception {
        List<Child> servers = new ArrayList<>();
        List<Cell> cells = new ArrayList<>();
        try {
            List<Child> measured = new ArrayList<>();
            List<URI> bases = new ArrayList<>();
            List<HttpClient> clientsOf = new ArrayList<>();
            int[] idle = new int[rows.size()];
            for (String row : rows) {
                Child server = server(row, upstream, "256m");
                if (server != null) {
                    servers.add(server);
                }
                measured.add(server == null ? upstream : server);
                bases.add(base(row, upstream, server));
                clientsOf.add(client());
            }
            for (int i = 0; i < rows.size(); i++) {
                idle[i] = warm(rows.get(i), clientsOf.get(i), bases.get(i), measured.get(i), rowWarmup, jitSettle);
            }
            for (int r = 0; r < rounds; r++) {
                for (int n : clients) {
                    for (int k = 0; k < rows.size(); k++) {
                        int i = (k + r) % rows.size();
                        cells.add(report(cell(rows.get(i), clientsOf.get(i), bases.get(i), measured.get(i), n, warmup,
                                measure, idle[i]).inRound(r)));
                    }
                }
            }
        } finally {
            for (int i = servers.size() - 1; i >= 0; i--) {
                servers.get(i).close();
            }
        }
        return cells;
    }

    private static Cell report(Cell c) {
        System.err.printf(Locale.ROOT, "load %-15s %3d clients%s: %8.0f req/s  p50 %6.2f ms  p99 %6.2f ms  threads %d "
                + "(idle %d)  cpu %.0f us/req (JIT %.0f)  alloc %.1f KB/req  errors %d  load %s%n", c.row, c.clients,
                c.round > 0 ? " (round " + (c.round + 1) + ")" : "", c.rps, c.p50ms, c.p99ms, c.peakThreads,
                c.idleThreads, c.cpuUsPerRequest, c.jitUsPerRequest, c.allocKbPerRequest, c.errors, loadAverage());
        return c;
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException e) {
            return "?";
        }
    }

    /** One cell per server and client count: the median of each figure over the rounds. */
    private static List<Cell> medians(List<Cell> all) {
        Map<String, List<Cell>> by = new LinkedHashMap<>();
        for (Cell c : all) {
            by.computeIfAbsent(c.row + "@" + c.clients, k -> new ArrayList<>()).add(c);
        }
        List<Cell> out = new ArrayList<>();
        for (List<Cell> l : by.values()) {
            Cell f = l.get(0);
            out.add(new Cell(f.row, f.clients, median(l, Cell::rps), median(l, Cell::p50ms), median(l, Cell::p99ms),
                    (long) median(l, Cell::requests), (long) median(l, Cell::errors), (int) median(l, Cell::peakThreads),
                    f.idleThreads, median(l, Cell::cpuUsPerRequest), median(l, Cell::allocKbPerRequest),
                    median(l, Cell::jitUsPerRequest), 0));
        }
        return out;
    }

    static double median(List<Cell> l, java.util.function.ToDoubleFunction<Cell> f) {
        double[] v = l.stream().mapToDouble(f).sorted().toArray();
        return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    }

    private void load(Child upstream, List<String> rows) throws Exception {
        List<Integer> clients = list("clients", "1,16,64,256").stream().map(Integer::parseInt).toList();
        double warmup = Double.parseDouble(opts.getOrDefault("warmup", "3"));
        double measure = Double.parseDouble(opts.getOrDefault("measure", "5"));
        double rowWarmup = Double.parseDouble(opts.getOrDefault("row-warmup", "5"));
        double jitSettle = Double.parseDouble(opts.getOrDefault("jit-settle", "60"));
        int rounds = Integer.parseInt(opts.getOrDefault("rounds", "1"));
        List<Cell> all = rounds > 1 ? interleaved(upstream, rows, clients, rounds, warmup, measure, rowWarmup, jitSettle)
                : sequential(upstream, rows, clients, warmup, measure, rowWarmup, jitSettle);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("proxy-load.csv")))) {
            w.println("row,clients,rps,p50_ms,p99_ms,requests,errors,peak_threads,idle_threads,server_cpu_us_per_request,"
                    + "server_alloc_kb_per_request,server_jit_cpu_us_per_request,round");
            for (Cell c : all) {
                w.printf(Locale.ROOT, "%s,%d,%.1f,%.3f,%.3f,%d,%d,%d,%d,%.1f,%.2f,%.1f,%d%n", c.row, c.clients, c.rps,
                        c.p50ms, c.p99ms, c.requests, c.errors, c.peakThreads, c.idleThreads, c.cpuUsPerRequest,
                        c.allocKbPerRequest, c.jitUsPerRequest, c.round);
            }
        }
        List<Cell> cells = rounds > 1 ? medians(all) : all;
        if (rounds > 1) {
            md("### Proxy load, %d interleaved rounds (every server up at once; in each round, per client count, the "
                    + "servers in an order rotated by one each round; per cell %s s warm-up + %s s measured; the medians "
                    + "over rounds below, the ratios of each round in `proxy-load.csv` and TargetsReport)%n%n", rounds,
                    fmt(warmup), fmt(measure));
        }
        md("### Proxy load (3 GET : 1 POST, closed loop; per server %s s warm-up at 16 clients and up to %s s more "
                + "until its JIT compiler is quiet, then per cell %s s warm-up + %s s measured; server CPU includes "
                + "the JIT's, shown in brackets)%n%n", fmt(rowWarmup), fmt(jitSettle), fmt(warmup), fmt(measure));
        md("| clients | server | req/s | p50 ms | p99 ms | peak threads (idle) | server CPU µs/request "
                + "| server allocation KB/request | errors |%n|---|---|---|---|---|---|---|---|---|%n");
        for (int n : clients) {
            for (Cell c : cells) {
                if (c.clients == n) {
                    md(Locale.ROOT, "| %d | %s | %.0f | %.2f | %.2f | %d (%d) | %.0f (%.0f) | %.1f | %d |%n", n, c.row,
                            c.rps, c.p50ms, c.p99ms, c.peakThreads, c.idleThreads, c.cpuUsPerRequest,
                            c.jitUsPerRequest, c.allocKbPerRequest, c.errors);
                }
            }
        }
        md("%n| clients | server | /peer req/s | /peer p50 | /peer p99 | /peer CPU per request "
                + "| /peer allocation per request | /direct req/s | peer/direct req/s |%n|---|---|---|---|---|---|---|---|---|%n");
        for (int n : clients) {
            Cell direct = find(cells, "direct", n);
            for (String container : List.of("jetty", "tomcat")) {
                Cell p = find(cells, "peer-" + container, n);
                for (Cell a : cells) {
                    boolean compared = a.row.startsWith("aigw-") || a.row.startsWith("peer-" + container + "#");
                    if (p == null || a.clients != n || !compared || !a.row.split("#")[0].endsWith("-" + container)) {
                        continue;
                    }
                    md(Locale.ROOT, "| %d | %s | %.2f | %.2f | %.2f | %.2f | %.2f | %s | %s |%n", n, a.row,
                            a.rps / p.rps, a.p50ms / p.p50ms, a.p99ms / p.p99ms, a.cpuUsPerRequest / p.cpuUsPerRequest,
                            a.allocKbPerRequest / p.allocKbPerRequest,
                            direct == null ? "—" : String.format(Locale.ROOT, "%.2f", a.rps / direct.rps),
                            direct == null ? "—" : String.format(Locale.ROOT, "%.2f", p.rps / direct.rps));
                }
            }
        }
        md("%n");
    }

    private static Cell find(List<Cell> cells, String row, int clients) {
        for (Cell c : cells) {
            if (c.row.equals(row) && c.clients == clients) {
                return c;
            }
        }
        return null;
    }

    /** The row's server in a JVM of its own with a fixed heap; null for {@code direct} (the upstream itself). */
    private Child server(String row, Child upstream, String heap) throws Exception {
        return row.equals("direct") ? null : Child.start(classpath, out, row, upstream.port, "-Xms" + heap,
                "-Xmx" + heap);
    }

    /**
     * JIT warm-up of the whole path before any cell (each cell then has its own short warm-up), then until the
     * compiler is quiet; returns the server's idle thread count.
     */
    private int warm(String row, HttpClient client, URI base, Child measured, double rowWarmup, double jitSettle)
            throws Exception {
        cell(row, client, base, measured, 16, rowWarmup, 0.1, 0);
        settle(row, client, base, measured, jitSettle);
        return measured.stats()[0];
    }

    private static URI base(String row, Child upstream, Child server) {
        return row.equals("direct") ? URI.create("http://127.0.0.1:" + upstream.port + LoadServer.GATEWAY_PATH)
                : URI.create("http://127.0.0.1:" + server.port + "/replicate");
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10))
                .build();
    }

    private static Cell cell(String row, HttpClient client, URI base, Child measured, int clients, double warmupS,
                             double measureS, int idle) throws Exception {
        HttpRequest get = HttpRequest.newBuilder(URI.create(base + "/predictions/gm3qorzdhgbfurvjtvhg6dckhu"))
                .header("Authorization", "Bearer r8_clienttoken").timeout(Duration.ofSeconds(30)).build();
        HttpRequest post = HttpRequest.newBuilder(URI.create(base + "/predictions"))
                .header("Authorization", "Bearer r8_clienttoken").header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30))
                .POST(HttpRequest.BodyPublishers.ofString(ClientOverheadBenchmark.CREATE)).build();
        long[] latencies = new long[8_000_000];
        AtomicInteger recorded = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        boolean[] phase = new boolean[2]; // [0] measuring, [1] stopping; written by this thread only
        Object lock = new Object();
        CountDownLatch done = new CountDownLatch(clients);
        class User {
            int sent;

            void next() {
                boolean measuring;
                synchronized (lock) {
                    if (phase[1]) {
                        done.countDown();
                        return;
                    }
                    measuring = phase[0];
                }
                HttpRequest r = sent++ % 4 == 3 ? post : get;
                long t0 = System.nanoTime();
                client.sendAsync(r, HttpResponse.BodyHandlers.discarding()).whenComplete((resp, err) -> {
                    long t = System.nanoTime() - t0;
                    if (err != null || resp.statusCode() >= 300) {
                        errors.incrementAndGet();
                    } else if (measuring) {
                        int i = recorded.getAndIncrement();
                        if (i < latencies.length) {
                            latencies[i] = t;
                        }
                    }
                    next();
                });
            }
        }
        for (int i = 0; i < clients; i++) {
            new User().next();
        }
        Thread.sleep((long) (warmupS * 1000));
        long cpu0 = measured.cpuNanos(); // also resets the peak: the measured window starts now
        long jit0 = measured.jitCpuNanos();
        long alloc0 = measured.allocatedBytes();
        long errorsBefore = errors.get();
        long start = System.nanoTime();
        synchronized (lock) {
            phase[0] = true;
        }
        Thread.sleep((long) (measureS * 1000));
        synchronized (lock) {
            phase[0] = false;
        }
        long elapsed = System.nanoTime() - start;
        int n = Math.min(recorded.get(), latencies.length);
        int[] stats = measured.stats();
        long cpu = measured.cpuNanos() - cpu0;
        long jit = measured.jitCpuNanos() - jit0;
        long alloc = measured.allocatedBytes() - alloc0;
        long errs = errors.get() - errorsBefore;
        synchronized (lock) {
            phase[1] = true;
        }
        if (!done.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(row + ": requests still running 60 s after the cell ended");
        }
        // requests that started before the window closed and ended after it are in the count; a few at most
        long[] sorted = Arrays.copyOf(latencies, Math.min(recorded.get(), latencies.length));
        Arrays.sort(sorted);
        return new Cell(row, clients, n / (elapsed / 1e9), pct(sorted, 50) / 1e6, pct(sorted, 99) / 1e6, n, errs,
                stats[1], idle, n == 0 ? 0 : cpu / 1000.0 / n, n == 0 ? 0 : alloc / 1024.0 / n,
                n == 0 || jit0 < 0 ? 0 : jit / 1000.0 / n, 0);
    }

    /**
     * Warms the server at 16 clients in windows of 2 s until its JIT compiler took less than 5 % of its CPU in one,
     * for at most {@code maxS}: on two loaded cores the C2 compiler still took half of each server's CPU 25 s after
     * it started, and more of aigw's (more code to compile) than of the peer's, so cells measured the compiler.
     */
    private static void settle(String row, HttpClient client, URI base, Child measured, double maxS) throws Exception {
        long end = System.nanoTime() + (long) (maxS * 1e9);
        while (System.nanoTime() - end < 0) {
            Cell c = cell(row, client, base, measured, 16, 0, 2, 0);
            if (c.cpuUsPerRequest == 0 || c.jitUsPerRequest < 0.05 * c.cpuUsPerRequest) {
                return;
            }
        }
        System.err.printf(Locale.ROOT, "load %-15s JIT still busy after %s s of settling%n", row, fmt(maxS));
    }

    static long pct(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    // ---------------------------------------------------------------------------------------------------------------
    // streams

    private void streams(Child upstream, List<String> rows) throws Exception {
        int open = Integer.parseInt(opts.getOrDefault("streams", "200"));
        List<String[]> lines = new ArrayList<>();
        Map<String, long[]> delays = new LinkedHashMap<>();
        for (String row : rows) {
            try (Child server = server(row, upstream, "256m")) {
                Child measured = server == null ? upstream : server;
                URI base = base(row, upstream, server);
                HttpClient client = client();
                // warm the path, then 8 streams of 100 events 20 ms apart
                streamRun(client, base, 4, 50, 10);
                long[] d = streamRun(client, base, 8, 100, 20);
                Arrays.sort(d);
                delays.put(row, d);
                int idle = measured.stats()[0];
                int[] held = holdStreams(client, base, measured, open);
                lines.add(new String[] {row, Integer.toString(d.length), us(pct(d, 50)), us(pct(d, 99)),
                        Integer.toString(idle), Integer.toString(held[0]), Integer.toString(held[1]),
                        row.startsWith("aigw-") ? Integer.toString(held[2]) : "—"});
                System.err.printf(Locale.ROOT, "streams %-12s delay p50 %s ms p99 %s ms; %d open streams: %d threads "
                        + "(idle %d), %d streams got events%n", row, us(pct(d, 50)), us(pct(d, 99)), open, held[0], idle,
                        held[1]);
            }
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("proxy-streams.csv")))) {
            w.println("row,events,delay_p50_ms,delay_p99_ms,idle_threads,threads_with_open_streams,streams_with_events,"
                    + "aigw_proxy_threads");
            for (String[] l : lines) {
                w.println(String.join(",", l));
            }
        }
        long[] direct = delays.get("direct");
        md("### Event streams: delay per event (8 streams × 100 events, 20 ms apart; send → client arrival)%n%n"
                + "| server | events | p50 ms | p99 ms | added p50 ms (vs direct) | added p99 ms |%n"
                + "|---|---|---|---|---|---|%n");
        for (String[] l : lines) {
            long[] d = delays.get(l[0]);
            md("| %s | %s | %s | %s | %s | %s |%n", l[0], l[1], l[2], l[3],
                    direct == null ? "—" : us(pct(d, 50) - pct(direct, 50)),
                    direct == null ? "—" : us(pct(d, 99) - pct(direct, 99)));
        }
        md("%n### Open event streams: %d at once, server threads%n%n| server | idle threads | threads with %d "
                + "streams open | of which aigw-proxy | streams receiving events |%n|---|---|---|---|---|%n", open, open);
        for (String[] l : lines) {
            md("| %s | %s | %s | %s | %s / %d |%n", l[0], l[4], l[5], l[7], l[6], open);
        }
        md("%n");
    }

    private static String us(long micros) {
        return String.format(Locale.ROOT, "%.2f", micros / 1000.0);
    }

    /** Per-event delays in microseconds over {@code streams} concurrent streams. */
    private static long[] streamRun(HttpClient client, URI base, int streams, int events, int intervalMs)
            throws Exception {
        long[] d = new long[streams * events];
        AtomicInteger n = new AtomicInteger();
        List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>();
        for (int i = 0; i < streams; i++) {
            all.add(client.sendAsync(streamRequest(base, events, intervalMs),
                    HttpResponse.BodyHandlers.fromLineSubscriber(new Lines(line -> {
                        long t = sentAt(line);
                        if (t > 0) {
                            int k = n.getAndIncrement();
                            if (k < d.length) {
                                d[k] = UpstreamHandler.nowMicros() - t;
                            }
                        }
                    }))));
        }
        for (CompletableFuture<HttpResponse<Void>> f : all) {
            HttpResponse<Void> r = f.get(60, TimeUnit.SECONDS);
            if (r.statusCode() != 200) {
                throw new IllegalStateException("stream answered " + r.statusCode());
            }
        }
        return Arrays.copyOf(d, Math.min(n.get(), d.length));
    }

    private static HttpRequest streamRequest(URI base, int events, long intervalMs) {
        return HttpRequest.newBuilder(URI.create(base + "/stream?events=" + events + "&interval=" + intervalMs))
                .header("Accept", "text/event-stream").header("Authorization", "Bearer r8_clienttoken").build();
    }

    private static long sentAt(String line) {
        return line.startsWith("data: ") ? Long.parseLong(line.substring(6).trim()) : -1;
    }

    /**
     * Opens {@code open} streams (an event every second for 8 s), waits until each has delivered an event, then reads
     * the server's live threads. Returns {threads, streams that received events, aigw-proxy threads}.
     */
    private static int[] holdStreams(HttpClient client, URI base, Child measured, int open) throws Exception {
        CountDownLatch first = new CountDownLatch(open);
        List<CompletableFuture<HttpResponse<Void>>> all = new ArrayList<>();
        for (int i = 0; i < open; i++) {
            boolean[] seen = new boolean[1];
            all.add(client.sendAsync(streamRequest(base, 8, 1000), HttpResponse.BodyHandlers.fromLineSubscriber(
                    new Lines(line -> {
                        if (sentAt(line) > 0 && !seen[0]) {
                            seen[0] = true;
                            first.countDown();
                        }
                    }))));
        }
        boolean allOpen = first.await(30, TimeUnit.SECONDS);
        int[] stats = measured.stats();
        int receiving = (int) (open - first.getCount());
        for (CompletableFuture<HttpResponse<Void>> f : all) {
            try {
                f.get(60, TimeUnit.SECONDS);
            } catch (Exception e) {
                // counted by "receiving"
            }
        }
        if (!allOpen) {
            System.err.println("  only " + receiving + " of " + open + " streams delivered an event within 30 s");
        }
        return new int[] {stats[0], receiving, stats[2]};
    }

    /** A line subscriber that takes everything and hands each line on. */
    private record Lines(java.util.function.Consumer<String> each) implements Flow.Subscriber<String> {
        @Override
        public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
        }

        @Override
        public void onNext(String line) {
            each.accept(line);
        }

        @Override
        public void onError(Throwable t) {
        }

        @Override
        public void onComplete() {
        }
    }

    // ---------------------------------------------------------------------------------------------------------------
    // memory

    private void memory(Child upstream, List<String> rows) throws Exception {
        long bytes = Long.parseLong(opts.getOrDefault("transfer-mib", "1024")) << 20;
        List<String> memRows = new ArrayList<>();
        for (String r : rows) {
            if (r.equals("direct") || r.startsWith("aigw-")) {
                memRows.add(r);
            }
        }
        List<String> lines = new ArrayList<>();
        md("### Large transfers through the proxy, server at -Xmx128m (%d MiB each way)%n%n| server | direction | MB/s | "
                + "heap after GC, first / max / last sample (MiB) | heap used max (MiB) | samples |%n"
                + "|---|---|---|---|---|---|%n", bytes >> 20);
        for (String row : memRows) {
            try (Child server = server(row, upstream, "128m")) {
                Child measured = server == null ? upstream : server;
                URI base = base(row, upstream, server);
                HttpClient client = client();
                for (String dir : List.of("download", "upload")) {
                    Sampler s = new Sampler(measured);
                    s.start();
                    long t0 = System.nanoTime();
                    long got = dir.equals("download") ? download(client, base, bytes) : upload(client, base, bytes);
                    double secs = (System.nanoTime() - t0) / 1e9;
                    s.stopAndJoin();
                    if (got != bytes) {
                        throw new IllegalStateException(row + " " + dir + ": " + got + " bytes of " + bytes);
                    }
                    double mbs = bytes / 1e6 / secs;
                    String line = String.format(Locale.ROOT, "%s,%s,%.1f,%.1f,%.1f,%.1f,%.1f,%d", row, dir, mbs,
                            mib(s.firstAfterGc), mib(s.maxAfterGc), mib(s.lastAfterGc), mib(s.maxUsed), s.samples);
                    lines.add(line);
                    System.err.println("memory " + line);
                    md(Locale.ROOT, "| %s | %s | %.0f | %s | %.1f | %d |%n", row, dir, mbs, row.equals("direct") ? "(upstream, "
                            + "-Xmx512m) " + heap(s) : heap(s), mib(s.maxUsed), s.samples);
                }
            }
        }
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(out.resolve("proxy-memory.csv")))) {
            w.println("row,direction,mb_per_s,heap_after_gc_first_mib,heap_after_gc_max_mib,heap_after_gc_last_mib,"
                    + "heap_used_max_mib,samples");
            lines.forEach(w::println);
        }
        md("%n");
    }

    private static String heap(Sampler s) {
        return String.format(Locale.ROOT, "%.1f / %.1f / %.1f", mib(s.firstAfterGc), mib(s.maxAfterGc),
                mib(s.lastAfterGc));
    }

    private static double mib(long b) {
        return b / 1048576.0;
    }

    private static long download(HttpClient client, URI base, long bytes) throws Exception {
        AtomicLong n = new AtomicLong();
        HttpResponse<Void> r = client.send(HttpRequest.newBuilder(URI.create(base + "/download?bytes=" + bytes))
                .header("Authorization", "Bearer r8_clienttoken").build(), info -> HttpResponse.BodySubscribers
                .fromSubscriber(new Flow.Subscriber<List<ByteBuffer>>() {
                    @Override
                    public void onSubscribe(Flow.Subscription s) {
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(List<ByteBuffer> item) {
                        for (ByteBuffer b : item) {
                            n.addAndGet(b.remaining());
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onComplete() {
                    }
                }));
        if (r.statusCode() != 200) {
            throw new IllegalStateException("download answered " + r.statusCode());
        }
        return n.get();
    }

    private static long upload(HttpClient client, URI base, long bytes) throws Exception {
        HttpRequest.BodyPublisher zeros = HttpRequest.BodyPublishers.fromPublisher(
                HttpRequest.BodyPublishers.ofInputStream(() -> new InputStream() {
                    long left = bytes;

                    @Override
                    public int read() {
                        if (left == 0) {
                            return -1;
                        }
                        left--;
                        return 0;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) {
                        if (left == 0) {
                            return -1;
                        }
                        int n = (int) Math.min(len, left);
                        Arrays.fill(b, off, off + n, (byte) 0);
                        left -= n;
                        return n;
                    }
                }), bytes);
        // POST /files as multipart: the proxy takes JSON or (for /files) multipart bodies only; it does not parse them
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(URI.create(base + "/files"))
                .header("Authorization", "Bearer r8_clienttoken")
                .header("Content-Type", "multipart/form-data; boundary=aigw-bench")
                .POST(zeros).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("upload answered " + r.statusCode() + ": " + r.body());
        }
        String b = r.body();
        return Long.parseLong(b.substring(b.indexOf(':') + 1, b.indexOf('}')));
    }

    /** Samples a server's heap every 250 ms while a transfer runs. */
    private static final class Sampler extends Thread {
        private final Child child;
        private volatile boolean stop;
        long firstAfterGc = -1;
        long maxAfterGc;
        long lastAfterGc;
        long maxUsed;
        int samples;

        Sampler(Child child) {
            this.child = child;
            setDaemon(true);
        }

        @Override
        public void run() {
            try {
                while (!stop) {
                    Thread.sleep(250);
                    long[] h = child.heap();
                    samples++;
                    maxUsed = Math.max(maxUsed, h[0]);
                    if (h[1] >= 0) {
                        if (firstAfterGc < 0) {
                            firstAfterGc = h[1];
                        }
                        maxAfterGc = Math.max(maxAfterGc, h[1]);
                        lastAfterGc = h[1];
                    }
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }

        void stopAndJoin() throws InterruptedException {
            stop = true;
            join();
        }
    }

    // ---------------------------------------------------------------------------------------------------------------

    private void md(String format, Object... args) {
        markdown.append(String.format(Locale.ROOT, format, args));
    }

    private void md(Locale l, String format, Object... args) {
        markdown.append(String.format(l, format, args));
    }

    private static String fmt(double d) {
        return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
    }

    /** A {@link LoadServer} in a JVM of its own, talked to over its stdin and stdout. */
    static final class Child implements AutoCloseable {
        final Process process;
        final int port;
        private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
        private final OutputStream stdin;

        private Child(Process process) throws Exception {
            this.process = process;
            this.stdin = process.getOutputStream();
            Thread reader = new Thread(() -> {
                try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(),
                        StandardCharsets.UTF_8))) {
                    for (String line; (line = r.readLine()) != null; ) {
                        if (line.startsWith(LoadServer.MARK)) {
                            replies.add(line.substring(LoadServer.MARK.length()));
                        }
                    }
                } catch (IOException e) {
                    // process gone
                }
                replies.add("EOF");
            });
            reader.setDaemon(true);
            reader.start();
            String ready = reply(60);
            if (!ready.startsWith("READY ")) {
                throw new IllegalStateException("server did not start: " + ready);
            }
            this.port = Integer.parseInt(ready.substring(6));
        }

        static Child start(String classpath, Path out, String role, int upstreamPort, String... jvmArgs)
                throws Exception {
            List<String> cmd = new ArrayList<>();
            cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
            cmd.addAll(List.of(jvmArgs));
            String extra = System.getProperty("bench.server.jvm-args");
            if (extra != null && !extra.isBlank()) {
                cmd.addAll(List.of(extra.trim().split("\\s+")));
            }
            // "peer-jetty#2" is a second server of the same kind: its row against the first is an A/A comparison,
            // the noise band a ratio must leave before it says anything
            String server = role.contains("#") ? role.substring(0, role.indexOf('#')) : role;
            cmd.addAll(List.of("-cp", classpath, LoadServer.class.getName(), server, Integer.toString(upstreamPort)));
            Process p = new ProcessBuilder(cmd).redirectError(out.resolve(role.replace('#', '-') + ".log").toFile())
                    .start();
            return new Child(p);
        }

        private synchronized String reply(int timeoutS) throws Exception {
            String s = replies.poll(timeoutS, TimeUnit.SECONDS);
            if (s == null || s.equals("EOF")) {
                throw new IllegalStateException("server process gave no answer (see its log in the results folder)");
            }
            return s;
        }

        private synchronized String[] command(String c) throws Exception {
            stdin.write((c + "\n").getBytes(StandardCharsets.UTF_8));
            stdin.flush();
            return reply(30).split(" ");
        }

        /** Bytes allocated by all the server's threads so far. */
        long allocatedBytes() throws Exception {
            return Long.parseLong(command("stats")[7]);
        }

        /** {live threads, peak threads since the last call, live aigw-proxy threads}. */
        int[] stats() throws Exception {
            String[] s = command("stats");
            return new int[] {Integer.parseInt(s[1]), Integer.parseInt(s[2]), Integer.parseInt(s[6])};
        }

        /** CPU time of the server's JIT compiler threads in ns, or -1 where it cannot tell. */
        long jitCpuNanos() throws Exception {
            String[] s = command("stats");
            return s.length > 8 ? Long.parseLong(s[8]) : -1;
        }

        /** Process CPU time in ns (and resets the peak thread count, as every stats command). */
        long cpuNanos() throws Exception {
            return Long.parseLong(command("stats")[5]);
        }

        /** {heap used, heap after the last GC}. */
        long[] heap() throws Exception {
            String[] s = command("stats");
            return new long[] {Long.parseLong(s[3]), Long.parseLong(s[4])};
        }

        @Override
        public void close() throws Exception {
            try {
                stdin.write("quit\n".getBytes(StandardCharsets.UTF_8));
                stdin.flush();
            } catch (IOException e) {
                // already gone
            }
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
    }
}
