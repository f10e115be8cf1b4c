package dev.aigw.cluster;

import dev.aigw.servlet.internal.state.RedisUrl;
import dev.aigw.servlet.internal.state.StateEngine;
import dev.aigw.servlet.internal.state.StateEngines;
import org.junit.jupiter.api.Test;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The retry's fresh connection gets the time left as its connect and read timeouts, but the
 * handshake Jedis runs in {@code new Connection(...)} (AUTH, then CLIENT SETNAME and two CLIENT SETINFO) waits up to
 * that much for each reply. A server that answers each reply a little slower than the time left (a Redis loading its
 * data after the restart answers between loading chunks; a TLS terminator in front) holds the caller's thread several
 * times {@code aigw.state.timeout}, and the call fails in the end anyway.
 */
class RedisRetryDeadlineTest {
    private static final Duration TIMEOUT = Duration.ofMillis(1000);

    @Test
    void theRetryStaysWithinTheStateTimeoutWhenTheRestartedServerAnswersSlowly() throws Exception {
        try (SlowRedis server = new SlowRedis()) {
            StateEngine e = StateEngines.redis(RedisUrl.parse("redis://:pw@127.0.0.1:" + server.port() + "/0"),
                    TIMEOUT, false);
            try {
                assertThat(e.tryGet("aigw:k")).isNull(); // a pooled connection, answered at once
                server.delayMillis = 800; // below the read timeout, per reply
                server.killAll(); // "the restart": the pooled connection is dead
                Thread.sleep(200);
                long start = System.nanoTime();
                String outcome;
                try {
                    outcome = "answered " + e.tryGet("aigw:k");
                } catch (Exception x) {
                    outcome = "failed: " + x.getMessage();
                }
                long ms = Duration.ofNanos(System.nanoTime() - start).toMillis();
                System.out.println("the call after the restart took " + ms + " ms (" + outcome + ")");
                assertThat(ms).as("one state call, aigw.state.timeout=" + TIMEOUT.toMillis() + " ms (" + outcome + ")")
                        .isLessThan(TIMEOUT.toMillis() + 300);
            } finally {
                e.close();
            }
        }
    }

    /** Speaks just enough RESP; each connection answers each command after the delay set when it was accepted. */
    static final class SlowRedis implements AutoCloseable {
        private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        private final List<Socket> sockets = new CopyOnWriteArrayList<>();
        private final List<Thread> threads = new CopyOnWriteArrayList<>();
        volatile long delayMillis;

        SlowRedis() throws IOException {
            start(this::accept);
        }

        int port() {
            return server.getLocalPort();
        }

        void killAll() throws IOException {
            for (Socket s : sockets) {
                s.close();
            }
            sockets.clear();
        }

        private void start(Runnable r) {
            Thread t = new Thread(r, "slow-redis");
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }

        private void accept() {
            try {
                while (true) {
                    Socket s = server.accept();
                    sockets.add(s);
                    long delay = delayMillis;
                    start(() -> serve(s, delay));
                }
            } catch (IOException closed) {
                // done
            }
        }

        private static void serve(Socket s, long delay) {
            try (s) {
                InputStream in = new BufferedInputStream(s.getInputStream());
                OutputStream out = s.getOutputStream();
                while (true) {
                    String command = readCommand(in);
                    if (command == null) {
                        return;
                    }
                    Thread.sleep(delay);
                    String reply = switch (command) {
                        case "GET" -> "$-1\r\n";
                        case "PING" -> "+PONG\r\n";
                        default -> "+OK\r\n";
                    };
                    out.write(reply.getBytes(StandardCharsets.US_ASCII));
                    out.flush();
                }
            } catch (IOException | InterruptedException | RuntimeException gone) {
                // the connection ended
            }
        }

        /** The command's name, upper case; null at the end of the stream. */
        private static String readCommand(InputStream in) throws IOException {
            String head = line(in);
            if (head == null) {
                return null;
            }
            int n = Integer.parseInt(head.substring(1));
            String name = null;
            for (int i = 0; i < n; i++) {
                int len = Integer.parseInt(line(in).substring(1));
                byte[] b = in.readNBytes(len + 2);
                if (i == 0) {
                    name = new String(b, 0, len, StandardCharsets.US_ASCII).toUpperCase(Locale.ROOT);
                }
            }
            return name;
        }

        private static String line(InputStream in) throws IOException {
            StringBuilder sb = new StringBuilder();
            int c;
            while ((c = in.read()) != -1) {
                if (c == '\n') {
                    return sb.toString().strip();
                }
                sb.append((char) c);
            }
            return null;
        }

        @Override
        public void close() throws Exception {
            server.close();
            killAll();
            for (Thread t : threads) {
                t.join(5000);
            }
        }
    }
}
