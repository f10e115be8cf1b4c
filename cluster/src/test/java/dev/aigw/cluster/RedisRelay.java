package dev.aigw.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A loopback TCP relay between a client and a {@code redis-server} that can lose one reply: once {@link #arm}ed with
 * a piece of a command, it forwards the next command containing it, waits for the server's reply (so the server has
 * applied the command) and then, instead of forwarding the reply, closes that connection at both ends. It can also
 * hold every reply back for a while ({@link #delayReplies}: a Redis busy loading its data after a restart) and cut
 * every connection at once ({@link #cutAll}: a restart, as the clients see it). Everything else passes unchanged.
 * Its threads end with {@link #close()}.
 */
final class RedisRelay implements AutoCloseable {
    private final int target;
    private final ServerSocket server;
    private final AtomicReference<String> armed = new AtomicReference<>();
    private final AtomicInteger cuts = new AtomicInteger();
    private volatile long replyDelayMillis;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final List<Thread> threads = new CopyOnWriteArrayList<>();

    RedisRelay(int targetPort) throws IOException {
        this.target = targetPort;
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        start("relay-accept", this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    /** The reply to the next command whose text contains {@code piece} (ignoring case) is lost. */
    void arm(String piece) {
        armed.set(piece.toUpperCase(Locale.ROOT));
    }

    /** Every reply from now on reaches the client {@code millis} after the server sent it. */
    void delayReplies(long millis) {
        replyDelayMillis = millis;
    }

    /** Closes every connection so far at both ends. */
    void cutAll() {
        sockets.forEach(RedisRelay::quietly);
        sockets.clear();
    }

    /** Replies lost so far. */
    int cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
                sockets.add(client);
                sockets.add(upstream);
                AtomicBoolean loseReply = new AtomicBoolean();
                start("relay-up", () -> pump(client, upstream, loseReply, true));
                start("relay-down", () -> pump(upstream, client, loseReply, false));
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicBoolean loseReply, boolean commands) {
        byte[] buf = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buf)) > 0) {
                if (commands) {
                    String piece = armed.get();
                    // commands are small and sent in one write: one read holds the whole of one on loopback
                    if (piece != null && new String(buf, 0, n, StandardCharsets.ISO_8859_1).toUpperCase(Locale.ROOT)
                            .contains(piece) && armed.compareAndSet(piece, null)) {
                        loseReply.set(true); // before the command is forwarded, so before its reply can come
                    }
                } else if (loseReply.get()) {
                    cuts.incrementAndGet();
                    from.close();
                    to.close();
                    return;
                } else if (replyDelayMillis > 0) {
                    Thread.sleep(replyDelayMillis);
                }
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException | InterruptedException e) {
            // the other side or close() ended it
        } finally {
            quietly(from);
            quietly(to);
        }
    }

    private void start(String name, Runnable r) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    private static void quietly(Socket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        sockets.forEach(RedisRelay::quietly);
        for (Thread t : threads) {
            t.join(5000);
        }
    }
}
