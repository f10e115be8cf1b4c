package dev.aigw.jaxrs.internal;

import dev.aigw.Exchange;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.lang.ref.Cleaner;

/**
 * A response entity stream that passes every byte through untouched and reports it to the
 * exchange as the caller reads it. The record is emitted at end of stream or on close (cancelled when
 * closed before the whole body passed, as on every path); a read error fails it. Nothing is buffered, and event streams are only counted (the exchange parses
 * JSON bodies alone).
 *
 * <p>A response that is dropped without being read to the end or closed is recorded as cancelled
 * when the garbage collector finds the stream unreachable: late, but never lost.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ObservedInputStream extends FilterInputStream {
    /** One cleaner thread for aigw's last-resort records (dropped responses, unreported failures). */
    static final Cleaner CLEANER = Cleaner.create();

    private final Exchange exchange;
    private final Cleaner.Cleanable cleanable;
    private byte[] one; // made on the first single-byte call (SSE parsers read byte by byte), then reused

    ObservedInputStream(InputStream in, Exchange exchange) {
        super(in);
        this.exchange = exchange;
        this.cleanable = CLEANER.register(this, new Abandoned(exchange));
    }

    /** Holds the exchange only, never the stream, so that the stream can become unreachable. */
    private record Abandoned(Exchange exchange) implements Runnable {
        @Override
        public void run() {
            exchange.cancel("response neither read to the end nor closed");
        }
    }

    @Override
    public int read() throws IOException {
        int b;
        try {
            b = super.read();
        } catch (IOException | RuntimeException e) {
            failed(e);
            throw e;
        }
        if (b < 0) {
            ended();
        } else {
            if (one == null) {
                one = new byte[1];
            }
            one[0] = (byte) b;
            exchange.responseBody(one, 0, 1);
        }
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n;
        try {
            n = super.read(b, off, len);
        } catch (IOException | RuntimeException e) {
            failed(e);
            throw e;
        }
        if (n < 0) {
            ended();
        } else {
            exchange.responseBody(b, off, n);
        }
        return n;
    }

    /** Skipped bytes are read, so that they are counted and sniffed like the rest. */
    @Override
    public long skip(long n) throws IOException {
        if (n <= 0) {
            return 0;
        }
        byte[] buf = new byte[(int) Math.min(n, 8192)];
        long left = n;
        while (left > 0) {
            int r = read(buf, 0, (int) Math.min(left, buf.length));
            if (r < 0) {
                break;
            }
            left -= r;
        }
        return n - left;
    }

    @Override
    public boolean markSupported() {
        return false; // a reset would report the same bytes twice
    }

    @Override
    public synchronized void mark(int readlimit) {
    }

    @Override
    public synchronized void reset() throws IOException {
        throw new IOException("mark/reset not supported");
    }

    @Override
    public void close() throws IOException {
        try {
            super.close();
        } finally {
            // the call is over; complete only if the whole body had passed (else cancelled: one meaning, in core)
            exchange.responseClosed("the caller closed the response before its end");
            cleanable.clean();
        }
    }

    private void ended() {
        exchange.complete();
        cleanable.clean();
    }

    private void failed(Exception e) {
        exchange.fail(e);
        cleanable.clean();
    }
}
