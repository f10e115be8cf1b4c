package dev.aigw.bench;

import java.lang.management.ManagementFactory;
import java.util.Arrays;

/**
 * Bytes allocated per call on the calling thread only, for the client-overhead variants. JMH's GC profiler counts
 * every thread of the JVM, here including the local servers and the record thread, so its per-call figure carries
 * tens of KB of noise; the caller's own allocation is exact, and aigw's request and response filters run on it.
 *
 * <p>{@code java -cp ... dev.aigw.bench.ClientAllocation [calls]}
 */
public final class ClientAllocation {
    private ClientAllocation() {
    }

    public static void main(String[] args) throws Exception {
        int calls = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        String[] names = ClientOverheadBenchmark.VARIANTS;
        ClientOverheadBenchmark.probe(calls / 4, variants -> {
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
            long id = Thread.currentThread().getId();
            long[] median = new long[names.length];
            for (int round = 0; round < 3; round++) {
                for (int k = 0; k < names.length; k++) {
                    long[] per = new long[calls / 10];
                    for (int i = 0; i < per.length; i++) {
                        long before = mx.getThreadAllocatedBytes(id);
                        variants[k].get();
                        per[i] = mx.getThreadAllocatedBytes(id) - before;
                    }
                    Arrays.sort(per);
                    median[k] = per[per.length / 2];
                }
            }
            System.out.println("| variant | caller-thread allocation per call (median) | vs noAigw |");
            System.out.println("|---|---|---|");
            for (int k = 0; k < names.length; k++) {
                System.out.printf("| `%s` | %,d B | %+,d B |%n", names[k], median[k], median[k] - median[0]);
            }
        });
    }
}
