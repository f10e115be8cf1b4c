package dev.aigw.opentelemetry;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.http.HttpServlet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

import java.net.URI;
import java.util.EnumSet;

/** An embedded Jetty 12 (ee10) application on 127.0.0.1, for a test: filters and servlets, stopped on close. */
final class WebServer implements AutoCloseable {
    private final Server server = new Server();
    private final ServletContextHandler context = new ServletContextHandler();

    WebServer filter(Filter filter, String path) {
        FilterHolder h = new FilterHolder(filter);
        h.setAsyncSupported(true);
        context.addFilter(h, path, EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
        return this;
    }

    WebServer servlet(HttpServlet servlet, String path) {
        ServletHolder h = new ServletHolder(servlet);
        h.setAsyncSupported(true);
        context.addServlet(h, path);
        return this;
    }

    WebServer start() throws Exception {
        ServerConnector c = new ServerConnector(server);
        c.setHost("127.0.0.1");
        c.setPort(0);
        server.addConnector(c);
        server.setHandler(context);
        server.start();
        return this;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + path);
    }

    @Override
    public void close() throws Exception {
        server.stop();
    }
}
