package dev.aigw.bench;

import dev.aigw.Gateway;
import dev.aigw.servlet.AigwProxyFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.client.Request;
import org.eclipse.jetty.ee10.proxy.ProxyServlet;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryType;
import java.lang.management.MemoryUsage;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * One server of the proxy load harness, run in its own JVM by {@link ProxyLoad}: the upstream, or a proxy in front of
 * it. Prints {@code AIGW-BENCH READY <port>} and then answers commands on stdin, one per line:
 * {@code stats} prints {@code AIGW-BENCH STATS <live threads> <peak threads since last stats> <heap used> <heap
 * after last GC> <process CPU time, ns> <live aigw-proxy threads> <bytes allocated by all threads so far> <CPU time
 * of the JIT compiler threads, ns, or -1>} and resets the peak; {@code quit} exits.
 *
 * <p>Roles: {@code upstream}; {@code aigw-jetty}, {@code peer-jetty} (Jetty 12.1 ee10), {@code aigw-tomcat},
 * {@code peer-tomcat} (Tomcat 10.1). "aigw" is {@link AigwProxyFilter} through a gateway whose base URL is the
 * upstream, with its default upstream client (Jetty's, which is on this class path); {@code aigw-jdk-<container>}
 * takes the JDK's client ({@code aigw.proxy.upstream=jdk}), {@code aigw-jdkdirect-<container>} the JDK's client on a
 * same-thread executor (through the public client wrapper), {@code aigw-nolog-<container>} the default without the
 * summary log line ({@code aigw.log=off}: the records are made, no listener takes them). "peer" is Jetty's {@code ProxyServlet.Transparent} to the
 * same upstream path, adding the same two credentials headers; {@code peer-log-<container>} the same writing an access
 * line per request ({@link LoggingPeerProxy}). Both answer at {@code /replicate/*}. Same thread pool size (200) and accept queue on both
 * containers; Tomcat keeps connections alive without a request limit, as Jetty does.
 */
public final class LoadServer {
    static final String MARK = "AIGW-BENCH ";
    static final String ACCOUNT = ClientOverheadBenchmark.ACCOUNT;
    static final String GATEWAY_PATH = "/v1/" + ACCOUNT + "/bench/replicate";
    static final int THREADS = 200;
    @SuppressWarnings("unused")
    private static java.util.logging.Logger quietLog;
    /** Told the time a request entered the container's filter chain, before the proxy ({@link Timeline}); or null. */
    static volatile java.util.function.LongConsumer entryStamp;

    private LoadServer() {
    }

    public static void main(String[] args) throws Exception {
        String role = args[0];
        int upstreamPort = args.length > 1 ? Integer.parseInt(args[1]) : 0;
        // the records are formatted, then dropped; held here, since JUL holds loggers weakly and a collected one
        // would fall back to the console handler (every line written to the server's log file)
        // -Dbench.log.formatter=tomcat-one-line: the line formatted as a standalone Tomcat's logging would
        quietLog = quietLogger("dev.aigw.exchange");
        Started started = start(role, upstreamPort, null);
        AutoCloseable server = started.server();
        int port = started.port();
        System.out.println(MARK + "READY " + port);
        System.out.flush();
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        threads.resetPeakThreadCount();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        for (String line; (line = in.readLine()) != null; ) {
            if (line.equals("stats")) {
                int peak = threads.getPeakThreadCount();
                threads.resetPeakThreadCount();
                System.out.println(MARK + "STATS " + threads.getThreadCount() + " " + peak + " " + heapUsed() + " "
                        + heapAfterLastGc() + " " + cpuNanos() + " " + threadsNamed("aigw-proxy-") + " "
                        + allocatedBytes() + " " + jitCpuNanos());
                System.out.flush();
            } else if (line.equals("quit")) {
                break;
            }
        }
        try {
            server.close();
        } finally {
            System.exit(0);
        }
    }

    /** A started server: its port, and how to stop it. */
    record Started(int port, AutoCloseable server) {
    }

    /**
     * Starts one role's server in this JVM; {@code upstreamHandler} replaces the upstream's handler (null: the
     * {@link UpstreamHandler}). Proxies get the {@link #entryStamp} filter in front when it is set.
     */
    static Started start(String role, int upstreamPort, Handler upstreamHandler) throws Exception {
        AutoCloseable server;
        int port;
        switch (role) {
            case "upstream" -> {
                Server s = jetty();
                s.setHandler(upstreamHandler == null ? new UpstreamHandler() : upstreamHandler);
                s.start();
                server = s::stop;
                port = ((ServerConnector) s.getConnectors()[0]).getLocalPort();
            }
            case "aigw-jetty", "aigw-jdk-jetty", "aigw-jdkdirect-jetty", "aigw-nolog-jetty", "peer-jetty",
                 "peer-log-jetty" -> {
                Server s = jetty();
                ServletContextHandler ctx = new ServletContextHandler();
                ctx.setContextPath("/");
                ctx.addServletContainerInitializer(new App(role, true, upstreamPort));
                s.setHandler(ctx);
                s.start();
                server = s::stop;
                port = ((ServerConnector) s.getConnectors()[0]).getLocalPort();
            }
            case "aigw-tomcat", "aigw-jdk-tomcat", "aigw-jdkdirect-tomcat", "aigw-nolog-tomcat", "peer-tomcat",
                 "peer-log-tomcat" -> {
                Path base = Files.createTempDirectory("aigw-bench-tomcat");
                Tomcat t = new Tomcat();
                t.setBaseDir(base.toString());
                Connector c = new Connector();
                c.setPort(0);
                c.setProperty("address", "127.0.0.1");
                c.setProperty("maxThreads", Integer.toString(THREADS));
                c.setProperty("acceptCount", "1024");
                c.setProperty("maxKeepAliveRequests", "-1");
                t.getService().addConnector(c);
                t.setConnector(c);
                Context ctx = t.addContext("", Files.createDirectories(base.resolve("docbase")).toString());
                ctx.addServletContainerInitializer(new App(role, false, upstreamPort), null);
                t.start();
                server = () -> {
                    t.stop();
                    t.destroy();
                };
                port = c.getLocalPort();
            }
            default -> throw new IllegalArgumentException("unknown role " + role + " (upstream, aigw[-jdk|-jdkdirect|-nolog]-"
                    + "jetty, peer[-log]-jetty, aigw[-jdk|-jdkdirect|-nolog]-tomcat, peer[-log]-tomcat)");
        }
        return new Started(port, server);
    }

    private static Server jetty() {
        QueuedThreadPool pool = new QueuedThreadPool(THREADS, 8);
        pool.setName("jetty");
        Server s = new Server(pool);
        ServerConnector c = new ServerConnector(s);
        c.setHost("127.0.0.1");
        c.setPort(0);
        c.setAcceptQueueSize(1024);
        s.addConnector(c);
        return s;
    }

    /** CPU time of this whole process: on a shared machine, CPU per request is steadier than requests per second. */
    static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
                .getProcessCpuTime();
    }

    /**
     * CPU time of the JIT compiler threads so far, from {@code /proc/self/task} (they are not Java threads the
     * management beans list), or -1 elsewhere. A server's first minute is largely compiling: on two loaded cores the
     * C2 compiler took half of each server's CPU in a 256-client cell that started 25 s after the server did.
     */
    static long jitCpuNanos() {
        long ticks = 0;
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path t : (Iterable<Path>) tasks::iterator) {
                String stat;
                try {
                    stat = Files.readString(t.resolve("stat"));
                } catch (java.io.IOException e) {
                    continue; // the thread ended meanwhile
                }
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String name = stat.substring(open + 1, close);
                if (name.startsWith("C1 Compiler") || name.startsWith("C2 Compiler")) {
                    String[] f = stat.substring(close + 2).split(" ");
                    ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return -1;
        }
        return ticks * 10_000_000L; // clock ticks of 1/100 s (USER_HZ)
    }

    /**
     * Bytes allocated by every thread of this JVM so far: the JVM's own total where it keeps one (JDK 21+), else the
     * sum over live threads (a thread that ended takes its count with it; the servers' pools keep theirs alive under
     * load).
     */
    static long allocatedBytes() {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        try {
            return (long) com.sun.management.ThreadMXBean.class.getMethod("getTotalThreadAllocatedBytes").invoke(mx);
        } catch (ReflectiveOperationException | RuntimeException e) {
            long sum = 0;
            for (long b : mx.getThreadAllocatedBytes(mx.getAllThreadIds())) {
                sum += Math.max(0, b);
            }
            return sum;
        }
    }

    /** Live threads whose name starts with {@code prefix} (aigw's proxy names its upstream client's threads). */
    static int threadsNamed(String prefix) {
        int n = 0;
        for (Thread t : Thread.getAllStackTraces().keySet()) {
            if (t.getName().startsWith(prefix)) {
                n++;
            }
        }
        return n;
    }

    static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    /** Heap in use right after the most recent collection (young or full), over all heap pools. */
    static long heapAfterLastGc() {
        com.sun.management.GcInfo last = null;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof com.sun.management.GarbageCollectorMXBean g) {
                com.sun.management.GcInfo i = g.getLastGcInfo();
                if (i != null && (last == null || i.getEndTime() > last.getEndTime())) {
                    last = i;
                }
            }
        }
        if (last == null) {
            return -1;
        }
        Set<String> heapPools = new java.util.HashSet<>();
        ManagementFactory.getMemoryPoolMXBeans().forEach(p -> {
            if (p.getType() == MemoryType.HEAP) {
                heapPools.add(p.getName());
            }
        });
        long sum = 0;
        for (Map.Entry<String, MemoryUsage> e : last.getMemoryUsageAfterGc().entrySet()) {
            if (heapPools.contains(e.getKey())) {
                sum += e.getValue().getUsed();
            }
        }
        return sum;
    }

    /** The proxy under test, registered through the portable Servlet API so that both containers get the same. */
    static final class App implements ServletContainerInitializer {
        private final String role;
        private final boolean aigw;
        private final boolean jetty;
        private final int upstreamPort;

        App(String role, boolean jetty, int upstreamPort) {
            this.role = role;
            this.aigw = role.startsWith("aigw");
            this.jetty = jetty;
            this.upstreamPort = upstreamPort;
        }

        @Override
        public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
            java.util.function.LongConsumer stamp = entryStamp;
            if (stamp != null) {
                FilterRegistration.Dynamic t = ctx.addFilter("timeline-entry", (jakarta.servlet.Filter) (q, r, c) -> {
                    stamp.accept(System.nanoTime());
                    c.doFilter(q, r);
                });
                t.setAsyncSupported(true);
                t.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/replicate/*");
            }
            if (aigw) {
                Gateway gateway = Gateway.builder().accountId(ACCOUNT).gatewayId("bench").token("cf-bench-token")
                        .baseUrl("http://127.0.0.1:" + upstreamPort + "/v1")
                        .log(role.startsWith("aigw-nolog-") ? Gateway.Log.OFF : Gateway.Log.SUMMARY).build();
                // a gateway handed to the builder stays the application's: it closes it (its records thread) on stop
                ctx.addListener(new jakarta.servlet.ServletContextListener() {
                    @Override
                    public void contextDestroyed(jakarta.servlet.ServletContextEvent e) {
                        gateway.close();
                    }
                });
                AigwProxyFilter.Builder b = AigwProxyFilter.builder().gateway(gateway).path("/replicate")
                        .replicateToken("r8_benchtoken").access(r -> true, "anyone")
                        .maxConcurrent(4096, 4096); // every client of the harness is one address: no cap may refuse it
                if (role.startsWith("aigw-jdk-")) {
                    b.upstream("jdk");
                } else if (role.startsWith("aigw-jdkdirect-")) {
                    // the JDK client on the thread that completes each step, not handed to a pool
                    b.upstreamClient(c -> HttpClient.newBuilder().executor(Runnable::run)
                            .followRedirects(HttpClient.Redirect.NEVER).build());
                }
                FilterRegistration.Dynamic f = ctx.addFilter("aigw-proxy", b.build());
                f.setAsyncSupported(true);
                f.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false,
                        "/replicate/*");
                // Tomcat runs a filter chain only for a mapped servlet; the filter answers every request itself.
                ServletRegistration.Dynamic s = ctx.addServlet("unreached", new HttpServlet() {
                    @Override
                    protected void service(HttpServletRequest req, HttpServletResponse resp) {
                        resp.setStatus(500);
                    }
                });
                s.setAsyncSupported(true);
                s.addMapping("/replicate/*");
            } else {
                ServletRegistration.Dynamic s = ctx.addServlet("peer", role.startsWith("peer-log-")
                        ? new LoggingPeerProxy() : new PeerProxy());
                s.setInitParameter("proxyTo", "http://127.0.0.1:" + upstreamPort + GATEWAY_PATH);
                s.setInitParameter("prefix", "/replicate");
                if (!jetty) {
                    // ProxyServlet takes Jetty's server executor from a context attribute; elsewhere it needs a pool
                    // of its own ("No server executor for proxy" otherwise)
                    s.setInitParameter("maxThreads", Integer.toString(THREADS));
                }
                s.setAsyncSupported(true);
                s.setLoadOnStartup(1);
                s.addMapping("/replicate/*");
            }
        }
    }

    /** Jetty's transparent proxy, adding the credentials aigw's proxy adds, so both send the same request. */
    public static class PeerProxy extends ProxyServlet.Transparent {
        @Override
        protected void addProxyHeaders(HttpServletRequest clientRequest, Request proxyRequest) {
            super.addProxyHeaders(clientRequest, proxyRequest);
            proxyRequest.headers(h -> h.put("cf-aig-authorization", "Bearer cf-bench-token")
                    .put("Authorization", "Bearer r8_benchtoken"));
        }
    }

    /**
     * The peer with an access line per request, as a reverse proxy in production keeps one: written through the same
     * java.util.logging logger setup and formatter as aigw's summary line (formatted, then dropped), with the fields
     * an access log carries (method, URL, status, time, bytes, the upstream's request id). It answers how far aigw's
     * cost over {@code ProxyServlet} is the cost of logging each call at all (docs/PERFORMANCE.md, "A peer that logs").
     */
    public static final class LoggingPeerProxy extends PeerProxy {
        private static final String START = LoggingPeerProxy.class.getName() + ".start";
        // held: JUL holds loggers weakly, and a collected one would fall back to the console handler
        private static final java.util.logging.Logger ACCESS = quietLogger("bench.peer-access");

        @Override
        protected void service(HttpServletRequest request, HttpServletResponse response)
                throws jakarta.servlet.ServletException, java.io.IOException {
            request.setAttribute(START, System.nanoTime());
            super.service(request, response);
        }

        @Override
        protected void onProxyResponseSuccess(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                              org.eclipse.jetty.client.Response serverResponse) {
            Access line = new Access(clientRequest); // read before the request completes (it may be recycled after)
            super.onProxyResponseSuccess(clientRequest, proxyResponse, serverResponse);
            line.log(serverResponse, null); // written after, as a container's access log
        }

        @Override
        protected void onProxyResponseFailure(HttpServletRequest clientRequest, HttpServletResponse proxyResponse,
                                              org.eclipse.jetty.client.Response serverResponse, Throwable failure) {
            Access line = new Access(clientRequest); // aigw records every call, failed ones too
            super.onProxyResponseFailure(clientRequest, proxyResponse, serverResponse, failure);
            line.log(serverResponse, failure);
        }

        /** What the line says of the client's request, read while it is still this call's. */
        private static final class Access {
            private final long ns;
            private final String method;
            private final StringBuffer url;
            private final long sent;

            Access(HttpServletRequest request) {
                this.ns = System.nanoTime() - (Long) request.getAttribute(START);
                this.method = request.getMethod();
                this.url = request.getRequestURL();
                this.sent = Math.max(0, request.getContentLengthLong());
            }

            void log(org.eclipse.jetty.client.Response response, Throwable failure) {
                ACCESS.logp(java.util.logging.Level.INFO, LoggingPeerProxy.class.getName(), "access", "peer " + method
                        + " " + url + " -> " + (response == null ? 502 : response.getStatus()) + " in "
                        + String.format(java.util.Locale.ROOT, "%.1f", ns / 1e6) + " ms id="
                        + (response == null ? null : response.getHeaders().get("cf-aig-log-id")) + " sent=" + sent
                        + "B received=" + (response == null ? -1 : response.getHeaders().getLongField(
                        "Content-Length")) + "B" + (failure == null ? "" : " error=" + failure.getClass().getName()));
            }
        }
    }

    /** {@code name}'s logger formatting every record with the harness's formatter, then dropping it. */
    static java.util.logging.Logger quietLogger(String name) {
        java.util.logging.Logger l = ClientOverheadBenchmark.quietLogger(name);
        l.getHandlers()[0].setFormatter(ClientOverheadBenchmark.formatter(
                System.getProperty("bench.log.formatter", "jdk-simple")));
        return l;
    }
}
