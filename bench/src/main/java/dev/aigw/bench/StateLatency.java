package dev.aigw.bench;

import com.hazelcast.config.CacheConfig;
import dev.aigw.Gateway;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.SharedState;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

import javax.cache.CacheManager;
import javax.cache.expiry.ModifiedExpiryPolicy;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Principal;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What a shared state engine adds to a proxied call, side by side in one run: one Jetty server with copies of aigw's
 * proxy (per-user rate limit on) whose state is in memory, on Redis (Debian's {@code redis-server}, started here on
 * loopback, with AUTH) and on JCache (embedded Hazelcast clusters of two members, {@link Grid}; the proxy uses the
 * first, so about half of the users' buckets live on the other). Cells:
 * <ul>
 *   <li>{@code memory}, {@code redis}, {@code jcache} (the cache aigw creates, on Hazelcast's defaults: one
 *       synchronous backup);</li>
 *   <li>{@code redis, 2 instances}: each user's calls alternate between two proxies with engines of their own on the
 *       same Redis, as behind a round-robin balancer (the bucket changed elsewhere since this instance saw it);</li>
 *   <li>{@code redis, local permits 4} and {@code jcache, local permits 4}: {@code aigw.state.local-permits=4}, so
 *       four of each user's five calls are decided on the state the instance last read;</li>
 *   <li>{@code jcache, async backup}: a cache configured with one asynchronous backup instead;</li>
 *   <li>{@code jcache, tuned} (and with an asynchronous backup): a second cluster whose members set
 *       {@link #tunedProperties()};</li>
 *   <li>{@code jcache, member apart} (and tuned): the second member in a JVM of its own.</li>
 * </ul>
 * One client sends sequential GETs, each as one of 64 users per cell (so that buckets spread over the data grid's
 * partitions as real users' would), in interleaved rounds whose order rotates (see {@link Cells}). For each cell:
 * p50/p90/p99, the p50 added to memory with its 95 % interval, CPU time per call (this JVM, and redis-server) and the
 * Redis commands per call. Then the engine operations alone ({@link StateOps}).
 *
 * <p>{@code bench/run-state} ({@code java ... dev.aigw.bench.StateLatency [rounds] [callsPerRound]})
 */
public final class StateLatency {
    static final int USERS = 64;
    static final String PASSWORD = "bench-pw";
    /** The cache with one asynchronous backup (and no synchronous one). */
    static final String ASYNC_CACHE = "aigw-async-backup";
    /** The cache with no backup at all (a rate limit's buckets are state that can be rebuilt). */
    static final String NO_BACKUP_CACHE = "aigw-no-backup";
    /** {@code aigw.state.local-permits} of the "local permits" cells: four of five calls decided locally. */
    static final int LOCAL_PERMITS = 4;

    private StateLatency() {
    }

    public static void main(String[] args) throws Exception {
        try {
            run(args);
        } catch (Throwable t) { // the members' and servers' threads would keep the JVM alive
            t.printStackTrace();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 30;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        Path redisDir = Files.createTempDirectory("aigw-bench-redis");
        int redisPort = freePort();
        Process redis = new ProcessBuilder("redis-server", "--port", Integer.toString(redisPort), "--bind",
                "127.0.0.1", "--requirepass", PASSWORD, "--save", "", "--appendonly", "no", "--dir",
                redisDir.toString()).redirectErrorStream(true).redirectOutput(redisDir.resolve("log").toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(redis::destroyForcibly));
        Map<String, String> tuned = tunedProperties();
        Grid grid = Grid.start("jcache", 2, 0, Map.of());
        Grid gridTuned = Grid.start("jcache, tuned", 2, 0, tuned);
        Grid apart = Grid.start("jcache, member apart", 1, 1, Map.of());
        Grid apartTuned = Grid.start("jcache, member apart, tuned", 1, 1, tuned);
        List<Grid> grids = List.of(grid, gridTuned, apart, apartTuned);
        CacheManager jcache = grid.manager;
        jcache.createCache(ASYNC_CACHE, asyncBackupCache());
        jcache.createCache(NO_BACKUP_CACHE, cache(0, 0));
        gridTuned.manager.createCache(ASYNC_CACHE, asyncBackupCache());
        Server upstream = new Server();
        ServerConnector uc = new ServerConnector(upstream);
        uc.setHost("127.0.0.1");
        upstream.addConnector(uc);
        upstream.setHandler(new UpstreamHandler());
        upstream.start();
        waitForRedis(redisPort);

        String redisUrl = "redis://:" + PASSWORD + "@127.0.0.1:" + redisPort + "/0";
        Map<String, SharedState> states = new LinkedHashMap<>();
        states.put("memory", SharedState.memory());
        states.put("redis", SharedState.builder().redis(redisUrl).build());
        states.put("redis-b", SharedState.builder().redis(redisUrl).build());
        states.put("redis-local", SharedState.builder().redis(redisUrl).localPermits(LOCAL_PERMITS).build());
        states.put("jcache", SharedState.builder().jcache(jcache).build());
        states.put("jcache-local", SharedState.builder().jcache(jcache).localPermits(LOCAL_PERMITS).build());
        states.put("jcache-async", SharedState.builder().jcache(jcache, ASYNC_CACHE).build());
        states.put("jcache-nobackup", SharedState.builder().jcache(jcache, NO_BACKUP_CACHE).build());
        states.put("jcache-tuned", SharedState.builder().jcache(gridTuned.manager).build());
        states.put("jcache-tuned-async", SharedState.builder().jcache(gridTuned.manager, ASYNC_CACHE).build());
        states.put("jcache-apart", SharedState.builder().jcache(apart.manager).build());
        states.put("jcache-apart-tuned", SharedState.builder().jcache(apartTuned.manager).build());

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
            contexts.add(context(e.getKey(), AigwProxyFilter.builder().gateway(g).path("/replicate")
                    .replicateToken("r8_benchtoken").access(r -> true, "anyone").rateLimit("100000000/min")
                    .state(e.getValue()).build()));
        }
        server.setHandler(new Handler.Sequence(contexts.toArray(Handler[]::new)));
        server.start();

        String base = "http://127.0.0.1:" + c.getLocalPort() + "/";
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        Map<String, HttpRequest[]> requests = new HashMap<>();
        Jedis admin = new Jedis("127.0.0.1", redisPort, DefaultJedisClientConfig.builder().password(PASSWORD).build());
        long[] others = java.util.stream.LongStream.concat(java.util.stream.LongStream.of(redis.pid()),
                java.util.stream.LongStream.concat(java.util.Arrays.stream(apart.childPids()),
                        java.util.Arrays.stream(apartTuned.childPids()))).toArray();
        Cells cells = new Cells(rounds, perRound, others, () -> {
            Map<String, Long> calls = commandCalls(admin);
            return new long[]{calls.getOrDefault("eval", 0L), calls.getOrDefault("get", 0L)};
        });
        cells.add("memory", i -> send(http, requests, base, "memory", "memory", i));
        cells.add("redis", i -> send(http, requests, base, "redis", "redis", i));
        cells.add("redis, 2 instances", i -> send(http, requests, base, (i / USERS) % 2 == 0 ? "redis" : "redis-b",
                "alternating", i));
        cells.add("redis, local permits " + LOCAL_PERMITS, i -> send(http, requests, base, "redis-local",
                "redis-local", i));
        cells.add("jcache", i -> send(http, requests, base, "jcache", "jcache", i));
        cells.add("jcache, local permits " + LOCAL_PERMITS, i -> send(http, requests, base, "jcache-local",
                "jcache-local", i));
        cells.add("jcache, async backup", i -> send(http, requests, base, "jcache-async", "jcache-async", i));
        cells.add("jcache, no backup", i -> send(http, requests, base, "jcache-nobackup", "jcache-nobackup", i));
        cells.add("jcache, tuned", i -> send(http, requests, base, "jcache-tuned", "jcache-tuned", i));
        cells.add("jcache, tuned, async backup", i -> send(http, requests, base, "jcache-tuned-async",
                "jcache-tuned-async", i));
        cells.add("jcache, member apart", i -> send(http, requests, base, "jcache-apart", "jcache-apart", i));
        cells.add("jcache, member apart, tuned", i -> send(http, requests, base, "jcache-apart-tuned",
                "jcache-apart-tuned", i));
        cells.run();
        admin.close();

        double l0 = Cells.load();
        System.out.printf("%d rounds × %d sequential proxied GETs per cell, %d users per cell; load average (1 min) "
                + "over the rounds %s; \"tuned\": the members' properties %s%n%n", rounds, perRound, USERS,
                cells.loadRange(), tuned);
        System.out.println("| proxied GET | p50 µs | p90 µs | p99 µs | p50 added vs memory, µs (95 % interval) "
                + "| JVM CPU µs/call | redis-server / member JVM CPU µs/call | Redis round trips/call |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (String name : cells.names()) {
            double[] added = cells.addedP50(name, "memory");
            boolean r = name.startsWith("redis");
            // each EVAL's script makes one GET inside it; the other GETs were sent on their own
            double evals = cells.countedPerCall(name, 0);
            double gets = cells.countedPerCall(name, 1) - evals;
            System.out.printf("| %s | %.0f | %.0f | %.0f | %s | %.0f | %s | %s |%n", name, cells.percentile(name, 50),
                    cells.percentile(name, 90), cells.percentile(name, 99), name.equals("memory") ? "—"
                            : String.format("%+.0f (%+.0f … %+.0f)", added[0], added[1], added[2]),
                    cells.cpuPerCall(name), r ? String.format("%.0f", cells.otherCpuPerCall(name, 0))
                            : name.equals("jcache, member apart") ? String.format("%.0f", cells.otherCpuPerCall(name, 1))
                            : name.equals("jcache, member apart, tuned")
                            ? String.format("%.0f", cells.otherCpuPerCall(name, 2)) : "—",
                    r ? String.format("%.2f (%.2f EVAL + %.2f GET)", evals + gets, evals, gets) : "—");
        }

        System.out.println();
        System.out.println("JVM CPU µs per proxied call by thread group (GC and VM threads not included):");
        System.out.println();
        List<String> groups = new ArrayList<>();
        for (String name : cells.names()) {
            cells.cpuPerCallByThreads(name).keySet().stream().filter(g -> !groups.contains(g)).forEach(groups::add);
        }
        System.out.println("| cell | " + String.join(" | ", groups) + " |");
        System.out.println("|---|" + "---|".repeat(groups.size()));
        for (String name : cells.names()) {
            Map<String, Double> by = cells.cpuPerCallByThreads(name);
            StringBuilder row = new StringBuilder("| " + name + " |");
            for (String g : groups) {
                row.append(String.format(" %.0f |", by.getOrDefault(g, 0.0)));
            }
            System.out.println(row);
        }
        System.out.println();
        StateOps.run(redisUrl, grids, rounds, Math.max(100, perRound));
        System.out.printf("%nload average (1 min) at the end: %.1f (%.1f before the engine operations)%n",
                Cells.load(), l0);

        server.stop();
        for (Gateway g : gateways) {
            g.close();
        }
        states.values().forEach(SharedState::close);
        upstream.stop();
        for (Grid g : grids) {
            g.close();
        }
        redis.destroy();
        redis.waitFor(10, TimeUnit.SECONDS);
        System.exit(0);
    }

    /** A context {@code /name} with the proxy at {@code /replicate}, after a filter naming the caller (header). */
    private static ServletContextHandler context(String name, Filter proxy) {
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath("/" + name);
        FilterRegistration.Dynamic user = ctx.getServletContext().addFilter("bench-user", (req, resp, chain) -> {
            String who = ((HttpServletRequest) req).getHeader("X-Bench-User");
            chain.doFilter(new HttpServletRequestWrapper((HttpServletRequest) req) {
                @Override
                public Principal getUserPrincipal() {
                    return who == null ? null : () -> who;
                }
            }, resp);
        });
        user.setAsyncSupported(true);
        user.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/replicate/*");
        FilterRegistration.Dynamic f = ctx.getServletContext().addFilter("aigw-proxy", proxy);
        f.setAsyncSupported(true);
        f.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true, "/replicate/*");
        ServletRegistration.Dynamic s = ctx.getServletContext().addServlet("unreached", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                resp.setStatus(500);
            }
        });
        s.setAsyncSupported(true);
        s.addMapping("/replicate/*");
        return ctx;
    }

    /** Call {@code i} of a cell: a GET through {@code /context} as user {@code users-(i mod 64)}. */
    private static void send(HttpClient http, Map<String, HttpRequest[]> requests, String base, String context,
                             String users, int i) throws Exception {
        HttpRequest[] rs = requests.computeIfAbsent(context + "|" + users, k -> {
            HttpRequest[] a = new HttpRequest[USERS];
            for (int u = 0; u < USERS; u++) {
                a[u] = HttpRequest.newBuilder(URI.create(base + context + "/replicate/predictions/x"))
                        .header("X-Bench-User", users + "-" + u).build();
            }
            return a;
        });
        HttpResponse<Void> r = http.send(rs[i % USERS], HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(context + ": HTTP " + r.statusCode());
        }
    }

    /** Untyped, expiring a day after the last write (as the cache aigw creates), one asynchronous backup. */
    private static CacheConfig<Object, Object> asyncBackupCache() {
        return cache(0, 1);
    }

    /** Untyped, expiring a day after the last write (as the cache aigw creates), with the backups given. */
    private static CacheConfig<Object, Object> cache(int backups, int asyncBackups) {
        CacheConfig<Object, Object> cfg = new CacheConfig<>();
        cfg.setBackupCount(backups);
        cfg.setAsyncBackupCount(asyncBackups);
        cfg.setExpiryPolicyFactory(ModifiedExpiryPolicy.factoryOf(javax.cache.expiry.Duration.ONE_DAY));
        return cfg;
    }

    /** {@code cmdstat_<name>:calls=N,...} lines of INFO commandstats, by command. */
    static Map<String, Long> commandCalls(Jedis admin) {
        Map<String, Long> calls = new HashMap<>();
        for (String line : admin.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                calls.put(line.substring(8, line.indexOf(':')), Long.parseLong(line.substring(
                        line.indexOf("calls=") + 6, line.indexOf(','))));
            }
        }
        return calls;
    }

    static int freePort() throws Exception {
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

    /**
     * The members' properties of the "tuned" grids: {@code -Daigw.bench.tuned=name=value,...}, by default
     * {@code hazelcast.operation.response.thread.count=0} (the I/O thread that reads a response completes the waiting
     * caller itself instead of handing it to a response thread).
     */
    static Map<String, String> tunedProperties() {
        Map<String, String> props = new LinkedHashMap<>();
        for (String kv : System.getProperty("aigw.bench.tuned", "hazelcast.operation.response.thread.count=0")
                .split(",")) {
            if (!kv.isBlank()) {
                props.put(kv.substring(0, kv.indexOf('=')).trim(), kv.substring(kv.indexOf('=') + 1).trim());
            }
        }
        return props;
    }
}
