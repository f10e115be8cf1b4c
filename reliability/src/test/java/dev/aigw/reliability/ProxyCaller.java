package dev.aigw.reliability;

import dev.aigw.Gateway;
import dev.aigw.servlet.AigwProxyFilter;
import jakarta.servlet.DispatcherType;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
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
import java.time.Duration;
import java.util.EnumSet;

/**
 * The proxy path: {@link AigwProxyFilter} at {@code /replicate} on an embedded Jetty 12 ee10 server (loopback,
 * ephemeral port), called by a plain {@link HttpURLConnection} client with its own timeouts.
 */
final class ProxyCaller implements Caller {
    private final Server server;
    private final String root;
    private final Duration connectTimeout;
    private final Duration readTimeout;

    ProxyCaller(Gateway gateway, String replicateToken, Duration proxyTimeout, Duration connectTimeout,
                Duration readTimeout) throws Exception {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        QueuedThreadPool pool = new QueuedThreadPool(200, 8);
        pool.setName("proxy-jetty");
        server = new Server(pool);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath("/app");
        FilterHolder proxy = new FilterHolder(AigwProxyFilter.builder().gateway(gateway).path("/replicate")
                .replicateToken(replicateToken).access(r -> true, "anyone")
                .timeout(proxyTimeout).connectTimeout(connectTimeout).build());
        proxy.setAsyncSupported(true);
        ctx.addFilter(proxy, "/replicate/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        server.setHandler(ctx);
        server.start();
        root = "http://127.0.0.1:" + connector.getLocalPort() + "/app/replicate";
    }

    @Override
    public String name() {
        return "proxy";
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
        server.stop();
    }
}
