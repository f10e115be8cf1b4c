package dev.aigw.samples;

import dev.aigw.Gateway;
import dev.aigw.Settings;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.servlet.AigwInitializer;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;
import jakarta.servlet.ServletRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import org.glassfish.jersey.internal.inject.AbstractBinder;
import org.glassfish.jersey.server.ResourceConfig;
import org.glassfish.jersey.server.ServerProperties;
import org.glassfish.jersey.servlet.ServletContainer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Sets the sample app up in any Servlet 6 container: found by the container in a WAR (through
 * {@code META-INF/services}), added explicitly by the embedded launcher. aigw's own initializer, beside it, installs
 * the request-context, proxy and webhook filters from the settings; this one adds the app:
 * <ul>
 *   <li>the web app's {@link Gateway}, built from the same settings with the app's {@link RecentCalls} as a listener
 *       and offered under {@link AigwInitializer#GATEWAY_ATTRIBUTE}, so aigw's filters and the app's JAX-RS client
 *       share it and every call lands in one list;</li>
 *   <li>the demo {@link SignIn}, ahead of aigw's filters;</li>
 *   <li>Jersey on {@code /*}: the page, the calls, the output relay and the webhook receiver.</li>
 * </ul>
 * Settings (context init-params, then system properties, then the environment): every {@code aigw.*} key, plus
 * {@code replicate.api-token} ({@code REPLICATE_API_TOKEN}), {@code samples.models} ({@code SAMPLES_MODELS}),
 * {@code samples.webhook-url} ({@code SAMPLES_WEBHOOK_URL}) and {@code samples.mode}.
 */
public final class SampleInitializer implements ServletContainerInitializer {
    /** Context attribute holding the app's {@link RecentCalls}. */
    public static final String CALLS_ATTRIBUTE = RecentCalls.class.getName();
    /** How many calls the page can show; older ones are forgotten. */
    static final int KEPT_CALLS = 200;
    static final String DEFAULT_MODEL = "meta/meta-llama-3-8b-instruct";

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
        Settings settings = Settings.system().withSource("init-param", ctx::getInitParameter);
        String token = settings.get("replicate.api-token");
        RecentCalls calls = new RecentCalls(KEPT_CALLS);
        Gateway.Builder gb = Gateway.builder().settings(settings).listener(calls);
        if (token != null) {
            gb.secret(token);
        }
        Gateway gateway = gb.build(); // a bad aigw.* value stops the app here, with one line saying which
        ctx.setAttribute(AigwInitializer.GATEWAY_ATTRIBUTE, gateway);
        ctx.setAttribute(CALLS_ATTRIBUTE, calls);

        FilterRegistration.Dynamic signIn = ctx.addFilter("demo-sign-in", new SignIn());
        signIn.setAsyncSupported(true);
        signIn.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), false, "/*");

        String proxy = proxyPath(settings.get("aigw.proxy.path"));
        if (proxy != null) {
            // Reached only when aigw's proxy filter is not in front of it; also gives proxied calls a route of their own.
            ServletRegistration.Dynamic missing = ctx.addServlet("proxy-not-installed", new ProxyNotInstalled());
            missing.addMapping(proxy + "/*");
        }

        // The app's Replicate client: plain JAX-RS, with aigw's feature on the shared gateway.
        Client client = ClientBuilder.newBuilder().connectTimeout(10, TimeUnit.SECONDS).build()
                .register(new AigwFeature(gateway));
        CallEvents callEvents = new CallEvents(calls);
        PageResource.PageConfig page = new PageResource.PageConfig(mode(settings, gateway),
                gateway.enabled() ? gateway.root().toString() : null, proxy, settings.get("samples.webhook-url"),
                models(settings.get("samples.models")));
        Replicate replicate = new Replicate(client, token);
        ResourceConfig app = new ResourceConfig(PageResource.class, CallsResource.class, PredictionsResource.class,
                WebhookResource.class)
                .property(ServerProperties.WADL_FEATURE_DISABLE, true)
                // Jersey holds back the first 8 KiB of a response (to set Content-Length) and a flush does not
                // release it: the output relay would reach the page only at the end. Send as written.
                .property(ServerProperties.OUTBOUND_CONTENT_LENGTH_BUFFER, 0)
                .register(new AbstractBinder() { // what the resources' constructors get
                    @Override
                    protected void configure() {
                        bind(page).to(PageResource.PageConfig.class);
                        bind(calls).to(RecentCalls.class);
                        bind(callEvents).to(CallEvents.class);
                        bind(replicate).to(Replicate.class);
                    }
                });
        ServletRegistration.Dynamic jersey = ctx.addServlet("sample-app", new ServletContainer(app));
        jersey.setAsyncSupported(true);
        jersey.setLoadOnStartup(1);
        jersey.addMapping("/*");

        ctx.addListener(new ServletContextListener() {
            @Override
            public void contextDestroyed(ServletContextEvent event) {
                callEvents.close(); // ends the pages' event streams
                client.close();
                gateway.close(); // delivers the records still queued
            }
        });
    }

    private static String mode(Settings settings, Gateway gateway) {
        String mode = settings.get("samples.mode");
        if (mode != null) {
            return mode;
        }
        return gateway.enabled() ? "Cloudflare AI Gateway" : "aigw is off: calls go straight to Replicate";
    }

    static List<String> models(String setting) {
        if (setting == null) {
            return List.of(DEFAULT_MODEL);
        }
        return Arrays.stream(setting.split(",")).map(String::strip).filter(s -> !s.isEmpty()).toList();
    }

    /** {@code aigw.proxy.path} as a servlet path prefix: {@code /replicate/*} and {@code replicate} → {@code /replicate}. */
    static String proxyPath(String setting) {
        if (setting == null) {
            return null;
        }
        String p = setting.strip();
        if (p.endsWith("/*")) {
            p = p.substring(0, p.length() - 2);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return p.startsWith("/") ? p : "/" + p;
    }

    /** Says why the proxy path answers at all, instead of a bare 404. */
    private static final class ProxyNotInstalled extends HttpServlet {
        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
            byte[] body = Json.problem(503, "Service Unavailable", "aigw's Replicate proxy is not installed here: "
                    + "configure the gateway (aigw.account-id and aigw.gateway-id, or aigw.base-url)")
                    .getBytes(StandardCharsets.UTF_8);
            resp.setStatus(503);
            resp.setContentType("application/problem+json");
            resp.setContentLength(body.length);
            resp.getOutputStream().write(body);
        }
    }
}
