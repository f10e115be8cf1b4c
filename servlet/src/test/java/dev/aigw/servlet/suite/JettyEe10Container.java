package dev.aigw.servlet.suite;

import jakarta.servlet.ServletContainerInitializer;
import org.eclipse.jetty.ee10.annotations.AnnotationConfiguration;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Handler;

import java.nio.file.Path;
import java.util.Map;

/** Jetty 12.1, EE 10 environment (Servlet 6.0). */
public final class JettyEe10Container extends JettyContainer {
    public JettyEe10Container() {
        super("ee10");
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
