package dev.aigw.servlet;

import dev.aigw.servlet.internal.GatewayHolder;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * Ties aigw to the web application's lifecycle. At the application's start it installs what {@link AigwInitializer}
 * installs, unless the initializer already did; at its end it closes the application's gateway (delivering the
 * records still queued and ending their thread), the gateways built for the application's JAX-RS clients, and
 * unbinds the application from aigw-jaxrs, so that nothing aigw started outlives the application or keeps its class
 * loader.
 *
 * <p>It is declared in aigw-servlet's {@code web-fragment.xml}, so it runs even where the container runs no
 * {@code ServletContainerInitializer} (Jetty without the annotations module); the initializer registers it as well,
 * for applications whose {@code web.xml} is {@code metadata-complete}. Declare it in {@code web.xml} yourself only
 * when neither runs (fragments and initializers both off).
 */
public final class AigwListener implements ServletContextListener {
    @Override
    public void contextInitialized(ServletContextEvent event) {
        AigwInitializer.install(event.getServletContext(), "listener");
    }

    @Override
    public void contextDestroyed(ServletContextEvent event) {
        GatewayHolder.stop(event.getServletContext());
    }
}
