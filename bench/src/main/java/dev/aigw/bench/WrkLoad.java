package dev.aigw.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An independent load generator beside {@link ProxyLoad}'s: Debian's {@code wrk} at 200 connections (as the published
 * Spring Cloud Gateway benchmark runs it) against the upstream directly, aigw's proxy (Jetty's and the JDK's upstream
 * client) and Jetty's {@code ProxyServlet}, on Jetty 12.1 ee10 and Tomcat 10.1, each server in its own JVM
 * ({@link LoadServer}). {@code GET /predictions/<id>} only (wrk sends one request). Per row: a warm-up run, then a
 * measured run; requests per second, latency percentiles as wrk reports them, errors, and the server's CPU per
 * request (process CPU time over the requests wrk completed). Markdown to stdout, wrk's own output to {@code --out}.
 * With {@code --by-thread true} (Linux), also the server's CPU per request by thread, from {@code /proc/<pid>/task}:
 * threads named alike ({@code jetty-17}, {@code jetty-18}) count as one, so that, say, aigw's records thread
 * ({@code aigw-records}: the summary line) shows apart from the request threads ({@code wrk-threads.md}).
 *
 * <pre>java -cp ... dev.aigw.bench.WrkLoad [--out DIR] [--rows ...] [--connections 200] [--threads 2]
 *     [--warmup 5] [--measure 10] [--wrk wrk] [--by-thread false]</pre>
 */
public final class WrkLoad {
    /** Microseconds per clock tick of {@code /proc} times (USER_HZ, 100 on Linux). */
    private static final double TICK_MICROS = 10_000;
    static final List<String> ROWS = List.of("direct", "aigw-jetty", "aigw-jdk-jetty", "peer-jetty", "aigw-tomcat",
            "aigw-jdk-tomcat", "peer-tomcat");

