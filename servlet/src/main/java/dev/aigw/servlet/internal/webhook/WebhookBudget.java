package dev.aigw.servlet.internal.webhook;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes one webhook filter may hold for deliveries whose signature is not verified yet
 * ({@code aigw.webhook.max-unverified-bytes}): anyone can send valid-looking headers with a current timestamp, so
 * without a cap across deliveries concurrent senders could make the application hold each one's body, up to
 * {@code aigw.webhook.max-body-bytes}, at once. A delivery reserves what it declares (or, chunked, what arrives) before
 * it holds it and gives it back when it stops being unverified: verified, refused, gone, timed out or failed.
 *
 * <p>Thread-safe, lock-free. Internal: not API, may change in any release.
 */
public final class WebhookBudget {
    private final long limit;
    private final AtomicLong held = new AtomicLong();

    public WebhookBudget(long limit) {
        this.limit = limit;
    }

    public long limit() {
        return limit;
    }

    /** The bytes reserved now. */
    long held() {
        return held.get();
    }

    /** Takes {@code bytes} more; false (nothing taken) when that would exceed the limit. */
    private boolean reserve(long bytes) {
        long now;
        do {
            now = held.get();
            if (bytes > limit - now) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    private void release(long bytes) {
        held.addAndGet(-bytes);
    }

    /** A share for one delivery: grown as its body becomes known, given back once. */
    Reservation reservation() {
        return new Reservation();
    }

    /** One delivery's share of the budget. Thread-safe. */
    final class Reservation {
        private long held; // guarded by this

        /** Makes the share {@code total} bytes in all; false (unchanged) when the budget cannot give the rest. */
        synchronized boolean grow(long total) {
            if (total <= held) {
                return true;
            }
            if (!reserve(total - held)) {
                return false;
            }
            held = total;
            return true;
        }

        /** Gives the share back; on every path, any number of times. */
        synchronized void giveBack() {
            release(held);
            held = 0;
        }
    }
}
