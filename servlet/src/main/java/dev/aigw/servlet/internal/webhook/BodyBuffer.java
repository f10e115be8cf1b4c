package dev.aigw.servlet.internal.webhook;

/**
 * A webhook body while it is read and not verified yet, in one array whose length is what its delivery's
 * {@link WebhookBudget.Reservation} is charged, so that the budget counts what the heap holds. With a declared
 * {@code Content-Length} the array is of exactly that length, allocated once on the first bytes (the reservation
 * took the length before): the bytes are read straight into it and it is the body as it stands, no copy. Without
 * one (chunked) it grows by doubling, up to the body limit; when the budget cannot give the doubled length it
 * grows by an eighth, then to exactly what the bytes need, so a body is refused only when its bytes do not fit.
 * A grown body is trimmed (one copy) only once verified, when the budget no longer counts it.
 *
 * <p>Not thread-safe: its delivery reads it under its lock. Internal: not API, may change in any release.
 */
final class BodyBuffer {
    private final WebhookBudget.Reservation reservation;
    private final int max;
    /** The declared length while nothing is allocated (0 when unknown). */
    private int initial;
    private byte[] buf;
    private int size;

    /**
     * @param declared the declared length, already reserved, at most {@code max}; -1 unknown
     * @param max      {@code aigw.webhook.max-body-bytes}
     */
    BodyBuffer(WebhookBudget.Reservation reservation, long declared, int max) {
        this.reservation = reservation;
        this.max = max;
        this.initial = declared > 0 ? (int) Math.min(declared, max) : 0;
    }

    /** The bytes held so far. */
    int size() {
        return size;
    }

    /** How many bytes can be read straight into {@link #array()} at {@link #size()} without growing. */
    int room() {
        if (buf == null && initial > 0) {
            buf = new byte[initial]; // reserved at the declared length
            initial = 0;
        }
        return buf == null ? 0 : buf.length - size;
    }

    /** The array the body is in (its first {@link #size()} bytes); null while nothing was held. */
    byte[] array() {
        return buf;
    }

    /** {@code n} bytes were read into {@link #array()} at {@link #size()}, within {@link #room()}. */
    void filled(int n) {
        size += n;
    }

    /**
     * Appends {@code n} bytes read elsewhere, growing the array (and the reservation) as needed; false, nothing
     * changed, when the budget cannot give what the bytes need. The caller keeps {@link #size()} + n within the body
     * limit.
     */
    boolean append(byte[] b, int off, int n) {
        int needed = size + n;
        if (buf == null || needed > buf.length) {
            int have = buf == null ? 0 : buf.length;
            int length = -1;
            for (long candidate : new long[]{Math.max(needed, 2L * have), needed + (long) (needed >> 3), needed}) {
                int c = (int) Math.min(candidate, max);
                if (c >= needed && reservation.grow(c)) {
                    length = c;
                    break;
                }
            }
            if (length < 0) {
                return false;
            }
            byte[] grown = new byte[length];
            if (size > 0) {
                System.arraycopy(buf, 0, grown, 0, size);
            }
            buf = grown;
        }
        System.arraycopy(b, off, buf, size, n);
        size = needed;
        return true;
    }

    /** Lets the bytes go (the body is dropped); the caller gives the reservation back. */
    void release() {
        buf = null;
        size = 0;
        initial = 0;
    }

    /** The body as one exact array: the array itself when full (a declared length), else a trimmed copy. */
    static byte[] exact(byte[] array, int size) {
        if (array == null) {
            return new byte[0];
        }
        return size == array.length ? array : java.util.Arrays.copyOf(array, size);
    }
}
