package dev.aigw.jaxrs.it;

import dev.aigw.Gateway;
import dev.aigw.Settings;
import dev.aigw.internal.GatewayScope;
import dev.aigw.jaxrs.internal.DiscoveredFilter;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.net.URL;
import java.net.URLClassLoader;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * RESTEasy shared by the server, aigw in the application: RESTEasy keeps one client provider factory per context
 * class loader in a static map whose values hold the built-in providers — aigw's, loaded by the application, among
 * them — so the entry would keep the application's class loader for as long as RESTEasy is loaded. Here RESTEasy
 * and core are on the class path (the "server"), and aigw-jaxrs is loaded again, child-first, by a class loader
 * standing for the application, bound to a scope as aigw-servlet binds it.
 */
class ResteasyClassLoaderTest {

    /** Loads aigw-jaxrs's own classes itself, everything else from the class path. */
    private static final class Application extends URLClassLoader {
        Application() {
            super("application", new URL[] {DiscoveredFilter.class.getProtectionDomain().getCodeSource().getLocation()},
                    ResteasyClassLoaderTest.class.getClassLoader());
        }

        @Override
        protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
            if (!name.startsWith("dev.aigw.jaxrs.")) {
                return super.loadClass(name, resolve);
            }
            synchronized (getClassLoadingLock(name)) {
                Class<?> c = findLoadedClass(name);
                return c != null ? c : findClass(name);
            }
        }
    }

    @Test
    void anApplicationsClassLoaderIsReleasedWhenItStops() throws Exception {
        jakarta.ws.rs.ext.RuntimeDelegate.getInstance(); // the server's: made before any application runs
        Application app = new Application();
        GatewayScope scope = GatewayScope.bind(app, Settings.system(), () -> null, Gateway::fromSettings);
        WeakReference<ClassLoader> ref = new WeakReference<>(app);
        runIn(app);
        app.close();
        app = null;

        scope.close(); // the application stops
        for (int i = 0; i < 50 && ref.get() != null; i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertThat(ref.get()).as("the stopped application's class loader").isNull();
    }

    /** The application builds and uses a client, as its code would. */
    private static void runIn(ClassLoader app) throws Exception {
        Thread t = Thread.currentThread();
        ClassLoader before = t.getContextClassLoader();
        t.setContextClassLoader(app);
        try {
            Client c = ClientBuilder.newClient();
            try {
                Class<?> appsFilter = app.loadClass(DiscoveredFilter.class.getName());
                assertThat(appsFilter).isNotSameAs(DiscoveredFilter.class);
                assertThat(c.getConfiguration().isRegistered(appsFilter)).as("the application's aigw provider").isTrue();
            } finally {
                c.close();
            }
        } finally {
            t.setContextClassLoader(before);
        }
    }
}
