package dev.aigw.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What this JVM holds, read from the operating system and the thread table rather than assumed: open file
 * descriptors, live threads, and established loopback connections towards given ports. Linux only
 * ({@code /proc}); elsewhere the counts are -1 and the checks that use them are skipped.
 */
final class Leaks {
    /**
     * Threads the JDK or the test fakes own and keep or end on their own schedule (CompletableFutureDelayScheduler
     * is the JDK's single delayed-executor thread, started on first use and kept for the JVM's life); everything
     * else that appears during a case must be gone after it.
     */
    private static final Pattern NOT_OURS = Pattern.compile(
            "fake-(replicate|gateway)-.*|Keep-Alive-Timer|Keep-Alive-SocketCleaner|ForkJoinPool\\.commonPool-.*"
                    + "|Common-Cleaner|Reference Handler|Finalizer|Signal Dispatcher|Notification Thread"
                    + "|Attach Listener|process reaper|surefire-.*|junit-.*|Timer-.*|C[12] CompilerThread.*"
                    + "|CompletableFutureDelayScheduler");

    private Leaks() {
    }

    static boolean supported() {
        return Files.isDirectory(Path.of("/proc/self/fd")) && Files.isReadable(Path.of("/proc/net/tcp"));
    }

    /** Open file descriptors of this JVM. */
    static int openFds() {
        try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
            return (int) s.count();
        } catch (IOException e) {
            return -1;
        }
    }

    /** Ids of the live threads that are not JDK or fake housekeeping. */
    static Set<Long> ownThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !NOT_OURS.matcher(t.getName()).matches())
                .map(Thread::getId).collect(Collectors.toSet());
    }

    /** Names of the threads alive now whose ids were not in {@code baseline}. */
    static List<String> newThreads(Collection<Long> baseline) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && !NOT_OURS.matcher(t.getName()).matches() && !baseline.contains(t.getId()))
                .map(Thread::getName).sorted().toList();
    }

    /**
     * Established connections whose remote end is one of {@code ports} on loopback: the client side of every
     * connection this JVM holds to those servers (their server side has the port as its local end and is not
     * counted, so a connection the client closed and the server has not yet noticed does not count).
     */
    static int connectionsTo(int... ports) {
        return count(remotePortIn(ports), Path.of("/proc/net/tcp")) + count(remotePortIn(ports), Path.of("/proc/net/tcp6"));
    }

    private static Predicate<String[]> remotePortIn(int... ports) {
        List<String> hex = new ArrayList<>();
        for (int p : ports) {
            hex.add(String.format(Locale.ROOT, "%04X", p));
        }
        // columns: sl local_address rem_address st ...; state 01 = ESTABLISHED
        return cols -> "01".equals(cols[3]) && hex.contains(cols[2].substring(cols[2].indexOf(':') + 1));
    }

    private static int count(Predicate<String[]> match, Path table) {
        if (!Files.isReadable(table)) {
            return 0;
        }
        try (Stream<String> lines = Files.lines(table)) {
            return (int) lines.skip(1).map(String::trim).map(l -> l.split("\\s+")).filter(match).count();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Heap in use after a full collection, in MiB. */
    static long heapAfterGcMib() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() / (1024 * 1024);
    }

    /** A point-in-time view, to compare with a later one. */
    record Snapshot(int fds, Set<Long> threads, int connections, int[] ports) {
        static Snapshot take(int... ports) {
            return new Snapshot(openFds(), ownThreads(), connectionsTo(ports), ports);
        }

        /**
         * Waits (collecting garbage, up to {@code maxWaitMs}) until nothing is held beyond this baseline:
         * no new thread, no more connections to the ports, at most {@code fdTolerance} more descriptors.
         * Returns what is still held, empty when clean.
         */
        String awaitBack(int fdTolerance, long maxWaitMs) throws InterruptedException {
            long deadline = System.nanoTime() + maxWaitMs * 1_000_000;
            String held;
            do {
                System.gc();
                held = held(fdTolerance);
                if (held.isEmpty()) {
                    return held;
                }
                Thread.sleep(100);
            } while (System.nanoTime() < deadline);
            return held;
        }

        String held(int fdTolerance) {
            StringBuilder b = new StringBuilder();
            int fdsNow = openFds();
            if (fds >= 0 && fdsNow > fds + fdTolerance) {
                b.append("fds ").append(fds).append(" -> ").append(fdsNow).append("; ");
            }
            List<String> extra = newThreads(threads);
            if (!extra.isEmpty()) {
                b.append("threads ").append(extra).append("; ");
            }
            int conns = connectionsTo(ports);
            if (conns > connections) {
                b.append("connections to ").append(java.util.Arrays.toString(ports)).append(' ').append(connections)
                        .append(" -> ").append(conns).append("; ");
            }
            return b.toString();
        }
    }
}
