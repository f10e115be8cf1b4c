package dev.aigw.internal;

import dev.aigw.Gateway;
import dev.aigw.Settings;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.WeakHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The gateways one application owns, and where clients configured from settings find them (a JAX-RS client without
 * a {@code Gateway} of its own). A container adapter {@linkplain #bind binds} a scope to a web application's class
 * loader for the application's lifetime: clients running in the application then get its settings (context params
 * included) and its one shared gateway, and {@link #close()} at the application's end releases what the scope built.
 * Clients outside any bound application use the process scope: system properties and the environment, flushed by a
 * JVM shutdown hook.
 *
 * <p>Nothing here pins a class loader after the application stopped: bound scopes are removed when closed (the weak
 * keys only help an adapter that forgot to), and the process scope's shutdown hook is removed when the application
 * whose class loader holds these classes stops.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class GatewayScope implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.aigw");
    /** Distinct client configurations kept per scope; more are unusual, and get gateways nobody shares. */
    private static final int MAX_OWNED = 64;
    private static final Map<ClassLoader, GatewayScope> BOUND = new WeakHashMap<>(); // guarded by BOUND
    private static GatewayScope process; // guarded by GatewayScope.class

    private final Settings settings;
    private final Supplier<Gateway> shared; // null in the process scope: every gateway is built and owned here
    private final Function<Settings, Gateway> factory;
    private final Map<Map<String, String>, Gateway> owned = new HashMap<>(); // guarded by this
    private ClassLoader boundTo; // guarded by BOUND
    private Thread flushOnExit; // guarded by this; process scope only
    private boolean closed; // guarded by this
    private boolean warnedFull; // guarded by this
    private Gateway lastShared; // guarded by this
    private final Map<Object, Runnable> onClose = new LinkedHashMap<>(); // guarded by this

    private GatewayScope(Settings settings, Supplier<Gateway> shared, Function<Settings, Gateway> factory) {
        this.settings = settings;
        this.shared = shared;
        this.factory = factory;
    }

    /**
     * Binds a scope to an application's class loader until {@link #close()}.
     *
     * @param settings the application's settings (its own source, then system properties, then the environment)
     * @param shared   the application's gateway, for clients without {@code aigw.*} properties of their own; owned by
     *                 the caller
     * @param factory  builds a gateway for a client with properties of its own (over {@code settings}), the way the
     *                 application builds its shared one (same listeners); such gateways are owned by the scope
     */
    public static GatewayScope bind(ClassLoader loader, Settings settings, Supplier<Gateway> shared,
                                    Function<Settings, Gateway> factory) {
        GatewayScope s = new GatewayScope(Objects.requireNonNull(settings, "settings"),
                Objects.requireNonNull(shared, "shared"), Objects.requireNonNull(factory, "factory"));
        synchronized (BOUND) {
            BOUND.put(Objects.requireNonNull(loader, "loader"), s);
            s.boundTo = loader;
        }
        return s;
    }

    /**
     * The scope of the application that {@code loaders} (or their parents) belong to, in order of preference; the
     * process scope when none is bound.
     */
    public static GatewayScope find(ClassLoader... loaders) {
        synchronized (BOUND) {
            if (!BOUND.isEmpty()) {
                for (ClassLoader start : loaders) {
                    for (ClassLoader l = start; l != null; l = l.getParent()) {
                        GatewayScope s = BOUND.get(l);
                        if (s != null) {
                            return s;
                        }
                    }
                }
            }
        }
        return process();
    }

    /** The scope of clients outside any bound application: system properties and the environment. */
    public static synchronized GatewayScope process() {
        if (process == null) {
            process = new GatewayScope(Settings.system(), null, Gateway::fromSettings);
        }
        return process;
    }

    /** Whether this scope belongs to an application (not the process). */
    public boolean bound() {
        return shared != null;
    }

    /**
     * The gateway for a client with these configuration properties (only {@code aigw.*} keys count): the application's
     * shared one when the client sets none, else one built from them over the scope's settings, shared by every client
     * with the same properties (a gateway owns a record thread; clients have no portable close hook).
     */
    public Gateway gateway(Map<String, ?> clientProperties) {
        Map<String, String> client = new TreeMap<>();
        clientProperties.forEach((k, v) -> {
            if (k.startsWith("aigw.") && v != null) {
                client.put(k, v.toString());
            }
        });
        if (shared != null && client.isEmpty()) {
            Gateway g = sharedGateway();
            if (g != null) {
                return g;
            } // else closed before any client asked: built below, closed at once
        }
        Map<String, String> key = new TreeMap<>();
        client.forEach((k, v) -> key.put("client:" + k, v));
        System.getProperties().forEach((k, v) -> {
            if (k instanceof String s && s.startsWith("aigw.") && v != null) {
                key.put("system:" + s, v.toString());
            }
        });
        synchronized (this) {
            Gateway g = owned.get(key);
            if (g != null) {
                return g;
            }
            Settings s = client.isEmpty() ? settings : settings.withSource("client property", client::get);
            g = factory.apply(s);
            if (closed) {
                g.close(); // a straggler after the application stopped: routed, but no thread is started for it
                return g;
            }
            if (owned.size() >= MAX_OWNED) {
                if (!warnedFull) {
                    warnedFull = true;
                    LOG.log(System.Logger.Level.WARNING, "aigw: more than " + MAX_OWNED + " distinct aigw.* client "
                            + "configurations; further ones get a gateway per client, not shared (its record thread "
                            + "ends when idle)");
                }
                return g;
            }
            owned.put(key, g);
            if (shared == null && flushOnExit == null) {
                flushOnExit = flushOnExit(this);
                if (g.enabled() && !isAncestorOrSelf(GatewayScope.class.getClassLoader(),
                        ClassLoader.getSystemClassLoader())) {
                    LOG.log(System.Logger.Level.INFO, "aigw: gateways of clients configured from settings are "
                            + "closed when the JVM exits (aigw is not on the class path here: inside a web "
                            + "application, put aigw-servlet beside aigw-jaxrs to tie them to the application)");
                }
            }
            return g;
        }
    }

    /**
     * Runs {@code release} when this application's scope closes (the application stopped), once per {@code key}: an
     * adapter lets go there of what a library shared by the server keeps for the application. Nothing in the process
     * scope, which lasts as long as the JVM; at once when the scope is already closed.
     */
    public void onClose(Object key, Runnable release) {
        if (!bound()) {
            return;
        }
        synchronized (this) {
            if (!closed) {
                onClose.putIfAbsent(key, release);
                return;
            }
        }
        released(release);
    }

    private static void released(Runnable release) {
        try {
            release.run();
        } catch (RuntimeException | LinkageError e) {
            LOG.log(System.Logger.Level.WARNING, "aigw: releasing a resource of the stopped application failed", e);
        }
    }

    /** The application's gateway; once the scope is closed, only the one already handed out (null if none was). */
    private Gateway sharedGateway() {
        synchronized (this) {
            if (closed) {
                return lastShared; // a straggler after the application stopped: nothing new is built for it
            }
        }
        Gateway g = shared.get(); // outside our lock: the adapter builds it under its own
        synchronized (this) {
            lastShared = g;
        }
        return g;
    }

    /** Unbinds the scope and closes the gateways it built (queued records are delivered); idempotent. */
    @Override
    public void close() {
        ClassLoader loader;
        synchronized (BOUND) {
            loader = boundTo;
            boundTo = null;
            if (loader != null && BOUND.get(loader) == this) {
                BOUND.remove(loader);
            }
        }
        List<Gateway> toClose;
        List<Runnable> releases;
        Thread hook;
        synchronized (this) {
            closed = true;
            toClose = new ArrayList<>(owned.values());
            owned.clear();
            releases = new ArrayList<>(onClose.values());
            onClose.clear();
            hook = flushOnExit;
            flushOnExit = null;
        }
        if (hook != null && hook != Thread.currentThread()) {
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException e) {
                // the JVM is exiting: the hook runs or ran
            }
        }
        toClose.forEach(Gateway::close);
        releases.forEach(GatewayScope::released);
        if (loader != null && holdsThisLibrary(loader)) {
            // aigw's classes live in the stopping application's class loader, and so does the process scope: a
            // client that ran there outside the application's threads must not leave a hook that pins the loader
            GatewayScope p;
            synchronized (GatewayScope.class) {
                p = process;
            }
            if (p != null) {
                p.close();
            }
        }
    }

    /**
     * Whether {@code loader} is this library's class loader or one of its parents, and not the class path's (an
     * embedded application lives as long as the process).
     */
    static boolean holdsThisLibrary(ClassLoader loader) {
        return !isAncestorOrSelf(loader, ClassLoader.getSystemClassLoader())
                && isAncestorOrSelf(loader, GatewayScope.class.getClassLoader());
    }

    private static boolean isAncestorOrSelf(ClassLoader candidate, ClassLoader of) {
        for (ClassLoader l = of; l != null; l = l.getParent()) {
            if (l == candidate) {
                return true;
            }
        }
        return false;
    }

    /**
     * A shutdown hook that flushes the process scope's gateways at JVM exit. It references only the scope, runs with no
     * context class loader, and is removed when the scope is closed earlier.
     */
    private static Thread flushOnExit(GatewayScope scope) {
        Thread t = new Thread(scope::close, "aigw-flush");
        t.setContextClassLoader(null);
        t.setDaemon(false);
        Runtime.getRuntime().addShutdownHook(t);
        return t;
    }
}
