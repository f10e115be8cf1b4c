package dev.aigw.fuzzing;

import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * What every fuzz test of aigw shares (core's and servlet's, seeded and Jazzer): the run's size and seed, the
 * figures line the {@code fuzz} scripts collect, and random text that hits the characters parsers disagree on.
 * Published in core's test-jar so the servlet module's fuzz tests use the same code.
 */
public final class Fuzzing {
    /** Inputs per seeded target; {@code -Daigw.fuzz.iterations=N} runs longer. */
    public static final int ITERATIONS = Integer.getInteger("aigw.fuzz.iterations", 3000);
    /** {@code -Daigw.fuzz.seed=S} replays a failure; the seed is in every figures line. */
    public static final long SEED = Long.getLong("aigw.fuzz.seed", System.nanoTime());

    private Fuzzing() {
    }

    /** One line per seeded target: executions, time, rate and the seed. */
    public static void figures(String target, long executions, long startNanos) {
        long ms = Math.max(1, (System.nanoTime() - startNanos) / 1_000_000);
        System.out.printf("fuzz %s: %d executions in %d ms (%d/s), seed %d%n", target, executions, ms,
                executions * 1000 / ms, SEED);
    }

    /**
     * {@code n} characters mixing controls, non-ASCII, surrogate pairs, JSON's escape-worthy characters and
     * printable ASCII.
     */
    public static String randomString(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(6);
            if (kind == 0) {
                sb.append((char) rnd.nextInt(0x20)); // control
            } else if (kind == 1) {
                sb.append((char) (0x80 + rnd.nextInt(0x700))); // Latin etc.
            } else if (kind == 2) {
                sb.appendCodePoint(0x1F600 + rnd.nextInt(50)); // surrogate pairs
            } else if (kind == 3) {
                sb.append("\"\\\u2028\u007f".charAt(rnd.nextInt(4)));
            } else {
                sb.append((char) (0x20 + rnd.nextInt(0x5f)));
            }
        }
        return sb.toString();
    }

    /** Executions per Jazzer target of one test class, printed as the same figures line at the end. */
    public static final class JazzerCounts {
        private final long start = System.nanoTime();
        private final Map<String, AtomicLong> executions = new ConcurrentHashMap<>();

        public void count(String target) {
            executions.computeIfAbsent(target, t -> new AtomicLong()).incrementAndGet();
        }

        public void print() {
            long ms = Math.max(1, (System.nanoTime() - start) / 1_000_000);
            executions.forEach((t, n) -> System.out.printf("fuzz jazzer-%s: %d executions in %d ms (%d/s)%n", t,
                    n.get(), ms, n.get() * 1000 / ms));
        }
    }
}
