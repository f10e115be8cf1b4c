package dev.aigw.servlet;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.GatewayHolder;
import dev.aigw.servlet.internal.ServletSettings;
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
 *   <li>{@link AigwWebhookFilter} at {@code aigw.webhook.path} (needs {@code aigw.webhook.secret}), REQUEST;</li>
 *   <li>{@link AigwRequestContextFilter} on {@code /*}, every dispatcher type, when the gateway is configured
 *       ({@code aigw.context.metadata=none} leaves it out);</li>
 *   <li>{@link AigwProxyFilter} at {@code aigw.proxy.path}{@code /*}, REQUEST and ASYNC, when that is set.</li>
 * </ul>
 * All are async-supported and mapped after the filters of {@code web.xml} (so the application's own authentication
 * runs first). A bad setting stops the application's start with one line naming the key, the value (secrets
 * masked) and what is allowed. {@code aigw.servlet.auto=false} turns the initializer off (for manual registration);
 * so does switching off container scanning.
 *
 * <p>The shared {@link Gateway} is offered as the context attribute {@code dev.aigw.Gateway}, for the application's
 * own outgoing calls.
 */
public final class AigwInitializer implements ServletContainerInitializer {
    /** Context attribute holding the web application's shared {@link Gateway}. */
    public static final String GATEWAY_ATTRIBUTE = GatewayHolder.ATTRIBUTE;

    private static final System.Logger LOG = System.getLogger("dev.aigw.servlet");

    @Override
    public void onStartup(Set<Class<?>> classes, ServletContext ctx) {
        ServletSettings s = ServletSettings.of(ctx);
        if (!s.bool("aigw.servlet.auto", true)) {
            LOG.log(System.Logger.Level.DEBUG, "aigw: aigw.servlet.auto=false; no filters installed");
            return;
        }
        boolean gatewayOn;
        try (Gateway probe = Gateway.fromSettings(s.settings())) { // validates every gateway setting now
            gatewayOn = probe.enabled();
        }
        SharedState.check(s); // aigw.state.*: fail now, not in the first filter's init
        String webhookPath = s.get("aigw.webhook.path");
        String proxyPath = s.get("aigw.proxy.path");
        List<String> installed = new ArrayList<>();

        if (webhookPath != null) {
            String p = exactPath(s, "aigw.webhook.path", webhookPath);
            AigwWebhookFilter.fromSettings(s); // fail now, not at the first webhook
            FilterRegistration.Dynamic r = ctx.addFilter("aigw-webhook", new AigwWebhookFilter());
            r.setAsyncSupported(true);
            r.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, p);
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
            AigwProxyFilter.Builder b = AigwProxyFilter.fromSettings(s); // fail now, not at the first request
            FilterRegistration.Dynamic r = ctx.addFilter("aigw-proxy", new AigwProxyFilter());
            r.setAsyncSupported(true);
            r.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true,
                    b.path() + "/*");
            installed.add("Replicate proxy at " + b.path() + "/*");
        }
        if (installed.isEmpty()) {
            LOG.log(System.Logger.Level.DEBUG, "aigw: not configured in " + ctx.getContextPath()
                    + "; no filters installed");
        } else {
            LOG.log(System.Logger.Level.INFO, "aigw: " + String.join(", ", installed) + " in '"
                    + ctx.getContextPath() + "'");
        }
    }

    private static String exactPath(ServletSettings s, String key, String value) {
        String p = value.strip();
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        if (!p.matches("(/[A-Za-z0-9._~-]+)+") || p.matches(".*/\\.{1,2}(/.*)?")) {
            throw s.invalid(key, value, "an exact path such as /webhooks/replicate (letters, digits, '.', '_', '~', "
                    + "'-')");
        }
        return p;
    }
}
