package dev.aigw.bench;

import dev.aigw.Gateway;
import dev.aigw.jaxrs.AigwFeature;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.glassfish.jersey.logging.LoggingFeature;
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

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A full Jersey client call over loopback, three ways in one run: no aigw (straight to a minimal
 * local server), aigw routing {@code https://api.replicate.com/v1} to an equally fast local
 * "gateway", and Jersey's {@code LoggingFeature} at headers-only verbosity as the common peer.
 * Both aigw's summary log and LoggingFeature write to a JUL handler that formats and discards, so
 * each does its real work without disk I/O.
 */
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 4, time = 3)
@Measurement(iterations = 6, time = 3)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ClientOverheadBenchmark {
    static final byte[] PREDICTION = ("{\"id\":\"gm3qorzdhgbfurvjtvhg6dckhu\",\"model\":\"acme/echo\",\"version\":"
            + "\"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa\",\"input\":{\"prompt\":\"hi\"},"
            + "\"logs\":\"\",\"output\":null,\"data_removed\":false,\"error\":null,\"status\":\"starting\","
            + "\"created_at\":\"2026-11-24T10:00:00.000Z\",\"urls\":{\"cancel\":\"https://api.replicate.com/v1/predictions/"
            + "gm3qorzdhgbfurvjtvhg6dckhu/cancel\",\"get\":\"https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu\","
            + "\"web\":\"https://replicate.com/p/gm3qorzdhgbfurvjtvhg6dckhu\"}}").getBytes(StandardCharsets.UTF_8);
    static final String CREATE = "{\"version\":\"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa\","
            + "\"input\":{\"prompt\":\"hi\"}}";
    static final String ACCOUNT = "0123456789abcdef0123456789abcdef";

    /** Formats each record (the work a real handler does) and throws the text away. */
    static final class DiscardingHandler extends java.util.logging.Handler {
        volatile int sink;

        DiscardingHandler() {
            setFormatter(new java.util.logging.SimpleFormatter());
        }

        @Override
        public void publish(LogRecord record) {
            if (isLoggable(record)) {
                sink += getFormatter().format(record).length();
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }

    static Server server() throws Exception {
        Server s = new Server();
        ServerConnector c = new ServerConnector(s, 1, 1);
        c.setHost("127.0.0.1");
        c.setPort(0);
        s.addConnector(c);
        s.setHandler(new Handler.Abstract.NonBlocking() {
            @Override
            public boolean handle(Request request, org.eclipse.jetty.server.Response response, Callback callback) {
                // Read the body before answering, as a real server does: Jetty closes a connection whose request
                // body was left unread, and every call would then pay for a new connection (and a failed write on
                // the stale one), which is what the first figures measured.
                Content.Source.consumeAll(request, Callback.from(() -> {
                    response.setStatus(201);
                    response.getHeaders().put("Content-Type", "application/json; charset=UTF-8");
                    response.getHeaders().put("cf-aig-log-id", "01JADMCQQQBWH3NXZ5GCRN98DP");
                    response.getHeaders().put("cf-aig-cache-status", "MISS");
                    response.write(true, ByteBuffer.wrap(PREDICTION), callback);
                }, callback::failed));
                return true;
            }
        });
        s.start();
        return s;
    }

    /**
     * A logging backend's formatter by name: {@code jdk-simple}, the JDK's {@code SimpleFormatter} (its default console
     * format), or {@code tomcat-one-line}, Tomcat's {@code OneLineFormatter} (a standalone Tomcat's default).
     */
    static java.util.logging.Formatter formatter(String name) {
        return switch (name) {
            case "jdk-simple" -> new java.util.logging.SimpleFormatter();
            case "tomcat-one-line" -> new org.apache.juli.OneLineFormatter();
            default -> throw new IllegalArgumentException("formatter " + name + ": jdk-simple or tomcat-one-line");
        };
    }

    static Logger quietLogger(String name) {
        Logger l = Logger.getLogger(name);
        l.setUseParentHandlers(false);
        for (java.util.logging.Handler h : l.getHandlers()) {
            l.removeHandler(h);
        }
        l.addHandler(new DiscardingHandler());
        l.setLevel(java.util.logging.Level.INFO);
        return l;
    }

    @State(Scope.Benchmark)
    public static class Setup3 {
        Server upstream;
        Server fakeGateway;
        Gateway gateway;
        Gateway quietGateway;
        Client plain;
        Client aigw;
        Client aigwNoLog;
        Client logging;
        String upstreamUrl;
        String gatewayUrl;
        // Strong references: JUL holds loggers weakly, and a collected logger would lose its handler.
        Logger aigwLog;
        Logger peerLog;

        @Setup(Level.Trial)
        public void start() throws Exception {
            aigwLog = quietLogger("dev.aigw.exchange");
            peerLog = quietLogger("bench.logging-feature");
            upstream = server();
            fakeGateway = server();
            upstreamUrl = "http://127.0.0.1:" + ((ServerConnector) upstream.getConnectors()[0]).getLocalPort() + "/v1/predictions";
            String gatewayBase = "http://127.0.0.1:" + ((ServerConnector) fakeGateway.getConnectors()[0]).getLocalPort() + "/v1";
            gatewayUrl = gatewayBase + "/" + ACCOUNT + "/bench/replicate/predictions";
            gateway = Gateway.builder().accountId(ACCOUNT).gatewayId("bench").token("cf-bench-token").baseUrl(gatewayBase)
                    .log(Gateway.Log.SUMMARY).build();
            quietGateway = Gateway.builder().accountId(ACCOUNT).gatewayId("bench").token("cf-bench-token")
                    .baseUrl(gatewayBase).log(Gateway.Log.OFF).build();
            aigwNoLog = ClientBuilder.newClient().register(new AigwFeature(quietGateway));
            plain = ClientBuilder.newClient();
            aigw = ClientBuilder.newClient().register(new AigwFeature(gateway));
            logging = ClientBuilder.newClient().register(new LoggingFeature(peerLog, java.util.logging.Level.INFO,
                    LoggingFeature.Verbosity.HEADERS_ONLY, 8192));
        }

        @TearDown(Level.Trial)
        public void stop() throws Exception {
            plain.close();
            aigw.close();
            aigwNoLog.close();
            quietGateway.close();
            logging.close();
            gateway.close();
            upstream.stop();
            fakeGateway.stop();
        }
    }

    /** The variants, by name, as the probes outside JMH run them ({@link ClientAllocation}, {@link ClientCpu}). */
    static final String[] VARIANTS = {"noAigw", "gatewayRequestByHand", "aigwNoListener", "aigw", "loggingFeature"};

    /** What a probe outside JMH measures, given one call of each of {@link #VARIANTS}, in that order. */
    interface Probe {
        void measure(java.util.function.Supplier<String>[] variants) throws Exception;
    }

    /**
     * The probes' shared frame ({@link ClientAllocation}, {@link ClientCpu}): starts the local servers and clients,
     * runs every variant {@code warmUpCalls} times (JIT warm-up of every path before any measurement), hands the
     * variants to {@code probe} and stops the setup whatever happens.
     */
    @SuppressWarnings("unchecked")
    static void probe(int warmUpCalls, Probe probe) throws Exception {
        Setup3 s = new Setup3();
        s.start();
        try {
            ClientOverheadBenchmark b = new ClientOverheadBenchmark();
            java.util.function.Supplier<String>[] variants = new java.util.function.Supplier[]{() -> b.noAigw(s),
                    () -> b.gatewayRequestByHand(s), () -> b.aigwNoListener(s), () -> b.aigw(s),
                    () -> b.loggingFeature(s)};
            for (java.util.function.Supplier<String> v : variants) {
                for (int i = 0; i < warmUpCalls; i++) {
                    v.get();
                }
            }
            probe.measure(variants);
        } finally {
            s.stop();
        }
    }

    private static String call(Client client, String url) {
        try (Response r = client.target(url).request()
                .header("Authorization", "Bearer r8_benchmarktoken")
                .post(Entity.json(CREATE))) {
            return r.readEntity(String.class);
        }
    }

    /** The limit: Jersey straight to the local server. */
    @Benchmark
    public String noAigw(Setup3 s) {
        return call(s.plain, s.upstreamUrl);
    }

    /** aigw routes https://api.replicate.com/v1 to an equally fast local gateway and records the call. */
    @Benchmark
    public String aigw(Setup3 s) {
        return call(s.aigw, "https://api.replicate.com/v1/predictions");
    }

    /** aigw without any listener: the cost of routing, headers and body observation alone. */
    @Benchmark
    public String aigwNoListener(Setup3 s) {
        return call(s.aigwNoLog, "https://api.replicate.com/v1/predictions");
    }

    /**
     * The request aigw sends (gateway URL, {@code cf-aig-authorization}), written by hand with no aigw: what the
     * gateway call itself costs Jersey, so that {@code aigw} minus this is aigw's own work.
     */
    @Benchmark
    public String gatewayRequestByHand(Setup3 s) {
        try (Response r = s.plain.target(s.gatewayUrl).request()
                .header("Authorization", "Bearer r8_benchmarktoken")
                .header("cf-aig-authorization", "Bearer cf-bench-token")
                .post(Entity.json(CREATE))) {
            return r.readEntity(String.class);
        }
    }

    /** The common peer: Jersey's LoggingFeature, headers only. */
    @Benchmark
    public String loggingFeature(Setup3 s) {
        return call(s.logging, s.upstreamUrl);
    }
}
