package dev.aigw.servlet.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.Gateway;
import dev.aigw.servlet.PredictionCreators;
import jakarta.servlet.ServletContext;

import java.util.ServiceLoader;

/**
 * One {@link Gateway} per web application, shared by aigw's filters and offered to the application as the context
 * attribute {@value #ATTRIBUTE}. An application that puts its own gateway there first keeps ownership of it;
 * otherwise the first filter builds one from the settings (with {@link PredictionCreators} and every
 * {@link ExchangeListener} registered with {@link ServiceLoader} in the web application) and the last filter to be
 * destroyed closes it, delivering the records still queued.
 */
public final class GatewayHolder {
    public static final String ATTRIBUTE = "dev.aigw.Gateway";
    public static final String CREATORS_ATTRIBUTE = "dev.aigw.servlet.PredictionCreators";
    private static final String USERS_ATTRIBUTE = "dev.aigw.servlet.gateway-users";

    /** The shared gateway and its creation tracker (null when the application's own gateway has none). */
    public record Shared(Gateway gateway, PredictionCreators creators) {
    }

    private GatewayHolder() {
    }

    public static Shared acquire(ServletContext ctx, ServletSettings settings) {
        synchronized (ctx) {
            Object existing = ctx.getAttribute(ATTRIBUTE);
            Users users = (Users) ctx.getAttribute(USERS_ATTRIBUTE);
            if (existing instanceof Gateway g) {
                if (users != null) {
                    users.count++;
                }
                Object c = ctx.getAttribute(CREATORS_ATTRIBUTE);
                return new Shared(g, c instanceof PredictionCreators pc ? pc : null);
            }
            PredictionCreators creators = new PredictionCreators();
            Gateway.Builder b = Gateway.builder().settings(settings.settings()).listener(creators)
                    .secret(settings.get("aigw.proxy.replicate-token")).secret(settings.get("aigw.webhook.secret"));
            ClassLoader cl = ctx.getClassLoader();
            for (ExchangeListener l : ServiceLoader.load(ExchangeListener.class, cl)) {
                b.listener(l);
            }
            Gateway g = b.build();
            ctx.setAttribute(ATTRIBUTE, g);
            ctx.setAttribute(CREATORS_ATTRIBUTE, creators);
            Users u = new Users();
            u.count = 1;
            ctx.setAttribute(USERS_ATTRIBUTE, u);
            return new Shared(g, creators);
        }
    }

    /** A filter that acquired the gateway is done with it; the last one closes a gateway built here. */
    public static void release(ServletContext ctx) {
        synchronized (ctx) {
            Users u = (Users) ctx.getAttribute(USERS_ATTRIBUTE);
            if (u == null) {
                return; // the application's own gateway: not ours to close
            }
            if (--u.count > 0) {
                return;
            }
            Object g = ctx.getAttribute(ATTRIBUTE);
            ctx.removeAttribute(USERS_ATTRIBUTE);
            ctx.removeAttribute(ATTRIBUTE);
            ctx.removeAttribute(CREATORS_ATTRIBUTE);
            if (g instanceof Gateway gw) {
                gw.close();
            }
        }
    }

    private static final class Users {
        int count;
    }
}
