package dev.aigw.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hands records to listeners on one daemon thread, off the calls' threads, so that a slow or
 * failing listener can neither delay nor fail a call. The queue is bounded: when listeners fall
 * that far behind, records are dropped and counted rather than piling up in memory.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RecordDispatcher implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.aigw");

    private final List<ExchangeListener> listeners;
    private final BlockingQueue<Object> queue;
    private final java.util.function.Consumer<ExchangeRecord> onDrop;
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong delivered = new AtomicLong();
    private final Object lock = new Object();
    private final Object stopMarker = new Object();
    private Thread thread;
    private volatile boolean closed;

    public RecordDispatcher(List<ExchangeListener> listeners, int capacity) {
        this(listeners, capacity, null);
    }

    /** @param onDrop told of every record dropped because the queue was full (on the dropping thread), or null */
    public RecordDispatcher(List<ExchangeListener> listeners, int capacity,
                            java.util.function.Consumer<ExchangeRecord> onDrop) {
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
        ensureStarted();
        if (!queue.offer(record)) {
            long n = dropped.incrementAndGet();
            if (onDrop != null) {
                onDrop.accept(record);
            }
            if (n == 1 || n % 1000 == 0) {
                LOG.log(System.Logger.Level.WARNING, "aigw: exchange listeners are behind; " + n
                        + " record(s) dropped so far");
            }
        }
    }

    /** Records dropped because the queue was full. */
    public long dropped() {
        return dropped.get();
    }

    private void ensureStarted() {
        if (thread != null) {
            return;
        }
        synchronized (lock) {
            if (thread == null && !closed) {
                Thread t = new Thread(this::run, "aigw-records");
                t.setDaemon(true);
                t.start();
                thread = t;
            }
        }
    }

    private void run() {
        try {
            while (true) {
                Object o = queue.take();
                if (o == stopMarker) {
                    return;
                }
                deliver((ExchangeRecord) o);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
        delivered.incrementAndGet();
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
            if (!queue.offer(stopMarker, timeoutMillis, TimeUnit.MILLISECONDS)) {
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
