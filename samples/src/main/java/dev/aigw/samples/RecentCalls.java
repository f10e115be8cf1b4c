package dev.aigw.samples;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * The app's memory of its last calls: an {@link ExchangeListener} on the gateway that keeps at most {@code capacity}
 * calls (oldest dropped first, so memory stays flat however long the app runs) and tells subscribers — the page's
 * event stream, the console — about each new one. Records arrive on aigw's record thread, never on a caller's.
 */
public final class RecentCalls implements ExchangeListener {
    private final int capacity;
    private final ArrayDeque<Call> calls;
    private final List<Consumer<Call>> subscribers = new CopyOnWriteArrayList<>();
    private long seq;

    public RecentCalls(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.calls = new ArrayDeque<>(capacity);
    }

    @Override
    public void onExchange(ExchangeRecord record) {
        Call call;
        synchronized (this) {
            call = Call.of(++seq, record);
            if (call.user() == null && call.predictionId() != null) {
                // A webhook carries no user of its own: it belongs to whoever created the prediction.
                call = call.withUser(creatorOf(call.predictionId()));
            }
            if (calls.size() == capacity) {
                calls.removeFirst();
            }
            calls.addLast(call);
        }
        for (Consumer<Call> s : subscribers) {
            try {
                s.accept(call);
            } catch (RuntimeException e) {
                // one broken subscriber (a closed page) must not keep the call from the others
            }
        }
    }

    /** The calls kept, oldest first. */
    public synchronized List<Call> snapshot() {
        return new ArrayList<>(calls);
    }

    /** Calls {@code subscriber} with every call recorded from now on; close the result to stop. */
    public Subscription subscribe(Consumer<Call> subscriber) {
        subscribers.add(subscriber);
        return () -> subscribers.remove(subscriber);
    }

    /** A subscription to new calls. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private String creatorOf(String predictionId) {
        for (Iterator<Call> it = calls.descendingIterator(); it.hasNext(); ) {
            Call c = it.next();
            if (predictionId.equals(c.predictionId()) && c.user() != null) {
                return c.user();
            }
        }
        return null;
    }
}
