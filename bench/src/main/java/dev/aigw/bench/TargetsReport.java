package dev.aigw.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleBiFunction;

/**
 * The proxy targets of docs/PERFORMANCE.md from {@link ProxyLoad}'s {@code proxy-load.csv} of one or more runs (one
 * per JDK): for every container and client count, aigw (its default upstream, {@code aigw-<container>}) against
 * Jetty's {@code ProxyServlet} ({@code peer-<container>}) — req/s ≥ 1.0×, p99 ≤ 1.0×, CPU per request ≤ 1.2× — with
 * p50 and allocation beside them, a second peer's ratios to the first where the run had one ({@code peer-jetty#2}: the
 * method's own noise, A/A), and the ratios of aigw's other rows where the run had them ({@code aigw-jdk-<container>}:
 * the JDK's client; {@code aigw-jdkdirect-<container>}; {@code aigw-nolog-<container>}: without the summary line),
 * and, where the run had {@code peer-log-<container>} (the peer writing an access line per request through the same
 * logging setup as aigw's summary line), aigw against that peer and that peer against the plain one.
 *
 * <p>A run of several interleaved rounds ({@code ProxyLoad --rounds R}) gives a ratio per round, each between cells
 * measured close together in time; a cell then shows the median over rounds, its range, and how many rounds met the
 * target. The verdict is the median's.
 *
 * <p>{@code java -cp ... dev.aigw.bench.TargetsReport "JDK 17=bench/target/results/jdk17/proxy-load.csv" ...}
 */
public final class TargetsReport {
    /** aigw's other rows ({@code aigw-<variant>-<container>}), shown beside the targets' row. */
    private static final List<String> VARIANTS = List.of("jdk", "jdkdirect", "nolog");

    private TargetsReport() {
    }

    /** {@code jit}: the compiler threads' share of {@code cpu}, NaN where the run did not measure it. */
    record Cell(double rps, double p50, double p99, double cpu, double alloc, double jit) {
    }

    /** A ratio over rounds: its median, range and the rounds that met a target. */
    record Ratio(double median, double min, double max, int met, int rounds) {
        String show() {
            return rounds == 1 ? fmt(median) : fmt(median) + " (" + fmt(min) + "–" + fmt(max) + ")";
        }

        String showMet() {
            return rounds == 1 ? show() : show() + ", " + met + "/" + rounds;
        }
    }

    public static void main(String[] args) throws Exception {
        System.out.println("| JDK | container | clients | rounds | aigw/peer req/s (≥ 1.0) | aigw/peer p50 | aigw/peer p99 "
                + "(≤ 1.0) | aigw/peer CPU per request (≤ 1.2) | the same without the JIT compiler's share "
                + "| allocation KB/request, aigw / peer | targets met (median) | A/A, second peer / peer: req/s, p99, "
                + "CPU | other aigw rows vs peer: req/s, p99, CPU |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        for (String a : args) {
            int eq = a.indexOf('=');
            String label = a.substring(0, eq);
            Map<String, Map<Integer, Cell>> cells = read(Path.of(a.substring(eq + 1)));
            List<Integer> clients = new ArrayList<>();
            for (String k : cells.keySet()) {
                int c = Integer.parseInt(k.substring(k.lastIndexOf('@') + 1));
                if (!clients.contains(c)) {
                    clients.add(c);
                }
            }
            clients.sort(Integer::compare);
            for (String container : List.of("jetty", "tomcat")) {
                for (int n : clients) {
                    Map<Integer, Cell> x = cells.get("aigw-" + container + "@" + n);
                    Map<Integer, Cell> p = cells.get("peer-" + container + "@" + n);
                    if (x == null || p == null) {
                        continue;
                    }
                    Ratio rps = ratio(x, p, (s, q) -> s.rps / q.rps, 1.0, true);
                    Ratio p50 = ratio(x, p, (s, q) -> s.p50 / q.p50, Double.NaN, false);
                    Ratio p99 = ratio(x, p, (s, q) -> s.p99 / q.p99, 1.0, false);
                    Ratio cpu = ratio(x, p, (s, q) -> s.cpu / q.cpu, 1.2, false);
                    // the target is on the whole CPU; without the compiler is shown beside it, as a cell can catch one
                    // server's JIT still busy (docs/PERFORMANCE.md, "At 256 clients")
                    Ratio steady = ratio(x, p, (s, q) -> (s.cpu - s.jit) / (q.cpu - q.jit), 1.2, false);
                    List<String> missed = new ArrayList<>();
                    if (rps.median < 1.0) {
                        missed.add("req/s");
                    }
                    if (p99.median > 1.0) {
                        missed.add("p99");
                    }
                    if (cpu.median > 1.2) {
                        missed.add("CPU");
                    }
                    Map<Integer, Cell> twin = cells.get("peer-" + container + "#2@" + n);
                    List<String> others = new ArrayList<>();
                    for (String variant : VARIANTS) {
                        Map<Integer, Cell> o = cells.get("aigw-" + variant + "-" + container + "@" + n);
                        if (o != null) {
                            others.add(variant + ": " + versus(o, p));
                        }
                    }
                    Map<Integer, Cell> logging = cells.get("peer-log-" + container + "@" + n);
                    if (logging != null) { // aigw against a peer that also logs a line per request, and that line's cost
                        others.add("aigw / logging peer: " + versus(x, logging) + "; logging peer / peer: "
                                + versus(logging, p));
                    }
                    System.out.printf(Locale.ROOT, "| %s | %s | %d | %d | %s | %s | %s | %s | %s | %.1f / %.1f | %s | %s | %s |%n",
                            label, container, n, rps.rounds, rps.showMet(), p50.show(), p99.showMet(), cpu.showMet(),
                            Double.isNaN(steady.median) ? "—" : steady.showMet(),
                            median(x, Cell::alloc), median(p, Cell::alloc),
                            missed.isEmpty() ? "yes" : "**missed: " + String.join(", ", missed) + "**",
                            versus(twin, p), others.isEmpty() ? "—" : String.join("; ", others));
                }
            }
        }
    }

