package dev.aigw.cluster;

import dev.aigw.servlet.AigwInitializer;
import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.servlet.suite.TestAuthFilter;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * One instance of the clustered web application: the test's "security" ({@code X-Test-User} is the principal), aigw's
 * filters — installed by {@link AigwInitializer} from the context's settings, or by {@code aigw} in code — and the
 * application's webhook handler, which counts what it handled across all instances.
 */
final class ClusterApp implements ServletContainerInitializer {
    /** Deliveries handed to the application, by {@code webhook-id}, summed over every instance. */
    static final Map<String, AtomicInteger> HANDLED = new ConcurrentHashMap<>();
    /** The creator metadata the handler saw, by {@code webhook-id}. */
    static final Map<String, Object> CREATORS = new ConcurrentHashMap<>();
    /** How long the handler takes (to make deliveries overlap). */
    static volatile long handlerMillis;

    private final Consumer<ServletContext> aigw;

    /** @param aigw registers aigw's filters in code; null: {@link AigwInitializer} from the settings */
    ClusterApp(Consumer<ServletContext> aigw) {
        this.aigw = aigw;
    }

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
        FilterRegistration.Dynamic auth = ctx.addFilter("test-auth", new TestAuthFilter());
        auth.setAsyncSupported(true);
        auth.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), false, "/*");
        if (aigw == null) {
            new AigwInitializer().onStartup(classes, ctx);
        } else {
            aigw.accept(ctx);
        }
        ServletRegistration.Dynamic handler = ctx.addServlet("webhook-handler", new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                String id = (String) req.getAttribute(AigwWebhookFilter.WEBHOOK_ID_ATTRIBUTE);
                req.getInputStream().readAllBytes();
                HANDLED.computeIfAbsent(id, k -> new AtomicInteger()).incrementAndGet();
                Object creator = req.getAttribute(AigwWebhookFilter.CREATOR_ATTRIBUTE);
                if (creator != null) {
                    CREATORS.put(id, creator);
                }
                try {
                    Thread.sleep(handlerMillis);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                resp.setStatus(200);
            }
        });
        handler.setAsyncSupported(true);
        handler.addMapping("/webhooks/replicate");
        // a default servlet: Tomcat runs a filter chain only for a request some servlet is mapped to
        ServletRegistration.Dynamic notFound = ctx.addServlet("not-found", new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) {
                resp.setStatus(404);
            }
        });
        notFound.setAsyncSupported(true);
        notFound.addMapping("/");
    }
}
