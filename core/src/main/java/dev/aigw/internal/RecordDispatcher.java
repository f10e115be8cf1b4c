package dev.aigw.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * Hands records to listeners on one daemon thread, off the calls' threads, so that a slow or
 * failing listener can neither delay nor fail a call. The queue is bounded: when listeners fall
 * that far behind, records are dropped and counted rather than piling up in memory.
 *
 * <p>Hand-off is batched: the listeners' thread takes everything queued at each turn, and a call's thread wakes it
 * only when it is actually parked, so under load most records cost their producer no wake-up at all (a blocking
 * queue's {@code take} signalled, and the thread woke, once per record).
 *
 * <p>The thread ends after {@link #KEEP_ALIVE_MS} without records and starts again with the next one: a gateway that
 * nothing closes (one per Jakarta REST client past the shared configurations: clients have no close hook) must not
 * keep a thread, a GC root, and through it itself, for ever.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RecordDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.aigw");
    private static final int BATCH = 256;
    /** How long the listeners' thread waits for records before it ends. */
    static final long KEEP_ALIVE_MS = 5_000;

    private final List<ExchangeListener> listeners;
    private final ArrayBlockingQueue<Object> queue;
    private final java.util.function.Consumer<ExchangeRecord> onDrop;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong signals = new AtomicLong();
    private final long keepAliveNanos;
    private final Object lock = new Object();
    private final Object stopMarker = new Object();
    private volatile Thread thread;
    private volatile boolean parked; // the listeners' thread is parked, or about to park, waiting for records
    private volatile boolean closed;

    public RecordDispatcher(List<ExchangeListener> listeners, int capacity) {
        this(listeners, capacity, null);
    }

    /** @param onDrop told of every record dropped because the queue was full (on the dropping thread), or null */
    public RecordDispatcher(List<ExchangeListener> listeners, int capacity,
                            java.util.function.Consumer<ExchangeRecord> onDrop) {
        this(listeners, capacity, onDrop, KEEP_ALIVE_MS);
    }

    RecordDispatcher(List<ExchangeListener> listeners, int capacity,
                     java.util.function.Consumer<ExchangeRecord> onDrop, long keepAliveMillis) {
        this.keepAliveNanos = TimeUnit.MILLISECONDS.toNanos(keepAliveMillis);
        this.listeners = List.copyOf(listeners);
        this.queue = new ArrayBlockingQueue<>(capacity);
        this.onDrop = onDrop;
    }

    public boolean hasListeners() {
        return !listeners.isEmpty();
    }

    public void dispatch(ExchangeRecord record) {
        if (listeners.isEmpty() || closed) {
            return;
        }
        if (queue.offer(record)) {
            wake(ensureStarted()); // after the offer: see retire()
            return;
        }
        long n = dropped.incrementAndGet();
        if (onDrop != null) {
            onDrop.accept(record);
        }
        if (n == 1 || n % 1000 == 0) {
            LOG.log(System.Logger.Level.WARNING, "aigw: exchange listeners are behind; " + n
                    + " record(s) dropped so far");
        }
    }

    /**
     * Unparks the listeners' thread if it is parked. The offer (under the queue's lock) comes before reading
     * {@code parked}, and the thread sets {@code parked} before it looks at the queue again: one of the two sees the
     * other, so no record is left waiting for a wake-up that never comes.
     */
    private void wake(Thread t) {
        if (t != null && parked) {
            parked = false; // later producers need not unpark it again
            signals.incrementAndGet();
            LockSupport.unpark(t);
        }
    }

    /** Records dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    /** How often a producer had to wake the listeners' thread (at most once per record; far fewer under load). */
    long signals() {
        return signals.get();
    }

    private Thread ensureStarted() {
        Thread t = thread;
        if (t != null) {
            return t;
        }
        synchronized (lock) {
            if (thread == null && !closed) {
                t = new Thread(this::run, "aigw-records");
                t.setDaemon(true);
                t.start();
                thread = t;
            }
            return thread;
        }
    }

    private void run() {
        List<Object> batch = new ArrayList<>(BATCH);
        long idleSince = System.nanoTime();
        while (true) {
            if (queue.drainTo(batch, BATCH) == 0) {
                parked = true;
                if (queue.isEmpty() && !closed) { // re-read after publishing "parked": see wake()
                    LockSupport.parkNanos(this, keepAliveNanos);
                }
                parked = false;
                if (Thread.interrupted()) { // close() gave up waiting
                    return;
                }
                if ((closed || System.nanoTime() - idleSince >= keepAliveNanos) && retire()) {
                    return;
                }
                continue;
            }
            idleSince = System.nanoTime();
            for (Object o : batch) {
                if (o == stopMarker || Thread.currentThread().isInterrupted()) { // interrupted: close() gave up
                    return;
                }
                deliver((ExchangeRecord) o);
            }
            batch.clear();
        }
    }

    /**
     * Ends this thread unless a record came meanwhile. A producer offers before it looks at {@link #thread}, and this
     * clears {@link #thread} before it looks at the queue again: one of the two sees the other, so a record offered
     * now is taken by this thread (taking itself back) or by one the producer starts.
     */
    private boolean retire() {
        synchronized (lock) {
            if (thread != Thread.currentThread()) {
                return true;
            }
            thread = null;
        }
        if (queue.isEmpty()) {
            return true;
        }
        synchronized (lock) {
            if (thread == null) { // a record came in between (closed or not): deliver it
                thread = Thread.currentThread();
                return false;
            }
        }
        return true; // another thread took over
    }

    private void deliver(ExchangeRecord r) {
        for (ExchangeListener l : listeners) {
            try {
                l.onExchange(r);
            } catch (Throwable t) { // a listener must never take the dispatcher down
                if (t instanceof VirtualMachineError) {
                    throw (VirtualMachineError) t;
                }
                LOG.log(System.Logger.Level.WARNING, "aigw: exchange listener " + l.getClass().getName()
                        + " failed: " + t);
            }
        }
    }

    /** Delivers what is queued (waiting at most {@code timeoutMillis}), then stops the thread. */
    @Override
    public void close() {
        close(2000);
    }

    public void close(long timeoutMillis) {
        Thread t;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            t = thread;
        }
        if (t == null) {
            return;
        }
        try {
            if (queue.offer(stopMarker, timeoutMillis, TimeUnit.MILLISECONDS)) {
                wake(t);
            } else {
                t.interrupt();
            }
            t.join(timeoutMillis);
            if (t.isAlive()) {
                t.interrupt();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            t.interrupt();
        }
    }
}
