package dev.aigw.samples.embedded;

import dev.aigw.samples.RecentCalls;
import dev.aigw.samples.SampleInitializer;
import dev.aigw.servlet.AigwInitializer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

import java.io.IOException;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The sample app on embedded Jetty (EE 10), set up exactly as a servlet container sets up the WAR: aigw's
 * initializer and the app's, with the settings as context init-params.
 */
public final class EmbeddedApp implements AutoCloseable {
    /**
     * The settings the WAR carries in its {@code web.xml}, so that both ways of running the app behave alike
     * ({@code WebXmlTest} keeps the two equal).
     */
    public static final Map<String, String> WEB_XML_SETTINGS = Map.of(
            "aigw.proxy.path", "/replicate",
            "aigw.context.metadata", "user_id=principal, route=route");

    private final Server server;
    private final ServletContextHandler context;
    private final URI uri;

    private EmbeddedApp(Server server, ServletContextHandler context, URI uri) {
        this.server = server;
        this.context = context;
        this.uri = uri;
    }

    /**
     * Binds {@code host:port} (0: any free port), then starts the app with the settings {@code settings} gives for
     * the app's own address (the webhook URL needs it).
     *
     * @throws IOException when the port cannot be bound (e.g. in use); nothing is left running then
     */
    public static EmbeddedApp start(String host, int port, Function<URI, Map<String, String>> settings)
            throws Exception {
        QueuedThreadPool threads = new QueuedThreadPool(64, 4);
        threads.setName("samples-jetty");
        Server server = new Server(threads);
        ServerConnector connector = new ServerConnector(server);
        connector.setHost(host);
        connector.setPort(port);
        server.addConnector(connector);
        try {
            connector.open(); // bind first: a busy port fails here, before anything starts
        } catch (IOException e) {
            server.stop();
            throw e;
        }
        URI uri = URI.create("http://" + host + ":" + connector.getLocalPort());

        ServletContextHandler context = new ServletContextHandler();
        context.setContextPath("/");
        Map<String, String> params = new LinkedHashMap<>(WEB_XML_SETTINGS);
        params.putAll(settings.apply(uri));
        params.forEach(context::setInitParameter);
        // The app's initializer first: it offers its own gateway, which aigw then uses instead of building one.
        context.addServletContainerInitializer(new SampleInitializer());
        context.addServletContainerInitializer(new AigwInitializer());
        server.setHandler(context);
        // No graceful wait on stop: the pages' event streams never end by themselves, and Ctrl-C should be quick.
        server.setStopTimeout(0);
        try {
            server.start();
        } catch (Exception e) {
            server.stop();
            throw e;
        }
        return new EmbeddedApp(server, context, uri);
    }

    /** Where the app answers, e.g. {@code http://127.0.0.1:8080}. */
    public URI uri() {
        return uri;
    }

    /** The app's call log. */
    public RecentCalls calls() {
        return (RecentCalls) context.getServletContext().getAttribute(SampleInitializer.CALLS_ATTRIBUTE);
    }

    public void join() throws InterruptedException {
        server.join();
    }

    @Override
    public void close() {
        try {
            server.stop();
        } catch (Exception e) {
            throw new IllegalStateException("could not stop Jetty", e);
        }
    }
}
