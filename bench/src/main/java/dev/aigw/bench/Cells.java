package dev.aigw.bench;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Side-by-side cells measured in interleaved rounds (the order rotates every round), so that a shared machine's
 * noise falls on every cell alike: each cell's latencies, its CPU time (this JVM's, and an external process's such
 * as {@code redis-server}), counters read before and after each cell's turn (an engine's commands) and the load
 * average at each round. The difference of a cell to a baseline is taken
 * per round (p50 of the cell minus p50 of the baseline in the same round) and summarised by the median of those
 * differences with a distribution-free 95 % confidence interval (order statistics of the sign test), which does not
 * assume the noise to be normal or steady.
 */
final class Cells {
    /** One timed operation of a cell. */
    @FunctionalInterface
    interface Op {
        void run(int i) throws Exception;
    }

    private record Cell(String name, Op op, long[] nanos, double[] roundP50, long[] cpu, long[] otherTicks,
                        long[] counted, Map<String, Long> byThreads) {
    }

    /** Thread name prefixes and the group they count for, first match wins; the rest is "other". */
    private static final String[][] THREAD_GROUPS = {{"hz.", "Hazelcast"}, {"aigw-state", "aigw-state"},
            {"aigw-proxy", "aigw-proxy (upstream)"}, {"qtp", "Jetty"}, {"HttpClient", "JDK HttpClient"},
            {"main", "client (main)"}, {"C1 ", "JIT"}, {"C2 ", "JIT"}};

    private final Map<String, Cell> cells = new LinkedHashMap<>();
    private final int rounds;
    private final int perRound;
    private final List<Double> loads = new ArrayList<>();
    private final long[] otherPids; // external processes whose CPU is counted too (redis-server, Hazelcast members)
    private final Supplier<long[]> counters;

    /**
     * @param otherPids external processes whose CPU time is counted per cell, each on its own
     * @param counters  read before and after each cell's turn (not timed); their differences are summed per cell
     */
    Cells(int rounds, int perRound, long[] otherPids, Supplier<long[]> counters) {
        this.rounds = rounds;
        this.perRound = perRound;
        this.otherPids = otherPids;
        this.counters = counters;
    }

    Cells add(String name, Op op) {
        cells.put(name, new Cell(name, op, new long[rounds * perRound], new double[rounds], new long[1],
                new long[otherPids.length], new long[counters.get().length], new LinkedHashMap<>()));
        return this;
    }

