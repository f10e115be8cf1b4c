package dev.aigw.jaxrs.internal;

import dev.aigw.Gateway;
import dev.aigw.internal.GatewayScope;

import jakarta.ws.rs.core.Configuration;

import java.util.Map;

/**
 * Where a client configured from settings gets its gateway: from the application it runs in. Inside a web
 * application with aigw-servlet, that is the application's own scope (its context params, its one shared gateway,
 * closed when it stops), found through the calling thread's context class loader or this jar's own loader; anywhere
 * else the process scope (system properties and environment, flushed at JVM exit). Gateways built for distinct
 * {@code aigw.*} client properties are shared per configuration, since a gateway owns a record thread and Jakarta
 * REST has no portable "client closed" hook.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Gateways {
    private Gateways() {
    }

    /** The gateway for these client configuration properties, in the scope of the calling application. */
    public static Gateway forProperties(Map<String, Object> clientProperties) {
        return GatewayScope.find(Thread.currentThread().getContextClassLoader(), Gateways.class.getClassLoader())
                .gateway(clientProperties);
    }

    /** Whether {@code config} is a RESTEasy client's, whose routed calls {@link ResteasyTransport} sends. */
    public static boolean resteasy(Configuration config) {
        return config.getClass().getName().startsWith("org.jboss.resteasy.");
    }

    /**
     * Jersey's caller-thread and failure hooks, or {@code null} on another implementation. Loaded
     * by name so that this jar runs where Jersey is absent.
     */
    public static Object jerseyHooks(Configuration config) {
        if (!config.getClass().getName().startsWith("org.glassfish.jersey.")) {
            return null;
        }
        try {
            return Class.forName("dev.aigw.jaxrs.internal.JerseyHooks", true, Gateways.class.getClassLoader())
                    .getConstructor().newInstance();
        } catch (ReflectiveOperationException | LinkageError e) {
            return null; // a Jersey without the client SPI: filters alone still route and record
        }
    }
}
