package dev.aigw.servlet.suite;

import dev.aigw.Gateway;
import dev.aigw.GatewayContext;
import dev.aigw.internal.GatewayHeaders;
import dev.aigw.servlet.AigwRequestContextFilter;
import dev.aigw.servlet.RequestMetadata;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The test application, registered through the standard programmatic API so that every container runs the same
 * one. Its own endpoints call Replicate through the gateway ({@link AppCalls}); aigw's filters are added by the
 * suite.
 */
public final class SuiteApp implements ServletContainerInitializer {
    static final EnumSet<DispatcherType> ALL = EnumSet.allOf(DispatcherType.class);

    private final Gateway gateway;
    private final String replicateToken;
    private final Consumer<ServletContext> more;

    public SuiteApp(Gateway gateway, String replicateToken, Consumer<ServletContext> more) {
        this.gateway = gateway;
        this.replicateToken = replicateToken;
        this.more = more;
    }

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
        FilterRegistration.Dynamic auth = ctx.addFilter("test-auth", new TestAuthFilter());
        auth.setAsyncSupported(true);
        auth.addMappingForUrlPatterns(ALL, false, "/*");

        FilterRegistration.Dynamic context = ctx.addFilter("aigw-context", new AigwRequestContextFilter(
                RequestMetadata.parse("user=principal, tenant=header:X-Tenant, request=header:X-Request-Id, "
                        + "trace=traceparent, route=route")));
        context.setAsyncSupported(true);
        context.addMappingForUrlPatterns(ALL, true, "/call", "/async-call", "/dispatch-call", "/create",
                "/replicate/*");

        add(ctx, "call", "/call", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                callAndAnswer(req, resp);
            }
        });
        add(ctx, "async-call", "/async-call", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                AsyncContext ac = req.startAsync();
                ac.start(() -> {
                    try {
                        callAndAnswer((HttpServletRequest) ac.getRequest(), (HttpServletResponse) ac.getResponse());
                    } catch (IOException | RuntimeException e) {
                        ((HttpServletResponse) ac.getResponse()).setStatus(500);
                    } finally {
                        ac.complete();
                    }
                });
            }
        });
        add(ctx, "dispatch-call", "/dispatch-call", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                AsyncContext ac = req.startAsync();
                // dispatched from a thread that is not the container's and has no context of its own
                Thread t = new Thread(() -> ac.dispatch("/call"), "test-dispatcher");
                t.start();
            }
        });
        add(ctx, "create", "/create", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                // the application creates a prediction with a webhook, as its users' code would
                String body = new String(req.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                AppCalls.Result r = AppCalls.send(gateway, "POST", "/predictions", body, replicateToken);
                write(resp, r.status(), r.body());
            }
        });
        add(ctx, "bare", "/bare", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                // not behind the context filter: a pooled thread must never show a context here
                write(resp, 200, GatewayHeaders.metadataJson(GatewayContext.current().metadata()));
            }
        });
        add(ctx, "not-found", "/", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                write(resp, 404, "not found");
            }
        });
        if (more != null) {
            more.accept(ctx);
        }
    }

    private void callAndAnswer(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String seen = GatewayHeaders.metadataJson(GatewayContext.current().metadata());
        int status = AppCalls.get(gateway, "/account", replicateToken);
        write(resp, 200, status + " " + seen);
    }

    static void add(ServletContext ctx, String name, String pattern, HttpServlet servlet) {
        ServletRegistration.Dynamic r = ctx.addServlet(name, servlet);
        r.setAsyncSupported(true);
        r.addMapping(pattern);
    }

    static void write(HttpServletResponse resp, int status, String text) throws IOException {
        byte[] b = text.getBytes(StandardCharsets.UTF_8);
        resp.setStatus(status);
        resp.setContentType("text/plain;charset=utf-8");
        resp.setContentLength(b.length);
        resp.getOutputStream().write(b);
    }
}
