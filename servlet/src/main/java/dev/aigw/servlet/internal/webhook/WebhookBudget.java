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

    /** Takes {@code bytes} more; false (nothing taken) when that would exceed the limit. */
    boolean reserve(long bytes) {
        long now;
        do {
            now = held.get();
            if (bytes > limit - now) {
                return false;
            }
        } while (!held.compareAndSet(now, now + bytes));
        return true;
    }

    void release(long bytes) {
        held.addAndGet(-bytes);
    }
}
