package dev.aigw.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;

/**
 * A loopback port that refuses every connection, for as long as it is open: "the gateway (or Replicate) is
 * unreachable". The port is held by a bound socket that never listens, so no other server, in this JVM or in another
 * process on the machine, can take it while a test counts on the refusal, as one could take a port that was found
 * free and released.
 *
 * <pre>{@code
 * try (RefusingPort nobody = RefusingPort.open()) {
 *     Gateway g = Gateway.builder().baseUrl(nobody.url("/v1").toString())...
 * }
 * }</pre>
 */
public final class RefusingPort implements AutoCloseable {
    private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

    private final Socket socket;

    private RefusingPort(Socket socket) {
        this.socket = socket;
    }

    /** Binds a loopback port of the system's choosing. */
    public static RefusingPort open() {
        Socket s = new Socket();
        try {
            s.bind(new InetSocketAddress(LOOPBACK, 0));
            return new RefusingPort(s);
        } catch (IOException e) {
            try {
                s.close();
            } catch (IOException ignored) {
                // nothing was bound
            }
            throw new UncheckedIOException("no loopback port could be bound", e);
        }
    }

    /** The port. */
    public int port() {
        return socket.getLocalPort();
    }

    /** {@code http://<loopback>:<port><path>}. */
    public URI url(String path) {
        return URI.create("http://" + hostLiteral() + ":" + port() + path);
    }

    private static String hostLiteral() {
        String h = LOOPBACK.getHostAddress();
        return h.indexOf(':') >= 0 ? "[" + h + "]" : h;
    }

    /** Releases the port. */
    @Override
    public void close() {
        try {
            socket.close();
        } catch (IOException e) {
            // closing a bound, unconnected socket does not fail in practice; nothing to release then
        }
    }
}
