package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.JettyContainer;

import jakarta.servlet.ServletContainerInitializer;
import org.eclipse.jetty.ee11.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee11.servlet.ServletContextHandler;
import org.eclipse.jetty.ee11.webapp.WebAppContext;
import org.eclipse.jetty.server.Handler;

import java.nio.file.Path;
import java.util.Map;

/** Jetty 12.1, EE 11 environment (Servlet 6.1). */
public final class JettyEe11Container extends JettyContainer {
    public JettyEe11Container() {
        super("ee11");
    }

    @Override
    protected Handler servletContext(String contextPath, Map<String, String> initParams,
            ServletContainerInitializer app) {
        ServletContextHandler ctx = new ServletContextHandler(ServletContextHandler.SESSIONS);
        ctx.setContextPath(contextPath);
        initParams.forEach(ctx::setInitParameter);
        ctx.addServletContainerInitializer(app);
        return ctx;
    }

    @Override
    protected Handler webApp(String contextPath, Path explodedWar) {
        WebAppContext webapp = new WebAppContext();
        webapp.setContextPath(contextPath);
        webapp.setWar(explodedWar.toString());
        webapp.addConfiguration(new AnnotationConfiguration()); // discovers ServletContainerInitializers
        webapp.setThrowUnavailableOnStartupException(true);
        return webapp;
    }
}
