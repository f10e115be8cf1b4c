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
    // 127.0.0.1, as the fakes bind and as tests write URLs, whatever the JVM's preference between IPv4 and IPv6
    private static final InetAddress LOOPBACK = ipv4Loopback();

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

    private static InetAddress ipv4Loopback() {
        try {
            return InetAddress.getByAddress("localhost", new byte[] {127, 0, 0, 1});
        } catch (java.net.UnknownHostException e) {
            throw new IllegalStateException(e); // not thrown for an address of four bytes
        }
    }

    /** The port (on 127.0.0.1). */
    public int port() {
        return socket.getLocalPort();
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    public URI url(String path) {
        return URI.create("http://127.0.0.1:" + port() + path);
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
