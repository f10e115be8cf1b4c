package dev.aigw.servlet.suite;

import jakarta.servlet.ServletContainerInitializer;
import org.eclipse.jetty.ee10.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.handler.ContextHandler;

import java.nio.file.Path;
import java.util.Map;

/** Jetty 12.1, EE 10 environment (Servlet 6.0). */
public final class JettyEe10Container extends JettyContainer {
    public JettyEe10Container() {
        super("ee10");
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
