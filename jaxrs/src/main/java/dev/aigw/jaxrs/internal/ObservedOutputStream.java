package dev.aigw.jaxrs.internal;

import dev.aigw.Exchange;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;

/**
 * A request entity stream that reports each byte written to the exchange, unchanged and unbuffered.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ObservedOutputStream extends FilterOutputStream {
    private final Exchange exchange;
    private byte[] one; // made on the first single-byte write, then reused

    ObservedOutputStream(OutputStream out, Exchange exchange) {
        super(out);
        this.exchange = exchange;
    }

    @Override
    public void write(int b) throws IOException {
        out.write(b);
        if (one == null) {
            one = new byte[1];
        }
        one[0] = (byte) b;
        exchange.requestBody(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len); // FilterOutputStream would write byte by byte
        exchange.requestBody(b, off, len);
    }
}
