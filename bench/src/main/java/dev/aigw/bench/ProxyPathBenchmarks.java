package dev.aigw.bench;

import dev.aigw.Gateway;
import dev.aigw.internal.JsonSniffer;
import dev.aigw.internal.Sniffed;
import dev.aigw.internal.Version;
import dev.aigw.servlet.internal.proxy.CanonicalRequest;
import dev.aigw.servlet.internal.proxy.ProxyHeaders;
import dev.aigw.servlet.internal.proxy.Refusal;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Single steps of a proxied call that run once or a few times per request, each with the inputs the proxy harness
 * sends ({@code ProxyLoad}): the canonical form of a poll, the header-name checks of one request and one answer, the
 * {@code User-Agent} with aigw's token, the gateway headers of a read and a write in turn, and the sniffing of the
 * harness's prediction (two metrics). Built only from API present before the per-call cuts, so one jar of these runs
 * against either build; read the allocation per op ({@code -prof gc}), which load does not move.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class ProxyPathBenchmarks {
    private static final List<String> REQUEST_NAMES = List.of("Host", "User-Agent", "Accept", "Content-Type",
            "Content-Length", "Authorization", "Prefer", "Accept-Encoding");
    private static final List<String> RESPONSE_NAMES = List.of("Content-Type", "Content-Length", "cf-aig-log-id",
            "cf-aig-cache-status", "cf-aig-event-id", "Date", "Server", "Vary");

    @State(Scope.Benchmark)
    public static class Path {
        Gateway gateway;
        URI read = URI.create("https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu");
        URI write = URI.create("https://api.replicate.com/v1/predictions");
        ProxyHeaders headers = new ProxyHeaders(List.of());
        String agent = "Java-HttpClient/" + Runtime.version().feature();

        @Setup(Level.Trial)
        public void setUp() {
            gateway = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("bench")
                    .token("cf-bench-token").log(Gateway.Log.OFF).build();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            gateway.close();
        }
    }

    @Benchmark
    public CanonicalRequest canonicalPoll() throws Refusal.Refused {
        return CanonicalRequest.of("GET", "/replicate/predictions/gm3qorzdhgbfurvjtvhg6dckhu", "/replicate", null);
    }

    @Benchmark
    public int headerNamesOfOneCall(Path p) {
        int n = 0;
        for (String name : REQUEST_NAMES) {
            n += p.headers.forwardRequest(name, Set.of()) ? 1 : 0;
        }
        for (String name : RESPONSE_NAMES) {
            n += ProxyHeaders.copyResponse(name, Set.of()) ? 1 : 0;
        }
        return n;
    }

    @Benchmark
    public String userAgent(Path p) {
        return Version.userAgent(p.agent);
    }

    /** A read (cache skipped) and a write (cache used), as a client polls and creates. */
    @Benchmark
    public int gatewayHeadersReadThenWrite(Path p) {
        Map<String, String> r = p.gateway.exchange("GET", p.read, null).gatewayHeaders();
        Map<String, String> w = p.gateway.exchange("POST", p.write, null).gatewayHeaders();
        return r.size() + w.size();
    }

    @Benchmark
    public Sniffed sniffPrediction() {
        JsonSniffer s = JsonSniffer.forResponse();
        byte[] b = UpstreamHandler.PREDICTION;
        s.feed(b, 0, b.length);
        s.finish();
        return s.result();
    }
}
