package dev.aigw.jaxrs.internal;

import dev.aigw.GatewayContext;

import org.jboss.resteasy.spi.concurrent.ThreadContext;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * Carries the caller's {@link GatewayContext} into RESTEasy's client executors, so that an
 * {@code async()} or {@code rx()} call is tagged like a synchronous one. RESTEasy loads thread
 * contexts from {@code META-INF/services/org.jboss.resteasy.spi.concurrent.ThreadContext} and
 * captures them when a task is submitted to its contextual executors (the default client pool, and
 * a pool given to {@code ClientBuilder.executorService}).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ResteasyContextPropagation implements ThreadContext<GatewayContext.Snapshot> {
    /** The scopes this propagation opened on the thread, innermost first (a task may run inline). */
    private static final ThreadLocal<Deque<GatewayContext.Scope>> OPEN = ThreadLocal.withInitial(ArrayDeque::new);

    @Override
    public GatewayContext.Snapshot capture() {
        return GatewayContext.capture();
    }

    @Override
    public void push(GatewayContext.Snapshot context) {
        OPEN.get().push(context.apply()); // replaces the pool thread's context, an empty one included
    }

    @Override
    public void reset(GatewayContext.Snapshot context) {
        Deque<GatewayContext.Scope> open = OPEN.get();
        GatewayContext.Scope scope = open.poll();
        if (scope != null) {
            scope.close();
        }
        if (open.isEmpty()) {
            OPEN.remove();
        }
    }
}
