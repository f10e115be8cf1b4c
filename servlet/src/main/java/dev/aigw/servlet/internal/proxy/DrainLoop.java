package dev.aigw.servlet.internal.proxy;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs a step on one thread at a time, without a lock: a signal that arrives while the step runs makes the running
 * thread run it again, so every event (demand, data, a container callback, a stop) is followed by a step that sees
 * it. The stream pumps of the proxy are driven by events from container and HTTP client threads alike.
 *
 * <p>Internal: not API, may change in any release.
 */
final class DrainLoop {
    private final AtomicInteger wip = new AtomicInteger();
    private final Runnable step;

    DrainLoop(Runnable step) {
        this.step = step;
    }

    void signal() {
        if (wip.getAndIncrement() != 0) {
            return;
        }
        do {
            step.run();
        } while (wip.decrementAndGet() != 0);
    }
}
