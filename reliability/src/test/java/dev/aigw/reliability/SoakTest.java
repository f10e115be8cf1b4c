package dev.aigw.reliability;

import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Soak (issue #8 part 5): many calls through each path at 64 concurrent clients against the testkit, with a known
 * number of injected gateway 503s. Passes when every call got its expected answer (201/200, or 503 exactly as often
 * as injected), every call produced exactly one record, and heap after GC, threads and descriptors are back to their
 * baseline once the clients and the proxy server are closed. Tagged {@code soak}: not part of {@code ./mvnw verify};
 * run {@code reliability/soak} (sizes via {@code -Daigw.soak.jaxrs}, {@code .proxy}, {@code .concurrency},
 * {@code .injected}). Results go to stdout and {@code reliability/target/soak-result.txt}.
 */
@Tag("soak")
class SoakTest {
    static final int JAXRS_CALLS = Integer.getInteger("aigw.soak.jaxrs", 100_000);
    static final int PROXY_CALLS = Integer.getInteger("aigw.soak.proxy", 20_000);
    static final int CONCURRENCY = Integer.getInteger("aigw.soak.concurrency", 64);
    static final int INJECTED = Integer.getInteger("aigw.soak.injected", 100);
    /** Heap may differ by this much after GC (allocation noise, JIT, class metadata is not heap). */
    static final long HEAP_TOLERANCE_MIB = 16;
    static final int FD_TOLERANCE = 8;

    @Test
    void soak() throws Exception {
        List<String> report = new ArrayList<>();
        try (Fakes fakes = new Fakes()) {
            // warm up both paths so that classes, jars and pools exist in the baseline
            run(fakes, FaultMatrix.PathKind.JAXRS, 2_000, 0, null);
            run(fakes, FaultMatrix.PathKind.PROXY, 2_000, 0, null);
            fakes.reset();
            // the warm-up's idle keep-alive connections expire (HttpURLConnection's cache sweeps every 5 s), so that
            // the baseline holds none
            long until = System.nanoTime() + 30_000_000_000L;
            while (Leaks.connectionsTo(fakes.upstreamPorts()) > 0 && System.nanoTime() < until) {
                System.gc(); // the warm-up proxy's upstream client closes its connections once collected
                Thread.sleep(200);
            }
            long heap0 = Leaks.heapAfterGcMib();
            int threads0 = Thread.activeCount();
            Leaks.Snapshot base = Leaks.Snapshot.take(fakes.upstreamPorts());
            report.add("baseline: heap after GC " + heap0 + " MiB, threads " + threads0 + " (of them not the fakes' nor"
                    + " the JDK's: " + base.threads().size() + "), fds " + base.fds() + ", connections to the gateways "
                    + base.connections());

            run(fakes, FaultMatrix.PathKind.JAXRS, JAXRS_CALLS, INJECTED, report);
            run(fakes, FaultMatrix.PathKind.PROXY, PROXY_CALLS, INJECTED, report);

            fakes.reset(); // the fakes' own request logs are not aigw's heap
            String held = base.awaitBack(FD_TOLERANCE, 20_000);
            long heap1 = Leaks.heapAfterGcMib();
            int threads1 = Thread.activeCount();
            report.add("end: heap after GC " + heap1 + " MiB, threads " + threads1 + " (of them not the fakes' nor the"
                    + " JDK's: " + Leaks.ownThreads().size() + "), fds " + Leaks.openFds() + ", connections to the"
                    + " gateways " + Leaks.connectionsTo(fakes.upstreamPorts())
                    + (held.isEmpty() ? "" : ", HELD: " + held));
            print(report);
            assertThat(held).as("left behind").isEmpty();
            assertThat(heap1).as("heap after GC, MiB").isLessThanOrEqualTo(heap0 + HEAP_TOLERANCE_MIB);
        }
    }

    /** {@code calls} calls on {@code path} from {@link #CONCURRENCY} threads; {@code injected} of them get a 503. */
    private static void run(Fakes fakes, FaultMatrix.PathKind path, int calls, int injected, List<String> report)
            throws Exception {
        Map<ExchangeRecord.Outcome, LongAdder> outcomes = new EnumMap<>(ExchangeRecord.Outcome.class);
        for (ExchangeRecord.Outcome o : ExchangeRecord.Outcome.values()) {
            outcomes.put(o, new LongAdder());
        }
        LongAdder records = new LongAdder();
        Map<String, LongAdder> answers = new ConcurrentHashMap<>();
        Set<String> unexpected = ConcurrentHashMap.newKeySet();
        if (injected > 0) {
            fakes.gateway.faults().next(injected).status(503);
        }
        AtomicInteger next = new AtomicInteger();
        long t0 = System.nanoTime();
        Duration timeout = Duration.ofSeconds(30);
        try (Gateway g = fakes.aigw(fakes.gateway, r -> {
                records.increment();
                outcomes.get(r.outcome()).increment();
            }).build();
             Caller c = path == FaultMatrix.PathKind.JAXRS
                     ? new JaxrsCaller(g, fakes.replicate.token(), timeout, timeout)
                     : new ProxyCaller(ProxyCaller.Container.JETTY_EE10, g, fakes.replicate.token(), timeout, timeout,
                             timeout)) {
            ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < CONCURRENCY; t++) {
                done.add(pool.submit(() -> {
                    int i;
                    while ((i = next.getAndIncrement()) < calls) {
                        // mostly reads, one create in ten (the fakes keep every prediction until reset)
                        Caller.Answer a = i % 10 == 0
                                ? c.send("POST", FaultMatrix.CREATE_PATH, FaultMatrix.CREATE_BODY)
                                : c.send("GET", "/account", null);
                        String key = a.error() != null ? a.errorChain() : String.valueOf(a.status());
                        answers.computeIfAbsent(key, k -> new LongAdder()).increment();
                        if (a.error() != null || (a.status() != 200 && a.status() != 201 && a.status() != 503)) {
                            unexpected.add(a.toString());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : done) {
                f.get();
            }
            pool.shutdown();
            if (report != null) {
                assertThat(g.droppedRecords()).as("records dropped by a full queue").isZero();
            }
        } // closing the gateway flushes its records
        double secs = (System.nanoTime() - t0) / 1e9;
        if (report == null) {
            return;
        }
        String line = String.format(java.util.Locale.ROOT,
                "%s: %d calls at %d clients in %.1f s (%.0f calls/s); answers %s; records %d %s; injected 503s %d",
                path, calls, CONCURRENCY, secs, calls / secs, answers, records.sum(), outcomes, injected);
        report.add(line);
        System.out.println("[soak] " + line);
        assertThat(unexpected).as("answers that were not injected").isEmpty();
        assertThat(answers.getOrDefault("503", new LongAdder()).sum()).as("503s = injected").isEqualTo(injected);
        assertThat(records.sum()).as("one record per call").isEqualTo(calls);
        assertThat(outcomes.get(ExchangeRecord.Outcome.HTTP_ERROR).sum()).isEqualTo(injected);
        assertThat(outcomes.get(ExchangeRecord.Outcome.SUCCESS).sum()).isEqualTo(calls - injected);
    }

    private static void print(List<String> report) throws IOException {
        report.forEach(l -> System.out.println("[soak] " + l));
        Path out = Path.of("target", "soak-result.txt");
        Files.createDirectories(out.getParent());
        Files.write(out, report);
    }
}
