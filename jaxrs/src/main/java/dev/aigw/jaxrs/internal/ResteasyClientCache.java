package dev.aigw.jaxrs.internal;

import dev.aigw.internal.GatewayScope;

import jakarta.ws.rs.ConstrainedTo;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;
import jakarta.ws.rs.ext.Provider;
import org.jboss.resteasy.plugins.providers.RegisterBuiltin;

import java.lang.reflect.Field;
import java.util.Map;

/**
 * RESTEasy keeps one client provider factory per context class loader, in a static map with weak keys
 * ({@code RegisterBuiltin}) whose values hold the built-in providers that loader loaded — aigw's among them. A value
 * that references its key keeps it: where RESTEasy outlives an application (the server's RESTEasy, aigw in the
 * application), the application's class loader would stay reachable after it stopped. So when the application's
 * scope closes, its entry is removed. RESTEasy has no API for that: the private field is used; if a RESTEasy version
 * lacks it, a warning says the class loader stays.
 *
 * <p>A built-in provider ({@code META-INF/services/jakarta.ws.rs.ext.Providers}) for one reason: RESTEasy configures a
 * built-in feature as it makes the cached factory, on the thread whose context class loader is the entry's key (its
 * filters, aigw's among them, are made later, at a client's first call, if ever).
 *
 * <p>Internal: not API, may change in any release.
 */
@Provider
@ConstrainedTo(RuntimeType.CLIENT)
public final class ResteasyClientCache implements Feature {
    private static final System.Logger LOG = System.getLogger("dev.aigw");
    private static final String FIELD = "configuredClientFactories";

    /** Enables nothing: notes that the factory being made for the thread's context class loader is to be forgotten. */
    @Override
    public boolean configure(FeatureContext context) {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        if (loader != null) {
            GatewayScope.find(loader).onClose(Map.entry(ResteasyClientCache.class, loader), () -> forget(loader));
        }
        return false;
    }

    private static void forget(ClassLoader loader) {
        try {
            Field f = RegisterBuiltin.class.getDeclaredField(FIELD);
            f.setAccessible(true);
            synchronized (RegisterBuiltin.class) { // RESTEasy's own lock for the map: its methods are static synchronized
                ((Map<?, ?>) f.get(null)).remove(loader);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.log(System.Logger.Level.WARNING, "aigw: could not remove the stopped application's entry from "
                    + "RESTEasy's client provider cache (RegisterBuiltin." + FIELD + ": " + e + "); with RESTEasy shared "
                    + "by the server, the application's class loader stays reachable");
        }
    }
}
