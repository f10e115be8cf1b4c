package dev.aigw.bench;

import dev.aigw.CallOptions;
import dev.aigw.Exchange;
import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.GatewayContext;
import dev.aigw.internal.JsonSniffer;
import dev.aigw.internal.Sniffed;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Core costs on the call path: routing plus header building (target: at most 1 µs per call) and
 * the JSON sniffer's throughput on prediction JSON with a large data-URI output (target: at
 * least 500 MB/s); and the per-call record work a proxied prediction costs: the exchange from start to its
 * record (sniffer included) and the default summary line (formatted by JUL's {@code SimpleFormatter}, discarded).
 * Read the allocation per op ({@code -prof gc}), which the machine's load does not move.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms512m", "-Xmx512m"})
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
public class CoreBenchmarks {

    @State(Scope.Benchmark)
    public static class Routing {
        Gateway gateway;
        URI create = URI.create("https://api.replicate.com/v1/predictions");
        URI poll = URI.create("https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu");
        URI other = URI.create("https://example.com/v1/whatever");
        CallOptions perCall = CallOptions.builder().metadata("job", "j-1").build();
        GatewayContext.Scope scope;

        @Setup(Level.Trial)
        public void setUp() {
            gateway = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("bench")
                    .token("cf-bench-token").log(Gateway.Log.OFF)
                    .defaults(CallOptions.builder().metadata("app", "bench").build()).build();
            scope = GatewayContext.open(CallOptions.builder().metadata("user", "u-42").metadata("tenant", "t-7").build());
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            scope.close();
            gateway.close();
        }
    }

    /** A create: route, layer per-call over context over defaults, write the cf-aig-* headers. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Map<String, String> routeAndHeadersCreate(Routing s) {
        Exchange x = s.gateway.exchange("POST", s.create, s.perCall);
        return x.gatewayHeaders();
    }

    /** A poll: route plus the skip-cache policy. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Map<String, String> routeAndHeadersPoll(Routing s) {
        return s.gateway.exchange("GET", s.poll, null).gatewayHeaders();
    }

    /** A URL that is not a provider's: the cost aigw adds to every other call. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Exchange notRouted(Routing s) {
        return s.gateway.exchange("GET", s.other, null);
    }

    @State(Scope.Benchmark)
    public static class Body {
        /** A ~8 MB sync-mode prediction whose output is a data URI, fed in 8 KB chunks. */
        byte[] doc;

        @Setup(Level.Trial)
        public void setUp() {
            StringBuilder sb = new StringBuilder(8_500_000);
            sb.append("{\"id\":\"gm3qorzdhgbfurvjtvhg6dckhu\",\"model\":\"acme/flux\",\"version\":\"")
                    .append("5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa")
                    .append("\",\"input\":{\"prompt\":\"a cat\"},\"logs\":\"step 1\\nstep 2\\n\",\"output\":[\"data:image/png;base64,");
            String b64 = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg";
            while (sb.length() < 8_000_000) {
                sb.append(b64);
            }
            sb.append("\"],\"status\":\"succeeded\",\"metrics\":{\"predict_time\":1.25,\"total_time\":1.5},")
                    .append("\"urls\":{\"get\":\"https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu\"}}");
            doc = sb.toString().getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** Bytes per second through the sniffer (JMH reports ops/s; one op is the whole document). */
    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    public Sniffed sniffDataUriPrediction(Body b) {
        JsonSniffer s = new JsonSniffer();
        byte[] d = b.doc;
        for (int off = 0; off < d.length; off += 8192) {
            s.feed(d, off, Math.min(8192, d.length - off));
        }
        s.finish();
        return s.result();
    }

    @State(Scope.Benchmark)
    public static class Records {
        Gateway gateway; // no listener: the record is built and handed to nobody
        URI create = URI.create("https://api.replicate.com/v1/predictions");
        Map<String, String> head = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        byte[] body = UpstreamHandler.PREDICTION;
        ExchangeRecord record;
        ExchangeListener summary;
        @SuppressWarnings("unused")
        java.util.logging.Logger held; // JUL holds loggers weakly

        @Setup(Level.Trial)
        public void setUp() {
            head.put("Content-Type", "application/json; charset=utf-8");
            head.put("Content-Length", Integer.toString(body.length));
            head.put("cf-aig-log-id", "019a6f0e-8f3c-7d2a-b1a4-5f0c2e9d7a11");
            head.put("cf-aig-cache-status", "MISS");
            gateway = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("bench")
                    .token("cf-bench-token").log(Gateway.Log.OFF).build();
            ExchangeRecord[] seen = new ExchangeRecord[1];
            try (Gateway g = Gateway.builder().accountId("0123456789abcdef0123456789abcdef").gatewayId("bench")
                    .token("cf-bench-token").log(Gateway.Log.OFF).listener(r -> seen[0] = r).build()) {
                run(g.exchange("POST", create, null), this);
            }
            record = seen[0];
            held = ClientOverheadBenchmark.quietLogger("dev.aigw.exchange");
            summary = ExchangeListener.summaryLog();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            gateway.close();
        }
    }

    private static Exchange run(Exchange x, Records s) {
        x.responseHead(201, s.head::get);
        x.responseBody(s.body, 0, s.body.length);
        x.complete();
        return x;
    }

    /** A create through the proxy, as core sees it: exchange, response head, a 1.3 KB prediction body, the record. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public Exchange exchangeToRecord(Records s) {
        return run(s.gateway.exchange("POST", s.create, null), s);
    }

    /** The default summary line of one record, on the listeners' thread: built, logged, formatted by JUL. */
    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public void summaryLine(Records s) {
        s.summary.onExchange(s.record);
    }

    /**
     * The same line with the logging backend's formatter as the parameter: the JDK's {@code SimpleFormatter} (its
     * default console format) or Tomcat's {@code OneLineFormatter} (a standalone Tomcat's default); what the line
     * costs is mostly the formatter's.
     */
    @State(Scope.Benchmark)
    public static class Formatted {
        @Param({"jdk-simple", "tomcat-one-line"})
        public String formatter;

        /** After the records' set-up (a parameter: JMH sets it up first), whose logger this one's formatter changes. */
        @Setup(Level.Trial)
        public void setUp(Records r) {
            r.held.getHandlers()[0].setFormatter(ClientOverheadBenchmark.formatter(formatter));
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.NANOSECONDS)
    public void summaryLineBy(Records s, Formatted f) {
        s.summary.onExchange(s.record);
    }
}
