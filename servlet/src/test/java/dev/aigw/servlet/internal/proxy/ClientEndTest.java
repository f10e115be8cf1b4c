package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.ProblemJson;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.lang.reflect.Field;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

/** How a call ends on the client's side, on a real container's response. */
class ClientEndTest {
    private static final Refusal STALLED = Refusal.of(502, "upstream_failed", "the upstream stalled");

    /**
     * A problem decided on one thread (the sweeper's idle timeout) while a write of the answer's body is under way on
     * another (the upstream's): the problem touches the response only once that write is done, under ClientIo like
     * every write, and then replaces what it wrote; it never puts its head over bytes being written.
     */
    @Test
    @Timeout(60)
    void aProblemWaitsForAWriteUnderWayAndReplacesWhatItWrote() throws Exception {
        AtomicInteger statusDuringWrite = new AtomicInteger();
        HttpServlet servlet = new HttpServlet() {
            @Override
            protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                AsyncContext ac = req.startAsync();
                ServletOutputStream out = resp.getOutputStream();
                ClientIo io = new ClientIo();
                ClientEnd client = new ClientEnd(req, resp, ac, out, io,
                        (ConcurrencyLimit.Permit) new ConcurrencyLimit(1, 1).acquire("k"));
                out.setWriteListener(new WriteListener() {
                    @Override
                    public void onWritePossible() {
                        client.writeProblemIfReady();
                    }

                    @Override
                    public void onError(Throwable t) {
                        client.complete();
                    }
                });
                resp.setContentType("application/json");
                Thread problem = new Thread(() -> client.problem(STALLED), "problem");
                io.run(() -> { // a write of the body under way
                    problem.start();
                    awaitQueuedOrEnded(io, problem);
                    statusDuringWrite.set(resp.getStatus());
                    if (out.isReady()) {
                        out.write("{\"output\":\"half of it".getBytes(StandardCharsets.US_ASCII));
                    }
                    return null;
                });
            }
        };
        Server server = new Server();
        try {
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler();
            context.addServlet(new ServletHolder(servlet), "/*");
            server.setHandler(context);
            server.start();
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                    "http://127.0.0.1:" + connector.getLocalPort() + "/call")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(statusDuringWrite.get()).as("the response as the write under way left it").isEqualTo(200);
            assertThat(r.statusCode()).isEqualTo(502);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith(ProblemJson.CONTENT_TYPE);
            assertThat(r.body()).as("the problem alone, nothing of the body before it")
                    .isEqualTo(ProblemJson.body(502, STALLED.title(), STALLED.detail(), STALLED.code(), null));
        } finally {
            server.stop();
        }
    }

    /** Waits until {@code t} waits for ClientIo's lock (held by the caller), or ended without it. */
    private static void awaitQueuedOrEnded(ClientIo io, Thread t) {
        ReentrantLock lock;
        try {
            Field f = ClientIo.class.getDeclaredField("lock");
            f.setAccessible(true);
            lock = (ReentrantLock) f.get(io);
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
        while (!lock.hasQueuedThread(t) && t.getState() != Thread.State.TERMINATED) {
            Thread.onSpinWait();
        }
    }
}
