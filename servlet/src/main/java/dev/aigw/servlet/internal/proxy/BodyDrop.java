package dev.aigw.servlet.internal.proxy;

import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;

/**
 * Reads and drops, without blocking, the rest of a request body that will not be forwarded because the request was
 * refused, so that the container does not close the connection on unread bytes: the client's TCP stack would drop the
 * answer on the reset that follows. At most {@link #LIMIT} bytes, within {@link #TIMEOUT_MS}; past either the
 * connection is closed.
 *
 * <p>Internal: not API, may change in any release.
 */
final class BodyDrop {
    /** Largest rest of a body read and dropped after a refusal. */
    static final long LIMIT = 1 << 20;
    /** Longest time spent reading it. */
    static final long TIMEOUT_MS = 10_000;

    private final ServletInputStream in;
    private final byte[] buf = new byte[8192];
    private long dropped;

    BodyDrop(ServletInputStream in) {
        this.in = in;
    }

    /**
     * Whether a body left unread would stay on {@code req}'s connection: HTTP/1.1. From HTTP/2 on a request is a
     * stream of its own, which ends without touching the connection.
     */
    static boolean leftOnConnection(HttpServletRequest req) {
        return "HTTP/1.1".equals(req.getProtocol());
    }

    /** Whether a body whose unread rest is {@code unread} bytes (-1: unknown) is worth reading through. */
    static boolean fits(long unread) {
        return unread != 0 && unread <= LIMIT;
    }

    /**
     * Reads and drops what is ready. False while the body goes on (the container calls {@code onDataAvailable}
     * again, or {@code onAllDataRead} at its end); true once past {@link #LIMIT} (more than announced, or chunked):
     * stop reading.
     */
    boolean dropReady() throws IOException {
        while (!in.isFinished() && in.isReady()) {
            int n = in.read(buf);
            if (n < 0) {
                return false;
            }
            dropped += n;
            if (dropped > LIMIT) {
                return true;
            }
        }
        return false;
    }
}
