package dev.aigw.servlet.internal.proxy;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Guards every read and write the proxy makes on one client's streams, from whatever thread, so that none is in
 * progress or starts once the request is being completed. Containers recycle request and response objects: on Tomcat
 * a write that was still under way on an HTTP client thread when the container completed the request after a client
 * error failed a moment later and left its error on the recycled processor, where it broke the next, unrelated
 * request on another connection. Ending the request therefore waits for the operation in progress (briefly: they are
 * non-blocking) and closes this guard first.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ClientIo {
    /** Upper bound on waiting for an operation in progress; it would only be reached if one blocked. */
    private static final long CLOSE_WAIT_MS = 1000;

    /** One non-blocking operation on the client's streams. */
    @FunctionalInterface
    interface Operation<T> {
        T run() throws IOException;
    }

    private final ReentrantLock lock = new ReentrantLock();
    private volatile boolean closed;

    /** Runs {@code op} unless closed; returns null when closed (the caller stops). */
    <T> T run(Operation<T> op) throws IOException {
        if (closed) {
            return null;
        }
        lock.lock();
        try {
            return closed ? null : op.run();
        } finally {
            lock.unlock();
        }
    }

    boolean closed() {
        return closed;
    }

    /** After this returns no operation is in progress or will start. */
    void close() {
        boolean locked = false;
        try {
            locked = lock.tryLock(CLOSE_WAIT_MS, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closed = true;
        if (locked) {
            lock.unlock();
        }
    }
}
