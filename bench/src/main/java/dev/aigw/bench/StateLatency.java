package dev.aigw.bench;

import com.hazelcast.cache.impl.HazelcastServerCachingProvider;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.aigw.Gateway;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ReplayGuard;
import dev.aigw.servlet.internal.ReplayVerdict;
import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import javax.cache.CacheManager;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * What a shared state engine adds to a proxied call, side by side in one run: one Jetty server with three copies of
 * aigw's proxy (per-client rate limit on) whose state is in memory, on Redis (Debian's {@code redis-server}, started
 * here on loopback, with AUTH) and on JCache (an embedded Hazelcast cluster of two members in this JVM; the proxy
 * uses one of them, so about half of the keys live on the other). Sequential GETs through each copy, in interleaved
 * rounds so that the machine's noise falls on all three alike; then the engine operations alone (the rate limit's
 * take-a-token; a webhook's first sight and acceptance), which is the added cost without the HTTP call around it.
 *
 * <p>{@code bench/run-state} ({@code java ... dev.aigw.bench.StateLatency [rounds] [callsPerRound]})
 */
public final class StateLatency {
    private StateLatency() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        Path redisDir = Files.createTempDirectory("aigw-bench-redis");
        int redisPort = freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(redisPort), "--bind",
                "127.0.0.1", "--requirepass", "bench-pw", "--save", "", "--appendonly", "no", "--dir",
                redisDir.toString()).redirectErrorStream(true).redirectOutput(redisDir.resolve("log").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(redis::destroyForcibly));
        List<HazelcastInstance> members = hazelcast(2);
        CacheManager jcache = new HazelcastServerCachingProvider(members.get(0)).getCacheManager();
        Server upstream = new Server();
        ServerConnector uc = new ServerConnector(upstream);
        uc.setHost("127.0.0.1");
        upstream.addConnector(uc);
        upstream.setHandler(new UpstreamHandler());
        upstream.start();
        waitForRedis(redisPort);

        String redisUrl = "redis://:bench-pw@127.0.0.1:" + redisPort + "/0";
        Map<String, SharedState> states = new LinkedHashMap<>();
        states.put("memory", SharedState.memory());
        states.put("redis", SharedState.builder().redis(redisUrl).build());
        states.put("jcache", SharedState.builder().jcache(jcache).build());

        QueuedThreadPool pool = new QueuedThreadPool(64, 8);
        Server server = new Server(pool);
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        server.addConnector(c);
        List<Handler> contexts = new ArrayList<>();
        List<Gateway> gateways = new ArrayList<>();
        for (Map.Entry<String, SharedState> e : states.entrySet()) {
            Gateway g = Gateway.builder().accountId(LoadServer.ACCOUNT).gatewayId("bench").token("cf-bench-token")
                    .baseUrl("http://127.0.0.1:" + uc.getLocalPort() + "/v1").log(Gateway.Log.OFF).build();
            gateways.add(g);
            ServletContextHandler ctx = new ServletContextHandler();
            ctx.setContextPath("/" + e.getKey());
            FilterRegistration.Dynamic f = ctx.getServletContext().addFilter("aigw-proxy", AigwProxyFilter.builder()
                    .gateway(g).path("/replicate").replicateToken("r8_benchtoken").access(r -> true, "anyone")
                    .rateLimit("100000000/min").state(e.getValue()).build());
            f.setAsyncSupported(true);
            f.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false,
                    "/replicate/*");
            ServletRegistration.Dynamic s = ctx.getServletContext().addServlet("unreached", new HttpServlet() {
                @Override
                protected void service(HttpServletRequest req, HttpServletResponse resp) {
                    resp.setStatus(500);
                }
            });
            s.setAsyncSupported(true);
            s.addMapping("/replicate/*");
            contexts.add(ctx);
        }
        server.setHandler(new Handler.Sequence(contexts.toArray(Handler[]::new)));
        server.start();

        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, long[]> samples = new LinkedHashMap<>();
        for (String mode : states.keySet()) {
            samples.put(mode, new long[rounds * perRound]);
        }
        // round 0 warms up (JIT, connections); it is not counted
        for (int round = -1; round < rounds; round++) {
            for (String mode : states.keySet()) {
                HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + c.getLocalPort() + "/"
                        + mode + "/replicate/predictions/x")).build();
                for (int i = 0; i < perRound; i++) {
                    long t0 = System.nanoTime();
                    HttpResponse<Void> r = http.send(get, HttpResponse.BodyHandlers.discarding());
                    long t = System.nanoTime() - t0;
                    if (r.statusCode() != 200) {
                        throw new IllegalStateException(mode + ": HTTP " + r.statusCode());
                    }
                    if (round >= 0) {
                        samples.get(mode)[round * perRound + i] = t;
                    }
                }
            }
        }
        System.out.println("| proxied GET (1 client, sequential) | p50 µs | p90 µs | p99 µs "
                + "| p50 added vs memory |");
        System.out.println("|---|---|---|---|---|");
        double memoryP50 = percentile(samples.get("memory"), 50);
        for (Map.Entry<String, long[]> e : samples.entrySet()) {
            double p50 = percentile(e.getValue(), 50);
            System.out.printf("| %s | %.0f | %.0f | %.0f | %s |%n", e.getKey(), p50, percentile(e.getValue(), 90),
                    percentile(e.getValue(), 99), e.getKey().equals("memory") ? "—"
                            : String.format("%+.0f µs", p50 - memoryP50));
        }

        // the engine operations alone, on engines of their own (same servers)
        Map<String, StateEngine> engines = new LinkedHashMap<>();
        engines.put("memory", null);
        engines.put("redis", StateEngines.redis(RedisUrl.parse(redisUrl), SharedState.DEFAULT_TIMEOUT, true));
        engines.put("jcache", StateEngines.jcache(jcache, "aigw-ops", null,
                SharedState.DEFAULT_CREATOR_TTL, SharedState.DEFAULT_TIMEOUT, true));
        int ops = rounds * perRound;
        System.out.println();
        System.out.println("| engine operation | memory p50 / p90 µs | redis p50 / p90 µs | jcache p50 / p90 µs |");
        System.out.println("|---|---|---|---|");
        StringBuilder limit = new StringBuilder("| rate limit: take a token (per proxied call) |");
        StringBuilder replay = new StringBuilder("| webhook: first sight + accepted (per delivery) |");
        for (Map.Entry<String, StateEngine> e : engines.entrySet()) {
            RateLimiter limiter = RateLimiter.of(RateLimiter.Rate.parse("100000000/min"), 100_000, e.getValue());
            ReplayGuard guard = ReplayGuard.of(Duration.ofMinutes(11), 100_000, e.getValue());
            long[] l = new long[ops];
            long[] w = new long[ops];
            for (int i = -ops / 5; i < ops; i++) { // the first fifth warms up
                String id = "msg_" + UUID.randomUUID();
                long t0 = System.nanoTime();
                if (!limiter.acquire("addr:127.0.0.1").allowed()) {
                    throw new IllegalStateException(e.getKey() + ": refused");
                }
                long t1 = System.nanoTime();
                if (guard.begin(id) != ReplayVerdict.ADMITTED || !guard.accepted(id)) {
                    throw new IllegalStateException(e.getKey() + ": replay memory failed");
                }
                long t2 = System.nanoTime();
                if (i >= 0) {
                    l[i] = t1 - t0;
                    w[i] = t2 - t1;
                }
            }
            limit.append(String.format(" %.1f / %.1f |", percentile(l, 50), percentile(l, 90)));
            replay.append(String.format(" %.1f / %.1f |", percentile(w, 50), percentile(w, 90)));
        }
        System.out.println(limit);
        System.out.println(replay);

        server.stop();
        for (Gateway g : gateways) {
            g.close();
        }
        states.values().forEach(SharedState::close);
        engines.values().stream().filter(e -> e != null).forEach(StateEngine::close);
        upstream.stop();
        jcache.close();
        members.forEach(m -> m.getLifecycleService().terminate());
        redis.destroy();
        redis.waitFor();
        System.exit(0);
    }

    private static double percentile(long[] nanos, int p) {
        long[] s = nanos.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) ((long) s.length * p / 100))] / 1000.0;
    }

    private static int freePort() throws Exception {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void waitForRedis(int port) throws Exception {
        for (int i = 0; i < 200; i++) {
            try (java.net.Socket s = new java.net.Socket("127.0.0.1", port)) {
                return;
            } catch (java.io.IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("redis-server did not start (is it installed? apt-get install redis-server)");
    }

    private static List<HazelcastInstance> hazelcast(int n) throws Exception {
        int[] ports = new int[n];
        for (int i = 0; i < n; i++) {
            ports[i] = freePort();
        }
        String name = "aigw-bench-" + UUID.randomUUID();
        List<java.util.concurrent.CompletableFuture<HazelcastInstance>> starting = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            Config cfg = new Config().setClusterName(name).setInstanceName(name + "-" + i);
            cfg.setProperty("hazelcast.phone.home.enabled", "false");
            cfg.setProperty("hazelcast.logging.type", "none");
            cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
            cfg.getNetworkConfig().setPort(ports[i]).setPortAutoIncrement(false).getInterfaces().setEnabled(true)
                    .addInterface("127.0.0.1");
            JoinConfig join = cfg.getNetworkConfig().getJoin();
            join.getMulticastConfig().setEnabled(false);
            join.getAutoDetectionConfig().setEnabled(false);
            join.getTcpIpConfig().setEnabled(true);
            for (int p : ports) {
                join.getTcpIpConfig().addMember("127.0.0.1:" + p);
            }
            starting.add(java.util.concurrent.CompletableFuture.supplyAsync(() -> Hazelcast.newHazelcastInstance(cfg)));
        }
        List<HazelcastInstance> out = new ArrayList<>();
        for (var f : starting) {
            out.add(f.get());
        }
        while (out.get(0).getCluster().getMembers().size() < n) {
            Thread.sleep(50);
        }
        return out;
    }
}
