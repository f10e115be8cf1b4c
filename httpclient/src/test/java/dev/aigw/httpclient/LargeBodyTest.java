package dev.aigw.httpclient;

import dev.aigw.ExchangeRecord;
import dev.aigw.testkit.FakeReplicate;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.http.HttpResponse;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A 200 MB response through aigw and the gateway with a flat heap. Runs alone in a JVM whose heap (-Xmx64m, see
 * pom.xml) could not hold a tenth of the body, and samples the heap after a full GC as the body is read: anything
 * that held the body — aigw's subscriber, a sniffer, a record — would show as growth (or end the JVM).
 */
class LargeBodyTest extends GatewayTestBase {
    static final long SIZE = 200L << 20;
    static final long SAMPLE_EVERY = 20L << 20;
    static final long MAX_GROWTH = 8L << 20;

    private static long usedAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed();
    }

    @Test
    void a200MbResponseStreamsThroughWithAFlatHeap() throws Exception {
        String id = replicate.generatedFile("weights.bin", "application/octet-stream", SIZE);
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        long baseline = usedAfterGc(memory);
        long maxGrowth = 0;
        long read = 0;
        long started = System.nanoTime();
        HttpResponse<InputStream> r = client().send(api("/files/" + id + "/download?owner=o&expiry=1&signature=s")
                .build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        try (InputStream in = r.body()) {
            byte[] buf = new byte[64 * 1024];
            byte[] expected = new byte[buf.length + 251]; // the generated pattern at any phase, then a whole buffer
            for (int i = 0; i < expected.length; i++) {
                expected[i] = FakeReplicate.generatedByte(i);
            }
            long nextSample = SAMPLE_EVERY;
            for (int n; (n = in.read(buf)) >= 0; ) {
                int phase = (int) (read % 251);
                int at = Arrays.mismatch(buf, 0, n, expected, phase, phase + n);
                if (at >= 0) {
                    throw new AssertionError("byte " + (read + at) + " differs: the body was not passed as it came");
                }
                read += n;
                if (read >= nextSample) {
                    maxGrowth = Math.max(maxGrowth, usedAfterGc(memory) - baseline);
                    nextSample += SAMPLE_EVERY;
                }
            }
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        ExchangeRecord rec = nextRecord();
        System.out.printf("aigw-httpclient 200 MB download: heap max %d MB, baseline after GC %.1f MB, "
                        + "largest growth after GC while reading %.1f MB (%d samples), %d ms%n",
                Runtime.getRuntime().maxMemory() >> 20, baseline / 1048576.0, maxGrowth / 1048576.0,
                SIZE / SAMPLE_EVERY, millis);

        assertThat(read).isEqualTo(SIZE);
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        assertThat(rec.bytesReceived()).isEqualTo(SIZE);
        assertThat(rec.via()).isEqualTo(ExchangeRecord.Via.GATEWAY);
        assertThat(maxGrowth).as("heap growth after GC while 200 MB passed").isLessThan(MAX_GROWTH);
        assertThat(fakeGateway.logs()).singleElement().satisfies(log -> assertThat(log.responseSize()).isEqualTo(SIZE));
    }
}