    /** A warm-up round (not counted), then the rounds, each running every cell once, in a rotating order. */
    Cells run() throws Exception {
        List<Cell> order = new ArrayList<>(cells.values());
        for (Cell c : order) {
            for (int i = 0; i < perRound; i++) {
                c.op.run(i);
            }
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        for (int r = 0; r < rounds; r++) {
            loads.add(load());
            for (int k = 0; k < order.size(); k++) {
                Cell c = order.get((r + k) % order.size());
                long[] counted0 = counters.get();
                Map<Long, Long> threads0 = threadCpu();
                long cpu0 = os.getProcessCpuTime();
                long[] ticks0 = ticks(otherPids);
                long[] round = new long[perRound];
                for (int i = 0; i < perRound; i++) {
                    long t0 = System.nanoTime();
                    c.op.run(r * perRound + i);
                    round[i] = System.nanoTime() - t0;
                }
                c.cpu[0] += os.getProcessCpuTime() - cpu0;
                long[] ticks1 = ticks(otherPids);
                for (int j = 0; j < ticks1.length; j++) {
                    c.otherTicks[j] += ticks1[j] - ticks0[j];
                }
                Map<Long, Long> threads1 = threadCpu();
                threads1.forEach((id, t) -> c.byThreads.merge(group(id), t - threads0.getOrDefault(id, 0L), Long::sum));
                long[] counted1 = counters.get();
                for (int j = 0; j < counted1.length; j++) {
                    c.counted[j] += counted1[j] - counted0[j];
                }
                System.arraycopy(round, 0, c.nanos, r * perRound, perRound);
                c.roundP50[r] = percentile(round, 50);
            }
        }
        loads.add(load());
        return this;
    }

    Iterable<String> names() {
        return cells.keySet();
    }

    /** Percentile {@code p} of all of the cell's calls, in µs. */
    double percentile(String cell, int p) {
        return percentile(cells.get(cell).nanos, p);
    }

    /** This JVM's CPU time per call, µs (every thread: client, server, upstream, embedded engines). */
    double cpuPerCall(String cell) {
        return cells.get(cell).cpu[0] / 1000.0 / (rounds * (double) perRound);
    }

    /** External process {@code j}'s CPU time per call, µs (clock ticks of 10 ms: coarse, summed over all rounds). */
    double otherCpuPerCall(String cell, int j) {
        return cells.get(cell).otherTicks[j] * 10_000.0 / (rounds * (double) perRound);
    }

    /** CPU time per call by thread group (Hazelcast, Jetty, ...), µs; GC and the VM's own threads are not in it. */
    Map<String, Double> cpuPerCallByThreads(String cell) {
        Map<String, Double> out = new LinkedHashMap<>();
        cells.get(cell).byThreads.forEach((g, t) -> out.put(g, t / 1000.0 / (rounds * (double) perRound)));
        return out;
    }

    private final Map<Long, String> threadGroup = new java.util.HashMap<>();

    private String group(long id) {
        return threadGroup.computeIfAbsent(id, k -> {
            var info = ManagementFactory.getThreadMXBean().getThreadInfo(k);
            String name = info == null ? "" : info.getThreadName();
            for (String[] g : THREAD_GROUPS) {
                if (name.startsWith(g[0])) {
                    return g[1];
                }
            }
            return "other";
        });
    }

    private static Map<Long, Long> threadCpu() {
        var mx = ManagementFactory.getThreadMXBean();
        Map<Long, Long> out = new java.util.HashMap<>();
        for (long id : mx.getAllThreadIds()) {
            long t = mx.getThreadCpuTime(id);
            if (t >= 0) {
                out.put(id, t);
            }
        }
        return out;
    }

    /** Counter {@code j}'s increase per call of the cell. */
    double countedPerCall(String cell, int j) {
        return cells.get(cell).counted[j] / (rounds * (double) perRound);
    }

    /** Median over rounds of (p50 of {@code cell} − p50 of {@code base}), with its 95 % interval: {median, lo, hi}. */
    double[] addedP50(String cell, String base) {
        double[] d = new double[rounds];
        for (int r = 0; r < rounds; r++) {
            d[r] = cells.get(cell).roundP50[r] - cells.get(base).roundP50[r];
        }
        Arrays.sort(d);
        double median = rounds % 2 == 1 ? d[rounds / 2] : (d[rounds / 2 - 1] + d[rounds / 2]) / 2;
        int k = signTestRank(rounds);
        return new double[]{median, d[k - 1], d[rounds - k]};
    }

    /** "1.2–3.4" over the rounds, 1-minute load average. */
    String loadRange() {
        double lo = loads.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        double hi = loads.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
        return String.format("%.1f–%.1f", lo, hi);
    }

    /**
     * The largest k with P(Binomial(n, ½) ≤ k − 1) ≤ 2.5 %: the k-th smallest and k-th largest of n values bound
     * their median with at least 95 % confidence, whatever their distribution.
     */
    static int signTestRank(int n) {
        double p = Math.pow(0.5, n);
        double cdf = 0;
        int k = 0;
        for (int i = 0; i <= n; i++) {
            cdf += p;
            if (cdf > 0.025) {
                break;
            }
            k = i + 1;
            p = p * (n - i) / (i + 1);
        }
        return Math.max(1, k);
    }

    static double percentile(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) ((long) s.length * p / 100))] / 1000.0;
    }

    static double load() {
        try {
            return Double.parseDouble(Files.readString(Path.of("/proc/loadavg")).split(" ")[0]);
        } catch (Exception e) {
            return Double.NaN;
        }
    }

    private static long[] ticks(long[] pids) {
        long[] t = new long[pids.length];
        for (int j = 0; j < pids.length; j++) {
            t[j] = ticks(pids[j]);
        }
        return t;
    }

    /** utime + stime of a process, in clock ticks (Linux), or 0. */
    static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (Exception e) {
            return 0;
        }
    }
}
