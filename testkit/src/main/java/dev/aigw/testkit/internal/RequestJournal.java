package dev.aigw.testkit.internal;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Thread-safe append-only list with blocking await, shared by both fakes for requests and logs.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RequestJournal<T> {
    private final List<T> items = new ArrayList<>();

    public synchronized void add(T item) {
        items.add(item);
        notifyAll();
    }

    public synchronized List<T> snapshot() {
        return List.copyOf(items);
    }

    public synchronized void clear() {
        items.clear();
    }

    public synchronized void removeIf(java.util.function.Predicate<T> filter) {
        items.removeIf(filter);
    }

    public synchronized void replace(T old, T replacement) {
        int i = items.indexOf(old);
        if (i >= 0) {
            items.set(i, replacement);
        }
    }

    /** Waits until at least {@code n} items exist; returns the snapshot or throws on timeout. */
    public synchronized List<T> await(int n, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (items.size() < n) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("expected at least " + n + " recorded entries within " + timeout
                        + " but saw " + items.size() + ": " + items);
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted", e);
            }
        }
        return List.copyOf(items);
    }
}