    private WrkLoad() {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].substring(2), args[i + 1]);
        }
        Path out = Path.of(o.getOrDefault("out", "bench/target/results"));
        Files.createDirectories(out);
        List<String> rows = List.of(o.getOrDefault("rows", String.join(",", ROWS)).split(","));
        String connections = o.getOrDefault("connections", "200");
        String threads = o.getOrDefault("threads", "2");
        String warmup = o.getOrDefault("warmup", "5");
        String measure = o.getOrDefault("measure", "10");
        String wrk = o.getOrDefault("wrk", "wrk");
        boolean byThread = Boolean.parseBoolean(o.getOrDefault("by-thread", "false"));
        StringBuilder threadsMd = new StringBuilder(String.format(Locale.ROOT, "| server | connections | thread "
                + "| CPU µs/request | share of the server's CPU |%n|---|---|---|---|---|%n"));
        String cp = System.getProperty("java.class.path");
        StringBuilder md = new StringBuilder();
        md.append(String.format(Locale.ROOT, "| server | connections | req/s | p50 ms | p90 ms | p99 ms | server CPU "
                + "µs/request | errors (socket / non-2xx) |%n|---|---|---|---|---|---|---|---|%n"));
        List<String> csv = new ArrayList<>(List.of("row,connections,rps,p50_ms,p90_ms,p99_ms,server_cpu_us_per_request,"
                + "socket_errors,non_2xx"));
        try (ProxyLoad.Child upstream = ProxyLoad.Child.start(cp, out, "upstream", 0, "-Xms512m", "-Xmx512m")) {
            for (String row : rows) {
                try (ProxyLoad.Child server = row.equals("direct") ? null : ProxyLoad.Child.start(cp, out, row,
                        upstream.port, "-Xms256m", "-Xmx256m")) {
                    ProxyLoad.Child measured = server == null ? upstream : server;
                    String url = (row.equals("direct") ? "http://127.0.0.1:" + upstream.port + LoadServer.GATEWAY_PATH
                            : "http://127.0.0.1:" + server.port + "/replicate") + "/predictions/gm3qorzdhgbfurvjtvhg6dckhu";
                    run(wrk, threads, connections, warmup, url, null);
                    Map<String, Long> threads0 = byThread ? threadTicks(measured.process.pid()) : Map.of();
                    long cpu0 = measured.cpuNanos();
                    String text = run(wrk, threads, connections, measure, url, out.resolve("wrk-" + row + ".txt"));
                    long cpu = measured.cpuNanos() - cpu0;
                    Result r = Result.parse(text);
                    if (byThread && r.requests > 0) {
                        byThread(threadsMd, row, connections, threads0, threadTicks(measured.process.pid()),
                                r.requests);
                    }
                    double cpuPerRequest = r.requests == 0 ? 0 : cpu / 1000.0 / r.requests;
                    md.append(String.format(Locale.ROOT, "| %s | %s | %.0f | %s | %s | %s | %.0f | %d / %d |%n", row,
                            connections, r.rps, ms(r.p50), ms(r.p90), ms(r.p99), cpuPerRequest, r.socketErrors,
                            r.non2xx));
                    csv.add(String.format(Locale.ROOT, "%s,%s,%.1f,%.3f,%.3f,%.3f,%.1f,%d,%d", row, connections,
                            r.rps, r.p50, r.p90, r.p99, cpuPerRequest, r.socketErrors, r.non2xx));
                    System.err.printf(Locale.ROOT, "wrk %-16s %8.0f req/s  p50 %s ms  p99 %s ms  cpu %.0f us/req  "
                            + "errors %d/%d%n", row, r.rps, ms(r.p50), ms(r.p99), cpuPerRequest, r.socketErrors,
                            r.non2xx);
                }
            }
        }
        Files.write(out.resolve("wrk.csv"), csv);
        Files.writeString(out.resolve("wrk.md"), md);
        System.out.print(md);
        if (byThread) {
            Files.writeString(out.resolve("wrk-threads.md"), threadsMd);
            System.out.print(System.lineSeparator() + threadsMd);
        }
    }

    /** Each thread group's share of the measured window, groups of at least 1 % of the process, largest first. */
    private static void byThread(StringBuilder md, String row, String connections, Map<String, Long> before,
                                 Map<String, Long> after, long requests) {
        Map<String, Long> used = new LinkedHashMap<>();
        long total = 0;
        for (Map.Entry<String, Long> e : after.entrySet()) {
            long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
            used.put(e.getKey(), d);
            total += d;
        }
        long all = total;
        used.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed())
                .filter(e -> all > 0 && e.getValue() * 100 >= all)
                .forEach(e -> md.append(String.format(Locale.ROOT, "| %s | %s | %s | %.1f | %.0f %% |%n", row,
                        connections, e.getKey(), e.getValue() * TICK_MICROS / requests, 100.0 * e.getValue() / all)));
    }

    /** Clock ticks of user and system time ({@code /proc/<pid>/task/<tid>/stat}), by thread name without its number. */
    private static Map<String, Long> threadTicks(long pid) throws IOException {
        Map<String, Long> ticks = new LinkedHashMap<>();
        try (var tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(task.resolve("stat"));
                } catch (IOException gone) { // the thread ended in between
                    continue;
                }
                int open = stat.indexOf('('); // "<tid> (<name>) <state> ...": a name may hold spaces and parentheses
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close).replaceAll("[-#]?[0-9]+$", "");
                String[] f = stat.substring(close + 2).split(" ");
                ticks.merge(name, Long.parseLong(f[11]) + Long.parseLong(f[12]), Long::sum); // utime, stime
            }
        }
        return ticks;
    }

    private static String ms(double v) {
        return v < 0 ? "—" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static String run(String wrk, String threads, String connections, String seconds, String url, Path keep)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(wrk, "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency",
                "-H", "Authorization: Bearer r8_clienttoken", url).redirectErrorStream(true).start();
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (p.waitFor() != 0) {
            throw new IllegalStateException("wrk failed: " + text);
        }
        if (keep != null) {
            Files.writeString(keep, text);
        }
        return text;
    }

    /** What wrk printed: requests per second, completed requests, latency percentiles (ms), errors. */
    record Result(double rps, long requests, double p50, double p90, double p99, long socketErrors, long non2xx) {
        private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
        private static final Pattern REQUESTS = Pattern.compile("([0-9]+) requests in");
        private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+([0-9]+)");
        private static final Pattern SOCKET = Pattern.compile("Socket errors: connect ([0-9]+), read ([0-9]+), "
                + "write ([0-9]+), timeout ([0-9]+)");

        static Result parse(String text) {
            long socket = 0;
            Matcher s = SOCKET.matcher(text);
            if (s.find()) {
                for (int g = 1; g <= 4; g++) {
                    socket += Long.parseLong(s.group(g));
                }
            }
            return new Result(number(RPS, text), (long) number(REQUESTS, text), percentile(text, "50%"),
                    percentile(text, "90%"), percentile(text, "99%"), socket, (long) Math.max(0, number(NON_2XX, text)));
        }

        private static double number(Pattern p, String text) {
            Matcher m = p.matcher(text);
            return m.find() ? Double.parseDouble(m.group(1)) : -1;
        }

        /** A latency percentile line such as {@code 99%  12.34ms}, in milliseconds. */
        private static double percentile(String text, String label) {
            Matcher m = Pattern.compile("\\s" + Pattern.quote(label) + "\\s+([0-9.]+)(us|ms|s)").matcher(text);
            if (!m.find()) {
                return -1;
            }
            double v = Double.parseDouble(m.group(1));
            return switch (m.group(2)) {
                case "us" -> v / 1000;
                case "s" -> v * 1000;
                default -> v;
            };
        }
    }
}
