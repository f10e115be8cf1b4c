package dev.aigw.servlet;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.GatewayHolder;
import dev.aigw.servlet.internal.ServletSettings;
import dev.aigw.servlet.internal.proxy.ProxySettings;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Installs aigw's filters in a web application that has the jar on its class path, when — and only when — aigw is
 * configured there (context init-params, system properties or the environment):
 * <ul>
 *   <li>{@link AigwWebhookFilter} at {@code aigw.webhook.path} and under it (needs {@code aigw.webhook.secret}),
 *       REQUEST and ASYNC;</li>
 *   <li>{@link AigwRequestContextFilter} on {@code /*}, every dispatcher type, when the gateway is configured
 *       ({@code aigw.context.metadata=none} leaves it out);</li>
 *   <li>{@link AigwProxyFilter} at {@code aigw.proxy.path}{@code /*}, REQUEST and ASYNC, when that is set.</li>
 * </ul>
 * All are async-supported and mapped after the filters of {@code web.xml} (so the application's own authentication
 * runs first). A bad setting stops the application's start with one line naming the key, the value (secrets
 * masked) and what is allowed. {@code aigw.servlet.auto=false} leaves the filters to manual registration.
 *
 * <p>One {@link Gateway} serves the whole application: the filters, and the application's own JAX-RS clients (through
 * aigw-jaxrs, which finds it by the application's class loader); it is also the context attribute
 * {@code dev.aigw.Gateway}. The initializer registers {@link AigwListener}, which releases everything aigw started
 * in the application when it stops. Where a container runs no initializers (Jetty without its
 * {@code ee10-annotations}/{@code ee11-annotations} module), the same listener, declared in the jar's
 * {@code web-fragment.xml}, installs the filters instead; whichever runs first does it, once.
 */
public final class AigwInitializer implements ServletContainerInitializer {
    /** Context attribute holding the web application's shared {@link Gateway}. */
    public static final String GATEWAY_ATTRIBUTE = GatewayHolder.ATTRIBUTE;

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
        ctx.addListener(new AigwListener()); // the application's end releases what aigw started in it
        install(ctx, "initializer");
    }

    /**
     * Starts aigw in the application and installs the filters the settings ask for, once per application: by this
     * initializer, or by {@link AigwListener} where the container runs no initializers.
     */
    static void install(ServletContext ctx, String by) {
        ServletSettings s = ServletSettings.of(ctx);
        boolean auto = s.bool("aigw.servlet.auto", true);
        GatewayHolder.Shared shared = GatewayHolder.start(ctx, s, auto); // builds the gateway: validates every setting
        if (shared == null) {
            return; // already installed (the initializer and the web-fragment listener both ran)
        }
        if (!auto) {
            LOG.log(System.Logger.Level.DEBUG, "aigw: aigw.servlet.auto=false; no filters installed");
            return;
        }
        try {
            installFilters(ctx, s, shared.gateway().enabled(), by);
        } catch (RuntimeException | Error e) {
            GatewayHolder.stop(ctx); // a failed start may never see contextDestroyed: release what start took
            throw e;
        }
    }

    private static void installFilters(ServletContext ctx, ServletSettings s, boolean gatewayOn, String by) {
        String webhookPath = s.get("aigw.webhook.path");
        String proxyPath = s.get("aigw.proxy.path");
        List<String> installed = new ArrayList<>();

        if (webhookPath != null) {
            String p = AigwWebhookFilter.fromSettings(s).path(); // fail now, not at the first webhook
            FilterRegistration.Dynamic r = ctx.addFilter("aigw-webhook", new AigwWebhookFilter());
            r.setAsyncSupported(true);
            // the exact path and everything under it: other spellings are refused, never passed to a wider mapping
            r.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true, p, p + "/*");
            installed.add("webhook verification at " + p);
        }
        if (gatewayOn) {
            RequestMetadata m = AigwRequestContextFilter.fromSettings(s);
            if (!m.isEmpty()) {
                FilterRegistration.Dynamic r = ctx.addFilter("aigw-context", new AigwRequestContextFilter(m));
                r.setAsyncSupported(true);
                r.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), true, "/*");
                installed.add("request context " + m.keys() + " on /*");
            }
        }
        if (proxyPath != null) {
            if (!gatewayOn) {
                throw s.invalid("aigw.proxy.path", proxyPath, "a path only when the gateway is configured: the proxy "
                        + "forwards through it (set aigw.account-id and aigw.gateway-id, or aigw.base-url)");
            }
            String p = ProxySettings.fromSettings(s, null).path; // fail now, not at the first request
            FilterRegistration.Dynamic r = ctx.addFilter("aigw-proxy", new AigwProxyFilter());
            r.setAsyncSupported(true);
            r.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true, p + "/*");
            installed.add("Replicate proxy at " + p + "/*");
        }
        if (installed.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "aigw: no filters configured in '" + ctx.getContextPath() + "' ("
                    + by + ")");
        } else {
            LOG.log(System.Logger.Level.INFO, "aigw: " + String.join(", ", installed) + " in '"
                    + ctx.getContextPath() + "' (" + by + ")");
        }
    }
}
