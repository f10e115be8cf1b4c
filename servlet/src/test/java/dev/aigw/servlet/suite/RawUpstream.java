package dev.aigw.servlet.suite;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A gateway on a raw loopback socket that answers with head fields exactly as a test scripts them: the testkit's
 * fakes run on Jetty, whose server drops or rewrites fields it reads itself (a {@code Connection} field set by a
 * handler never goes out), so what a proxy does with such fields can only be shown with a server that writes bytes.
 * HTTP/1.1 with keep-alive; each request's head is kept ({@link #requests}); an unscripted request gets 503.
 */
final class RawUpstream implements AutoCloseable {
    private final ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final Queue<String[]> answers = new ConcurrentLinkedQueue<>();
    /** The head of every request received, as sent (request line and fields), oldest first. */
    final List<String> requests = new CopyOnWriteArrayList<>();

    RawUpstream() throws IOException {
        Thread t = new Thread(this::accept, "raw-upstream");
        t.setDaemon(true);
        t.start();
    }

    /** Where a {@code Gateway} built on this upstream sends its calls (its base URL). */
    URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort() + "/v1");
    }

    /**
     * The next request's answer: the status line and header lines ({@code "HTTP/1.1 200 OK", "Link: <...>"}), a
     * {@code Content-Length} of {@code body} added.
     */
    void answer(String body, String... statusAndFields) {
        String[] a = new String[statusAndFields.length + 1];
        a[0] = body;
        System.arraycopy(statusAndFields, 0, a, 1, statusAndFields.length);
        answers.add(a);
    }

    /** Drops unused answers and the heads received. */
    void reset() {
        answers.clear();
        requests.clear();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket s = server.accept();
                open.add(s);
                Thread t = new Thread(() -> serve(s), "raw-upstream-connection");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                return; // closed
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            s.setSoTimeout(60_000);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            for (String head; (head = readHead(in)) != null; ) {
                requests.add(head);
                skipBody(in, head);
                String[] a = answers.poll();
                if (a == null) {
                    a = new String[]{"{\"detail\":\"nothing scripted\"}", "HTTP/1.1 503 Service Unavailable",
                            "Content-Type: application/json"};
                }
                byte[] body = a[0].getBytes(StandardCharsets.UTF_8);
                StringBuilder b = new StringBuilder();
                for (int i = 1; i < a.length; i++) {
                    b.append(a[i]).append("\r\n");
                }
                b.append("Content-Length: ").append(body.length).append("\r\n\r\n");
                out.write(b.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(body);
                out.flush();
            }
        } catch (IOException e) {
            // the client went away, or close()
        } finally {
            open.remove(s);
        }
    }

    /** A request's head without its final empty line, or null at the connection's end. */
    private static String readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int matched = 0;
        for (int c; (c = in.read()) >= 0; ) {
            head.write(c);
            matched = c == (matched % 2 == 0 ? '\r' : '\n') ? matched + 1 : c == '\r' ? 1 : 0;
            if (matched == 4) {
                String h = head.toString(StandardCharsets.ISO_8859_1);
                return h.substring(0, h.length() - 4);
            }
        }
        return null;
    }

    /** Reads and drops a body announced by {@code Content-Length} (the proxy sends no chunked body here). */
    private static void skipBody(InputStream in, String head) throws IOException {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, "Content-Length:", 0, 15)) {
                in.readNBytes(Integer.parseInt(line.substring(15).strip()));
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
        for (Socket s : open) {
            s.close();
        }
    }
}
