package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.JettyContainer;

import jakarta.servlet.ServletContainerInitializer;
import org.eclipse.jetty.ee11.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.server.handler.ContextHandler;

import java.nio.file.Path;
import java.util.Map;

/** Jetty 12.1, EE 11 environment (Servlet 6.1). */
public final class JettyEe11Container extends JettyContainer {
    public JettyEe11Container() {
        super("ee11");
    }

    @Override
    protected ContextHandler servletContext(Map<String, String> initParams, ServletContainerInitializer app) {
        ServletContextHandler context = new ServletContextHandler(ServletContextHandler.SESSIONS);
        initParams.forEach(context::setInitParameter);
        context.addServletContainerInitializer(app);
        return context;
    }

    @Override
    protected ContextHandler webApp(Path explodedWar) {
        WebAppContext webapp = new WebAppContext(explodedWar.toString(), null);
        webapp.addConfiguration(new AnnotationConfiguration()); // discovers ServletContainerInitializers
        webapp.setThrowUnavailableOnStartupException(true);
        return webapp;
    }
}
