package dev.aigw.reliability;

import dev.aigw.Gateway;
import dev.aigw.servlet.AigwProxyFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.stream.Stream;

/**
 * The proxy path: {@link AigwProxyFilter} at {@code /app/replicate} in a servlet container (embedded Jetty 12 ee10 or
 * Tomcat 10.1; loopback, ephemeral port), registered by a {@link ServletContainerInitializer} as an application
 * would, and called by a plain {@link HttpURLConnection} client with its own timeouts.
 */
final class ProxyCaller implements Caller {
    enum Container { JETTY_EE10, TOMCAT_10 }

    private final Container container;
    private final String upstream;
    private final AutoCloseable server;
    private final String root;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    ProxyCaller(Container container, Gateway gateway, String replicateToken, Duration proxyTimeout,
                Duration connectTimeout, Duration readTimeout) throws Exception {
        this(container, "auto", gateway, replicateToken, proxyTimeout, connectTimeout, readTimeout);
    }

    /** @param upstream {@code aigw.proxy.upstream}: the proxy's client towards the gateway */
    ProxyCaller(Container container, String upstream, Gateway gateway, String replicateToken, Duration proxyTimeout,
                Duration connectTimeout, Duration readTimeout) throws Exception {
        this.container = container;
        this.upstream = upstream;
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        ServletContainerInitializer app = (classes, ctx) -> {
            FilterRegistration.Dynamic proxy = ctx.addFilter("aigw-proxy", AigwProxyFilter.builder().gateway(gateway)
                    .path("/replicate").replicateToken(replicateToken).access(r -> true, "anyone")
                    .timeout(proxyTimeout).connectTimeout(connectTimeout).upstream(upstream).build());
            proxy.setAsyncSupported(true);
            proxy.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true,
                    "/replicate/*");
            // Tomcat runs filters only for a mapped servlet; the proxy answers before it is reached
            ServletRegistration.Dynamic none = ctx.addServlet("not-found", new HttpServlet() {
                @Override
                protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    resp.sendError(404);
                }
            });
            none.setAsyncSupported(true);
            none.addMapping("/*");
        };
        int port;
        if (container == Container.JETTY_EE10) {
            QueuedThreadPool pool = new QueuedThreadPool(200, 8);
            pool.setName("proxy-jetty");
            Server jetty = new Server(pool);
            ServerConnector connector = new ServerConnector(jetty);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            jetty.addConnector(connector);
            ServletContextHandler ctx = new ServletContextHandler();
            ctx.setContextPath("/app");
            ctx.addServletContainerInitializer(app);
            jetty.setHandler(ctx);
            jetty.start();
            port = connector.getLocalPort();
            server = jetty::stop;
        } else {
            Path base = Files.createTempDirectory("aigw-reliability-tomcat");
            Tomcat tomcat = new Tomcat();
            tomcat.setBaseDir(base.toString());
            Connector connector = new Connector();
            connector.setPort(0);
            connector.setProperty("address", "127.0.0.1");
            connector.setProperty("maxThreads", "200");
            tomcat.getService().addConnector(connector);
            tomcat.setConnector(connector);
            Context ctx = tomcat.addContext("/app", Files.createDirectories(base.resolve("docbase")).toString());
            ctx.addServletContainerInitializer(app, null);
            tomcat.start();
            port = connector.getLocalPort();
            server = () -> {
                tomcat.stop();
                tomcat.destroy();
                try (Stream<Path> files = Files.walk(base)) {
                    files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            };
        }
        root = "http://127.0.0.1:" + port + "/app/replicate";
    }

    @Override
    public String name() {
        return "proxy on " + container + " (" + upstream + " upstream)";
    }

    private HttpURLConnection open(String method, String apiPath, String accept) throws IOException {
        HttpURLConnection c = (HttpURLConnection) URI.create(root + apiPath).toURL().openConnection();
        c.setConnectTimeout((int) connectTimeout.toMillis());
        c.setReadTimeout((int) readTimeout.toMillis());
        c.setRequestMethod(method);
        c.setRequestProperty("Accept", accept);
        return c;
    }

    @Override
    public Answer send(String method, String apiPath, String body) {
        long t0 = System.nanoTime();
        int status = 0;
        String type = null;
        HttpURLConnection c = null;
        try {
            c = open(method, apiPath, "application/json");
            if (body != null) {
                c.setDoOutput(true);
                c.setRequestProperty("Content-Type", "application/json");
                try (OutputStream out = c.getOutputStream()) {
                    out.write(body.getBytes(StandardCharsets.UTF_8));
                }
            }
            status = c.getResponseCode();
            type = c.getContentType();
            InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
            String read = in == null ? "" : new String(in.readAllBytes(), StandardCharsets.UTF_8);
            if (in != null) {
                in.close();
            }
            return new Answer(status, type, read, null, 0, JaxrsCaller.since(t0));
        } catch (IOException | RuntimeException e) {
            if (c != null) {
                c.disconnect();
            }
            return new Answer(status, type, null, e, 0, JaxrsCaller.since(t0));
        }
    }

    @Override
    public Answer stream(String apiPath, boolean leaveAfterFirstEvent) {
        long t0 = System.nanoTime();
        int status = 0;
        String type = null;
        int events = 0;
        StringBuilder read = new StringBuilder();
        HttpURLConnection c = null;
        try {
            c = open("GET", apiPath, "text/event-stream");
            status = c.getResponseCode();
            type = c.getContentType();
            BufferedReader lines = new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
            String line;
            boolean left = false;
            while (!left && (line = lines.readLine()) != null) {
                read.append(line).append('\n');
                if (line.startsWith("event:")) {
                    events++;
                }
                left = leaveAfterFirstEvent && line.startsWith("event: output");
            }
            if (left) {
                c.disconnect(); // the caller goes away: the socket closes mid-stream, nothing is drained
            } else {
                lines.close();
            }
            return new Answer(status, type, read.toString(), null, events, JaxrsCaller.since(t0));
        } catch (IOException | RuntimeException e) {
            if (c != null) {
                c.disconnect();
            }
            return new Answer(status, type, read.toString(), e, events, JaxrsCaller.since(t0));
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
    }
}
