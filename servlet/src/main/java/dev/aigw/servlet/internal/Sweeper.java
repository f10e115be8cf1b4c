package dev.aigw.servlet.internal;

import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.LockSupport;

/**
 * Expires the deadlines of a filter's open calls from one thread of its own that looks at every open call each tick
 * (the proxy's: time to the head, idle body, the grace before completing a request the client left; the webhook
 * filter's: a body arriving too slowly). A call registers once and moves its own deadline; nothing is scheduled or
 * cancelled per event, and no call ever wakes the thread: a timer per call (the {@code ScheduledExecutorService} this
 * replaces) cost a queue insertion, a removal and often a thread wake-up on every request, on its critical path.
 * Deadlines fire up to one tick late. The thread starts with the first call, ends when no call was open for the
 * keep-alive, and with the filter ({@link #stop}): none outlives the web application.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Sweeper {
    /** Something with a deadline. */
    public interface Timed {
        /** {@link System#nanoTime()} by which {@link #expire} is due, or {@link Long#MAX_VALUE} for none (yet). */
        long deadline();

        /** The deadline passed; returns true when this needs no more sweeping. */
        boolean expire(long now);
    }

    private final String name;
    private final long tickNanos;
    private final long keepAliveNanos;
    private final Set<Timed> open = ConcurrentHashMap.newKeySet();
    private volatile Thread thread;
    private volatile boolean stopped;

    /** A sweeper whose thread, once started, is named {@code name} and looks at every call each {@code tick}. */
    public Sweeper(String name, Duration tick, Duration keepAlive) {
        this.name = name;
        this.tickNanos = tick.toNanos();
        this.keepAliveNanos = keepAlive.toNanos();
    }

    /** Sweeps {@code t} until it is {@link #remove}d or its {@link Timed#expire} returns true. */
    public void add(Timed t) {
        open.add(t);
        if (thread == null) {
            start();
        }
    }

    public void remove(Timed t) {
        open.remove(t);
    }

    private synchronized void start() {
        if (thread != null || stopped) {
            return;
        }
        Thread t = OwnedThreads.daemon(this::run, name);
        t.setContextClassLoader(null);
        thread = t;
        t.start();
    }

    private void run() {
        long idleSince = System.nanoTime();
        while (!stopped) {
            LockSupport.parkNanos(tickNanos);
            long now = System.nanoTime();
            for (Timed t : open) {
                long d = t.deadline();
                if (d != Long.MAX_VALUE && d - now <= 0) {
                    try {
                        if (t.expire(now)) {
                            open.remove(t);
                        }
                    } catch (RuntimeException e) {
                        open.remove(t); // a call that cannot expire cleanly must not be retried forever
                    }
                }
            }
            if (!open.isEmpty()) {
                idleSince = now;
            } else if (now - idleSince > keepAliveNanos && retire()) {
                return;
            }
        }
    }

    /**
     * Ends this thread unless a call was added meanwhile. {@link #add} adds before it looks at {@link #thread}, and
     * this clears {@link #thread} before it looks at the calls again: one of the two sees the other.
     */
    private boolean retire() {
        synchronized (this) {
            if (thread != Thread.currentThread()) {
                return true;
            }
            thread = null;
        }
        if (open.isEmpty()) {
            return true;
        }
        synchronized (this) {
            if (thread == null && !stopped) {
                thread = Thread.currentThread(); // a call came in between: keep sweeping
                return false;
            }
        }
        return true; // another thread took over
    }

    /** Ends the thread (waiting briefly) and forgets every call; with the filter. */
    public void stop() {
        Thread t;
        synchronized (this) {
            stopped = true;
            t = thread;
            thread = null;
        }
        open.clear();
        if (t != null) {
            LockSupport.unpark(t);
            OwnedThreads.join(t);
        }
    }
}
