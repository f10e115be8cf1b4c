package dev.aigw.servlet.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.Gateway;
import dev.aigw.servlet.PredictionCreators;
import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.state.RedisUrl;
import jakarta.servlet.ServletContext;

import java.util.ServiceLoader;

/**
 * One {@link Gateway} per web application, shared by aigw's filters and offered to the application as the context
 * attribute {@value #ATTRIBUTE}. An application that puts its own gateway there first keeps ownership of it;
 * otherwise the first filter builds one from the settings (with {@link PredictionCreators} and every
 * {@link ExchangeListener} registered with {@link ServiceLoader} in the web application) and the last filter to be
 * destroyed closes it, delivering the records still queued. The {@link SharedState} of the {@code aigw.state.*}
 * settings is shared and closed the same way (also next to an application's own gateway).
 */
public final class GatewayHolder {
    public static final String ATTRIBUTE = "dev.aigw.Gateway";
    public static final String CREATORS_ATTRIBUTE = "dev.aigw.servlet.PredictionCreators";
    private static final String USERS_ATTRIBUTE = "dev.aigw.servlet.gateway-users";
    private static final String STATE_ATTRIBUTE = "dev.aigw.servlet.SharedState";
    private static final String STATE_USERS_ATTRIBUTE = "dev.aigw.servlet.state-users";

    /**
     * The shared gateway, its creation tracker (null when the application's own gateway has none) and the state of
     * the controls.
     */
    public record Shared(Gateway gateway, PredictionCreators creators, SharedState state) {
    }

    private GatewayHolder() {
    }

    public static Shared acquire(ServletContext ctx, ServletSettings settings) {
        synchronized (ctx) {
            SharedState state = acquireState(ctx, settings);
            Object existing = ctx.getAttribute(ATTRIBUTE);
            Users users = (Users) ctx.getAttribute(USERS_ATTRIBUTE);
            if (existing instanceof Gateway g) {
                if (users != null) {
                    users.count++;
                }
                Object c = ctx.getAttribute(CREATORS_ATTRIBUTE);
                return new Shared(g, c instanceof PredictionCreators pc ? pc : null, state);
            }
            PredictionCreators creators = new PredictionCreators(state);
            Gateway.Builder b = Gateway.builder().settings(settings.settings()).listener(creators)
                    .secret(settings.get("aigw.proxy.replicate-token")).secret(settings.get("aigw.webhook.secret"))
                    .secret(redisPassword(settings));
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
            return new Shared(g, creators, state);
        }
    }

    private static SharedState acquireState(ServletContext ctx, ServletSettings settings) {
        Users users = (Users) ctx.getAttribute(STATE_USERS_ATTRIBUTE);
        if (users != null) {
            users.count++;
            return (SharedState) ctx.getAttribute(STATE_ATTRIBUTE);
        }
        SharedState state = SharedState.fromSettings(settings, ctx.getClassLoader());
        Users u = new Users();
        u.count = 1;
        ctx.setAttribute(STATE_ATTRIBUTE, state);
        ctx.setAttribute(STATE_USERS_ATTRIBUTE, u);
        return state;
    }

    private static String redisPassword(ServletSettings settings) {
        String url = settings.get("aigw.state.redis-url");
        try {
            return url == null ? null : RedisUrl.parse(url).password();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** A filter that acquired the gateway is done with it; the last one closes a gateway built here. */
    public static void release(ServletContext ctx) {
        synchronized (ctx) {
            Users su = (Users) ctx.getAttribute(STATE_USERS_ATTRIBUTE);
            if (su != null && --su.count == 0) {
                Object state = ctx.getAttribute(STATE_ATTRIBUTE);
                ctx.removeAttribute(STATE_ATTRIBUTE);
                ctx.removeAttribute(STATE_USERS_ATTRIBUTE);
                if (state instanceof SharedState st) {
                    st.close(); // after the last filter: nothing asks the engine any more
                }
            }
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
