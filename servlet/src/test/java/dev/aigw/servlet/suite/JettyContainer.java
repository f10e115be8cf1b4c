package dev.aigw.servlet.suite;

import jakarta.servlet.ServletContainerInitializer;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.ContextHandler;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/**
 * Jetty 12.1 with one of its EE environments: the server, connector and threads are Jetty's core and the same for
 * each; a subclass supplies the environment's servlet context and web application (their classes differ by package).
 */
public abstract class JettyContainer implements ServletContainer {
    private final String environment;
    private Server server;
    private QueuedThreadPool pool;
    private java.time.Duration idleTimeout;

    /** {@code environment}: {@code ee10}, {@code ee11}. */
    protected JettyContainer(String environment) {
        this.environment = environment;
    }

    /** The connector's idle timeout, which also fails a blocking read that waits longer (Jetty's default: 30 s). */
    public JettyContainer idleTimeout(java.time.Duration timeout) {
        this.idleTimeout = timeout;
        return this;
    }

    /** A servlet context with these init-params, set up by {@code app}. */
    protected abstract ContextHandler servletContext(Map<String, String> initParams, ServletContainerInitializer app);

    /** The exploded WAR, its {@code ServletContainerInitializer}s discovered by scanning. */
    protected abstract ContextHandler webApp(Path explodedWar);

    @Override
    public URI start(String contextPath, Map<String, String> initParams, ServletContainerInitializer app)
            throws Exception {
        // the connector's acceptor and selector run on the pool too: WORKERS are left for requests
        pool = new QueuedThreadPool(WORKERS + 2, 4);
        pool.setName("jetty-" + environment);
        server = new Server(pool);
        HttpConfiguration http = new HttpConfiguration();
        // HTTP/1.1 and cleartext HTTP/2 (h2c, by upgrade or prior knowledge) on one port
        return serve(new ServerConnector(server, new HttpConnectionFactory(http),
                new HTTP2CServerConnectionFactory(http)), servletContext(initParams, app), contextPath);
    }

    @Override
    public URI deployWar(String contextPath, Path explodedWar) throws Exception {
        server = new Server(new QueuedThreadPool(32, 2));
        return serve(new ServerConnector(server), webApp(explodedWar), contextPath);
    }

    private URI serve(ServerConnector connector, ContextHandler context, String contextPath) throws Exception {
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        if (idleTimeout != null) {
            connector.setIdleTimeout(idleTimeout.toMillis());
        }
        server.addConnector(connector);
        context.setContextPath(contextPath);
        server.setHandler(context);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + contextPath);
    }

    @Override
    public int busyWorkers() {
        return pool == null ? -1 : pool.getUtilizedThreads(); // busy, less the connector's own threads
    }

    @Override
    public String name() {
        return "jetty-12.1-" + environment;
    }

    @Override
    public void close() throws Exception {
        if (server != null) {
            server.stop();
        }
    }
}
