package dev.aigw.servlet.internal;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Threads aigw starts inside a web application. Containers look for threads that still carry the application's class
 * loader when it stops (Tomcat warns about each, and every such thread keeps the loader alive), so aigw's own threads
 * are stopped and awaited, and threads started by JDK code that aigw cannot stop are started without it.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class OwnedThreads {
    private static final long STOP_WAIT_MILLIS = 2000;

    private OwnedThreads() {
    }

    /**
     * Creates something that starts threads of its own (the JDK {@code HttpClient}'s selector thread, which on JDK 17
     * ends only some time after the client became unreachable) with no context class loader, so that they never hold
     * the application's.
     */
    public static <T> T withoutContextLoader(Supplier<T> create) {
        Thread t = Thread.currentThread();
        ClassLoader previous = t.getContextClassLoader();
        t.setContextClassLoader(null);
        try {
            return create.get();
        } finally {
            t.setContextClassLoader(previous);
        }
    }

    /** A daemon thread of aigw's, named so that leak checks (and people reading thread dumps) see whose it is. */
    public static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Waits (briefly) for a thread that was told to end. */
    public static void join(Thread t) {
        try {
            t.join(STOP_WAIT_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits (briefly) for an executor that was shut down to end its threads, before the container looks for them. */
    public static void awaitStopped(ExecutorService executor) {
        try {
            executor.awaitTermination(STOP_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
