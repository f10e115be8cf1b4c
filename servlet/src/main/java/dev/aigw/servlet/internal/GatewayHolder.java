package dev.aigw.servlet.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.Gateway;
import dev.aigw.Settings;
import dev.aigw.internal.GatewayScope;
import dev.aigw.servlet.PredictionCreators;
import dev.aigw.servlet.SharedState;
import dev.aigw.servlet.internal.state.RedisUrl;
import jakarta.servlet.ServletContext;

import java.util.ServiceLoader;

/**
 * aigw's state in one web application: one {@link Gateway}, shared by aigw's filters and the application's own
 * JAX-RS clients, and offered to the application as the context attribute {@value #ATTRIBUTE}.
 *
 * <p>An application that puts its own gateway there keeps ownership of it; otherwise the gateway is built here from
 * the settings, with {@link PredictionCreators} and every {@link ExchangeListener} registered with
 * {@link ServiceLoader} in the web application. Whoever starts aigw in the application (the initializer or the
 * listener) {@linkplain #start starts} it: the gateway is built (so a bad setting stops the deployment, and the
 * "routing" line is logged once) and the application's scope is bound to its class loader, where aigw-jaxrs finds it.
 * {@link #stop} at the application's end closes everything built here and unbinds the scope. Without a start
 * (filters declared by hand, no listener), the last filter to be destroyed closes the gateway.
 *
 * <p>The {@link SharedState} of the {@code aigw.state.*} settings (where the rate limit, the replay memory and the
 * creators live) is built with the first gateway, also next to an application's own gateway, and closed with
 * everything else.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class GatewayHolder {
    public static final String ATTRIBUTE = "dev.aigw.Gateway";
    public static final String CREATORS_ATTRIBUTE = "dev.aigw.servlet.PredictionCreators";
    private static final String STATE_ATTRIBUTE = "dev.aigw.servlet.application";

    /**
     * The shared gateway, its creation tracker (null when the application's own gateway has none) and the state of the
     * controls.
     */
    public record Shared(Gateway gateway, PredictionCreators creators, SharedState state) {
    }

    private GatewayHolder() {
    }

    /**
     * Starts aigw in the application, once: builds the gateway from the application's settings unless the application
     * offers its own (or {@code eager} is false), and binds the application's scope for its JAX-RS clients.
     *
     * @return {@code null} when aigw was already started in this application
     */
    public static Shared start(ServletContext ctx, ServletSettings settings, boolean eager) {
        synchronized (ctx) {
            State st = state(ctx);
            if (st.started || st.stopped) {
                return null;
            }
            Shared shared = eager ? shared(ctx, st, settings) : null;
            st.started = true;
            ClassLoader loader = ctx.getClassLoader();
            if (ownLoader(loader)) {
                st.scope = GatewayScope.bind(loader, settings.settings(), () -> sharedGateway(ctx),
                        s -> build(ctx, st, s));
            }
            return shared != null ? shared : new Shared(null, st.creators, st.state);
        }
    }

    /** A filter starts using the shared gateway (built from {@code settings} if nobody has built it yet). */
    public static Shared acquire(ServletContext ctx, ServletSettings settings) {
        synchronized (ctx) {
            State st = state(ctx);
            st.users++;
            return shared(ctx, st, settings);
        }
    }

    /** A filter that acquired the gateway is done with it. Without a started application, the last one closes it. */
    public static void release(ServletContext ctx) {
        synchronized (ctx) {
            Object o = ctx.getAttribute(STATE_ATTRIBUTE);
            if (!(o instanceof State st)) {
                return;
            }
            if (--st.users <= 0 && !st.started) {
                finish(ctx, st);
            }
        }
    }

    /** The application ends (after its filters were destroyed): closes what was built here and unbinds the scope. */
    public static void stop(ServletContext ctx) {
        synchronized (ctx) {
            Object o = ctx.getAttribute(STATE_ATTRIBUTE);
            if (o instanceof State st && st.started) {
                finish(ctx, st);
            }
        }
    }

    private static State state(ServletContext ctx) {
        Object o = ctx.getAttribute(STATE_ATTRIBUTE);
        if (o instanceof State st) {
            return st;
        }
        State st = new State();
        ctx.setAttribute(STATE_ATTRIBUTE, st);
        return st;
    }

    /** The application's gateway for its JAX-RS clients. */
    private static Gateway sharedGateway(ServletContext ctx) {
        synchronized (ctx) {
            return shared(ctx, state(ctx), ServletSettings.of(ctx)).gateway();
        }
    }

    private static Shared shared(ServletContext ctx, State st, ServletSettings settings) {
        controls(ctx, st, settings);
        Object existing = ctx.getAttribute(ATTRIBUTE);
        if (existing instanceof Gateway g && g != st.built) {
            // the application's own gateway, offered after ours was built: it wins, ours never carried a call
            if (st.built != null) {
                st.built.close();
                st.built = null;
                ctx.removeAttribute(CREATORS_ATTRIBUTE);
            }
            Object c = ctx.getAttribute(CREATORS_ATTRIBUTE);
            return new Shared(g, c instanceof PredictionCreators pc ? pc : null, st.state);
        }
        if (st.built == null) {
            st.built = build(ctx, st, settings.settings());
            ctx.setAttribute(ATTRIBUTE, st.built);
            ctx.setAttribute(CREATORS_ATTRIBUTE, st.creators);
        }
        return new Shared(st.built, st.creators, st.state);
    }

    /** The state of the controls and the creators that use it, built once per application from its settings. */
    private static void controls(ServletContext ctx, State st, ServletSettings settings) {
        if (st.state == null) {
            st.state = SharedState.fromSettings(settings.settings(), ctx.getClassLoader());
            st.creators = new PredictionCreators(st.state);
        }
    }

    private static Gateway build(ServletContext ctx, State st, Settings settings) {
        controls(ctx, st, ServletSettings.of(ctx));
        Gateway.Builder b = Gateway.builder().settings(settings).listener(st.creators)
                .secret(settings.get("aigw.proxy.replicate-token")).secret(settings.get("aigw.webhook.secret"))
                .secret(redisPassword(settings.get("aigw.state.redis-url")));
        for (ExchangeListener l : ServiceLoader.load(ExchangeListener.class, ctx.getClassLoader())) {
            b.listener(l);
        }
        return b.build();
    }

    private static void finish(ServletContext ctx, State st) {
        st.started = false;
        st.stopped = true;
        if (st.scope != null) {
            st.scope.close(); // unbinds, closes the gateways built for clients with properties of their own
            st.scope = null;
        }
        if (st.built != null) {
            if (ctx.getAttribute(ATTRIBUTE) == st.built) {
                ctx.removeAttribute(ATTRIBUTE);
                ctx.removeAttribute(CREATORS_ATTRIBUTE);
            }
            st.built.close(); // delivers the records still queued and ends the record thread
            st.built = null;
        }
        if (st.state != null) {
            st.state.close(); // after the gateway: the creators' writes of its last records are done or queued
            st.state = null;
        }
        ctx.removeAttribute(STATE_ATTRIBUTE);
    }

    private static String redisPassword(String url) {
        try {
            return url == null ? null : RedisUrl.parse(url).password();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /**
     * Whether the application has a class loader of its own (a deployed WAR). An embedded application that runs on
     * the class path lives as long as the process: its JAX-RS clients keep the process's settings.
     */
    private static boolean ownLoader(ClassLoader loader) {
        for (ClassLoader l = ClassLoader.getSystemClassLoader(); l != null; l = l.getParent()) {
            if (l == loader) {
                return false;
            }
        }
        return loader != null;
    }

    private static final class State {
        PredictionCreators creators;
        SharedState state;
        Gateway built;
        GatewayScope scope;
        int users;
        boolean started;
        boolean stopped;
    }
}
