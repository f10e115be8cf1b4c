package dev.aigw.opentelemetry.internal;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;

import java.lang.annotation.Annotation;
import java.lang.reflect.Method;

/**
 * Finds the application's {@code OpenTelemetry} without code: the MicroProfile Telemetry instance (a CDI bean) when a
 * CDI container runs the application, else {@link GlobalOpenTelemetry} once something set it (the Java agent, the
 * application). Never calls {@link GlobalOpenTelemetry#get()} before it is set, which would fix the global to a no-op
 * and make the application's own {@code set} fail. CDI is reached by reflection: no compile-time dependency.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Lookup {
    private Lookup() {
    }

    /** {@link GlobalOpenTelemetry} when something set it, else {@code null}; never sets it. */
    public static OpenTelemetry global() {
        try {
            return GlobalOpenTelemetry.isSet() ? GlobalOpenTelemetry.get() : null;
        } catch (NoSuchMethodError olderApi) {
            return null; // an API before 1.57 cannot tell without side effects: pass an instance to the builder
        }
    }

    /** {@code CDI.current().select(OpenTelemetry.class)}, when resolvable in the calling application. */
    public static OpenTelemetry fromCdi() {
        ClassLoader tccl = Thread.currentThread().getContextClassLoader();
        for (ClassLoader loader : new ClassLoader[] {tccl, Lookup.class.getClassLoader()}) {
            if (loader == null) {
                continue;
            }
            try {
                Class<?> cdiClass = Class.forName("jakarta.enterprise.inject.spi.CDI", true, loader);
                Object cdi = cdiClass.getMethod("current").invoke(null);
                Method select = cdi.getClass().getMethod("select", Class.class, Annotation[].class);
                select.setAccessible(true);
                Object instance = select.invoke(cdi, OpenTelemetry.class, new Annotation[0]);
                Method resolvable = instance.getClass().getMethod("isResolvable");
                resolvable.setAccessible(true);
                if (Boolean.TRUE.equals(resolvable.invoke(instance))) {
                    Method get = instance.getClass().getMethod("get");
                    get.setAccessible(true);
                    Object o = get.invoke(instance);
                    if (o instanceof OpenTelemetry otel) {
                        return otel;
                    }
                }
                return null; // a CDI container without an OpenTelemetry bean
            } catch (ClassNotFoundException | LinkageError e) {
                // no CDI on this loader: try the next
            } catch (ReflectiveOperationException | RuntimeException e) {
                return null; // no CDI container for this application (CDI.current() throws), or no usable bean
            }
        }
        return null;
    }
}
