package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.ServletContainer;

import jakarta.servlet.ServletContainerInitializer;
import org.eclipse.jetty.ee11.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Jetty 12.1, EE 11 environment (Servlet 6.1). */
public final class JettyEe11Container implements ServletContainer {
    private Server server;
    private QueuedThreadPool pool;

    @Override
    public URI start(String contextPath, Map<String, String> initParams, ServletContainerInitializer app)
            throws Exception {
        // the connector's acceptor and selector run on the pool too: WORKERS are left for requests
        pool = new QueuedThreadPool(WORKERS + 2, 4);
        pool.setName("jetty-ee11");
        server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        // HTTP/1.1 and cleartext HTTP/2 (h2c, by upgrade or prior knowledge) on one port
        ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http),
                new HTTP2CServerConnectionFactory(http));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler ctx = new ServletContextHandler(ServletContextHandler.SESSIONS);
        ctx.setContextPath(contextPath);
        initParams.forEach(ctx::setInitParameter);
        ctx.addServletContainerInitializer(app);
        server.setHandler(ctx);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + contextPath);
    }

    @Override
    public URI deployWar(String contextPath, Path explodedWar) throws Exception {
        server = new Server(new QueuedThreadPool(32, 2));
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(contextPath);
        webapp.setWar(explodedWar.toString());
        webapp.addConfiguration(new AnnotationConfiguration()); // discovers ServletContainerInitializers
        webapp.setThrowUnavailableOnStartupException(true);
        server.setHandler(webapp);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + contextPath);
    }

    @Override
    public int busyWorkers() {
        return pool == null ? -1 : pool.getUtilizedThreads(); // busy, less the connector's own threads
    }

    @Override
    public String name() {
        return "jetty-12.1-ee11";
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.stop();
        }
    }
}
