package dev.aigw.jaxrs.internal;

import dev.aigw.Gateway;
import dev.aigw.Settings;

import jakarta.ws.rs.core.Configuration;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The gateways built from settings, shared by every client with the same {@code aigw.*} client
 * and system properties: a gateway owns a record thread, and a thread per client would leak
 * (Jakarta REST has no portable "client closed" hook to close it).
 */
public final class Gateways {
    private static final int MAX_CACHED = 64;
    private static final Map<Map<String, String>, Gateway> CACHE = new ConcurrentHashMap<>();

    static {
        // Shared gateways are never closed by a client; flush their queued records when the JVM exits.
        Runtime.getRuntime().addShutdownHook(new Thread(() -> CACHE.values().forEach(Gateway::close), "aigw-jaxrs-flush"));
    }

    private Gateways() {
    }

    /** The gateway for these client configuration properties, over system properties and the environment. */
    public static Gateway forProperties(Map<String, Object> clientProperties) {
        Map<String, String> client = new TreeMap<>();
        clientProperties.forEach((k, v) -> {
            if (k.startsWith("aigw.") && v != null) {
                client.put(k, v.toString());
            }
        });
        Map<String, String> key = new TreeMap<>();
        client.forEach((k, v) -> key.put("client:" + k, v));
        System.getProperties().forEach((k, v) -> {
            if (k instanceof String s && s.startsWith("aigw.") && v != null) {
                key.put("system:" + s, v.toString());
            }
        });
        Gateway cached = CACHE.get(key);
        if (cached != null) {
            return cached;
        }
        Settings settings = client.isEmpty() ? Settings.system()
                : Settings.system().withSource("client property", client::get);
        Gateway built = Gateway.fromSettings(settings);
        if (CACHE.size() >= MAX_CACHED) {
            return built; // unusual: many distinct configurations; don't grow without bound
        }
        Gateway raced = CACHE.putIfAbsent(key, built);
        if (raced != null) {
            built.close();
            return raced;
        }
        return built;
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
