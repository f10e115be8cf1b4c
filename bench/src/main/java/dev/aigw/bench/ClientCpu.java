package dev.aigw.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Locale;

/**
 * The JAX-RS client's overhead as CPU time per call on the calling thread, the measure that holds on a shared 2-core
 * machine: wall time there is mostly waiting for a core, CPU time is not. The client variants of
 * {@link ClientOverheadBenchmark} (Jersey 3.1 with {@code HttpURLConnection}, so the whole client call, aigw's filters
 * included, runs on the calling thread; the local servers run on others) are measured in interleaved rounds: each
 * round runs every variant for {@code calls} calls, in a rotating order, and takes CPU time per call. A variant's
 * overhead is its per-round ratio to {@code noAigw} of the same round, summarised as the mean with its 95 % confidence
 * interval (Student's t over the rounds). The verdict against the 3 % target is decided when the whole interval lies
 * on one side of +3 % (met: below; missed: above); otherwise more rounds are needed. The interval covers one process
 * only: from one process to the next the figure moved by ±4–6 points (docs/PERFORMANCE.md), so comparing two builds
 * takes several processes of each, alternated. Process CPU (all threads,
 * servers included) per call is printed beside it, too noisy on a shared machine to decide anything.
 *
 * <p>{@code java -cp ... dev.aigw.bench.ClientCpu [rounds=40] [calls per round=400]}
 */
public final class ClientCpu {
    private ClientCpu() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 400;
        String[] names = ClientOverheadBenchmark.VARIANTS;
        ClientOverheadBenchmark.probe(5 * calls, variants -> {
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            double[][] thread = new double[names.length][rounds];
            double[][] process = new double[names.length][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < names.length; j++) {
                    int k = (j + r) % names.length; // rotate, so that no variant always follows the same one
                    long t0 = mx.getCurrentThreadCpuTime();
                    long p0 = LoadServer.cpuNanos();
                    for (int i = 0; i < calls; i++) {
                        variants[k].get();
                    }
                    thread[k][r] = (mx.getCurrentThreadCpuTime() - t0) / 1000.0 / calls;
                    process[k][r] = (LoadServer.cpuNanos() - p0) / 1000.0 / calls;
                }
            }
            System.out.println("| variant | caller-thread CPU µs/call (median of rounds) | vs noAigw, caller thread: mean "
                    + "[95 % interval] | against ≤ +3 % | process CPU µs/call (median) | vs noAigw, process: mean "
                    + "[95 % interval] |");
            System.out.println("|---|---|---|---|---|---|");
            for (int k = 0; k < names.length; k++) {
                double[] t = ratio(thread[k], thread[0]);
                double[] p = ratio(process[k], process[0]);
                System.out.printf(Locale.ROOT, "| `%s` | %.1f | %+.1f %% [%+.1f, %+.1f] | %s | %.1f | %+.1f %% [%+.1f, "
                                + "%+.1f] |%n", names[k], median(thread[k]), t[0], t[1], t[2],
                        k == 0 ? "—" : t[2] <= 3 ? "met" : t[1] > 3 ? "missed" : "undecided (more rounds)",
                        median(process[k]), p[0], p[1], p[2]);
            }
        });
    }

    static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
    }

    /** Per-round ratio of {@code a} to {@code base}, in percent over 1: {mean, low, high} of its 95 % interval. */
    static double[] ratio(double[] a, double[] base) {
        int n = a.length;
        double[] r = new double[n];
        double sum = 0;
        for (int i = 0; i < n; i++) {
            r[i] = (a[i] / base[i] - 1) * 100;
            sum += r[i];
        }
        double mean = sum / n;
        double var = 0;
        for (double x : r) {
            var += (x - mean) * (x - mean);
        }
        double sd = n > 1 ? Math.sqrt(var / (n - 1)) : 0;
        double half = t975(n - 1) * sd / Math.sqrt(n);
        return new double[]{mean, mean - half, mean + half};
    }

    /** Student's t, 97.5th percentile (a two-sided 95 % interval), for {@code df} degrees of freedom. */
    static double t975(int df) {
        if (df <= 0) {
            return Double.NaN;
        }
        double[] small = {12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160,
                2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048,
                2.045, 2.042};
        if (df <= small.length) {
            return small[df - 1];
        }
        return 1.96 + 2.4 / df; // within 0.01 of the table beyond 30
    }
}
