package dev.aigw.testkit.internal;

import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jetty.util.thread.ScheduledExecutorScheduler;

import java.io.UncheckedIOException;
import java.io.IOException;
import java.util.concurrent.TimeoutException;

/**
 * Embedded Jetty bound to 127.0.0.1 on a random port. All threads carry {@code name} as prefix so a test can
 * prove they are gone after {@link #stop()}; they are daemon threads so a forgotten fake never blocks JVM exit.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class JettyServer {
    private final Server server;
    private final ServerConnector connector;
    private final QueuedThreadPool pool;
    /** Remembered so URLs stay printable (and provably dead) after stop. */
    private volatile int port = -1;

    public JettyServer(String name, Handler handler) {
        pool = new QueuedThreadPool(64, 2);
        pool.setName(name);
        pool.setDaemon(true);
        pool.setStopTimeout(3000);
        ScheduledExecutorScheduler scheduler = new ScheduledExecutorScheduler(name + "-scheduler", true);
        server = new Server(pool, scheduler, null);
        HttpConfiguration config = new HttpConfiguration();
        // Routed paths must keep %2F etc. byte-for-byte; Jetty's default rejects "ambiguous" encodings with 400.
        config.setUriCompliance(UriCompliance.UNSAFE);
        config.setSendServerVersion(false);
        config.setSendXPoweredBy(false);
        connector = new ServerConnector(server, 1, 1, new HttpConnectionFactory(config));
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        // Sync predictions hold requests up to 60 s, so the idle timeout must be longer.
        connector.setIdleTimeout(120_000);
        server.addConnector(connector);
        server.setHandler(handler);
        server.setStopTimeout(3000);
    }

    public void start() {
        try {
            server.start();
            port = connector.getLocalPort();
        } catch (Exception e) {
            stop();
            throw new UncheckedIOException(new IOException("could not start fake server", e));
        }
    }

    public int port() {
        return port;
    }

    public void stop() {
        try {
            server.stop();
        } catch (Exception e) {
            // Stopping first lets requests in flight end, for up to the stop timeout; a relay stalled by a fault does
            // not, and Jetty then stops the rest and reports the wait's timeout. The fake is down all the same.
            if (!(e instanceof TimeoutException) || connector.isOpen() || !pool.isStopped()) {
                throw new IllegalStateException("could not stop fake server", e);
            }
        }
    }

    public boolean isRunning() {
        return server.isRunning();
    }
}