    /** One row's req/s, p99 and CPU ratios to another's (the peer's), medians over rounds. */
    private static String versus(Map<Integer, Cell> other, Map<Integer, Cell> peer) {
        if (other == null) {
            return "—";
        }
        return ratio(other, peer, (s, q) -> s.rps / q.rps, Double.NaN, true).show() + ", "
                + ratio(other, peer, (s, q) -> s.p99 / q.p99, Double.NaN, false).show() + ", "
                + ratio(other, peer, (s, q) -> s.cpu / q.cpu, Double.NaN, false).show();
    }

    /** The ratio in each round that has both cells; {@code atLeast}: the target is a floor, else a ceiling. */
    static Ratio ratio(Map<Integer, Cell> a, Map<Integer, Cell> b, ToDoubleBiFunction<Cell, Cell> f, double target,
                       boolean atLeast) {
        List<Double> v = new ArrayList<>();
        int met = 0;
        for (Map.Entry<Integer, Cell> e : a.entrySet()) {
            Cell q = b.get(e.getKey());
            if (q != null) {
                double r = f.applyAsDouble(e.getValue(), q);
                v.add(r);
                if (atLeast ? r >= target : r <= target) {
                    met++;
                }
            }
        }
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) {
            return new Ratio(Double.NaN, Double.NaN, Double.NaN, 0, 0);
        }
        return new Ratio(median(s), s[0], s[s.length - 1], met, s.length);
    }

    private static double median(Map<Integer, Cell> cells, java.util.function.ToDoubleFunction<Cell> f) {
        return median(cells.values().stream().mapToDouble(f).sorted().toArray());
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static String fmt(double d) {
        return String.format(Locale.ROOT, "%.2f", d);
    }

    /** {@code row@clients} to its cells by round (round 0 only in a run of one round, or an older file). */
    static Map<String, Map<Integer, Cell>> read(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        List<String> head = List.of(lines.get(0).split(","));
        Map<String, Map<Integer, Cell>> out = new LinkedHashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            double round = column(head, f, "round");
            out.computeIfAbsent(f[0] + "@" + f[1], k -> new LinkedHashMap<>()).put(
                    Double.isNaN(round) ? 0 : (int) round,
                    new Cell(Double.parseDouble(f[head.indexOf("rps")]), Double.parseDouble(f[head.indexOf("p50_ms")]),
                            Double.parseDouble(f[head.indexOf("p99_ms")]),
                            Double.parseDouble(f[head.indexOf("server_cpu_us_per_request")]),
                            column(head, f, "server_alloc_kb_per_request"),
                            column(head, f, "server_jit_cpu_us_per_request")));
        }
        return out;
    }

    /** A column that older runs' files lack: NaN there. */
    private static double column(List<String> head, String[] f, String name) {
        int i = head.indexOf(name);
        return i < 0 || i >= f.length ? Double.NaN : Double.parseDouble(f[i]);
    }
}
