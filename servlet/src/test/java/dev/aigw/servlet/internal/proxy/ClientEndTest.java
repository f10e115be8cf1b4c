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
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * How a call ends on the client's side while its answer is being written, on a real container's response: every
 * write, and a problem that replaces the answer, go through {@link ClientIo}, one at a time.
 */
class ClientEndTest {
    private static final Refusal STALLED = Refusal.of(502, "upstream_failed", "the upstream stalled");

    /** A request's servlet, with async processing started and the stream's write listener left to it. */
    @FunctionalInterface
    private interface Async {
        void serve(HttpServletRequest req, HttpServletResponse resp, AsyncContext ac, ServletOutputStream out)
                throws IOException, InterruptedException;
    }

    /**
     * A problem decided on one thread (the sweeper's idle timeout) while a write of the answer's body is under way on
     * another (the upstream's): the problem touches the response only once that write is done, and then replaces
     * what it wrote; it never puts its head over bytes being written.
     */
    @Test
    @Timeout(60)
    void aProblemWaitsForAWriteUnderWayAndReplacesWhatItWrote() throws Exception {
        AtomicInteger statusDuringWrite = new AtomicInteger();
        HttpResponse<String> r = call((req, resp, ac, out) -> {
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
        });
        assertThat(statusDuringWrite.get()).as("the response as the write under way left it").isEqualTo(200);
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith(ProblemJson.CONTENT_TYPE);
        assertThat(r.body()).as("the problem alone, nothing of the body before it")
                .isEqualTo(ProblemJson.body(502, STALLED.title(), STALLED.detail(), STALLED.code(), null));
    }

    /**
     * The body's writer, stopped (the call ended: a problem may take the response) while its next write waits for
     * {@link ClientIo}, writes nothing once it gets it.
     */
    @Test
    @Timeout(60)
    void aWriteWaitingWhenTheWriterStopsNeverHappens() throws Exception {
        HttpResponse<String> r = call((req, resp, ac, out) -> {
            ClientIo io = new ClientIo();
            ResponseWriter w = new ResponseWriter(out, io, new ResponseHead.Body(BodyTransform.identity(), false, -1),
                    new Heard());
            out.setWriteListener(new WriteListener() {
                @Override
                public void onWritePossible() {
                    w.writePossible();
                }

                @Override
                public void onError(Throwable t) {
                }
            });
            w.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                }
            });
            Thread upstream = new Thread(() -> w.onNext(List.of(ByteBuffer.wrap("a chunk of the body"
                    .getBytes(StandardCharsets.US_ASCII)))), "upstream");
            io.run(() -> { // another write under way: the upstream's chunk waits for it
                upstream.start();
                awaitQueuedOrEnded(io, upstream);
                w.stop();
                return null;
            });
            upstream.join();
            io.run(() -> {
                out.write("after".getBytes(StandardCharsets.US_ASCII));
                return null;
            });
            ac.complete();
        });
        assertThat(r.body()).as("nothing of the chunk that waited").isEqualTo("after");
    }

    /**
     * The writer stopped (the call ended) before the upstream's subscription reached it: the subscription that comes
     * afterwards is cancelled, so the upstream body is not left open with nobody reading it.
     */
    @Test
    @Timeout(60)
    void aWriterStoppedBeforeItsSubscriptionCancelsTheSubscriptionWhenItComes() throws Exception {
        AtomicInteger cancels = new AtomicInteger();
        call((req, resp, ac, out) -> {
            ResponseWriter w = new ResponseWriter(out, new ClientIo(), new ResponseHead.Body(BodyTransform.identity(),
                    false, -1), new Heard());
            w.stop();
            w.onSubscribe(new Flow.Subscription() {
                @Override
                public void request(long n) {
                }

                @Override
                public void cancel() {
                    cancels.incrementAndGet();
                }
            });
            ac.complete();
        });
        assertThat(cancels.get()).isEqualTo(1);
    }

    /** What the call hears from the writer: the head is always due, nothing else matters here. */
    private static final class Heard implements ResponseWriter.Events {
        @Override
        public void received(ByteBuffer b) {
        }

        @Override
        public boolean headDue() {
            return true;
        }

        @Override
        public void ending() {
        }

        @Override
        public void completed() {
        }

        @Override
        public void upstreamFailed(Throwable t) {
        }

        @Override
        public void clientFailed(Throwable t) {
        }
    }

    /** Serves one request with {@code servlet} on Jetty ee10 and returns the answer. */
    private static HttpResponse<String> call(Async servlet) throws Exception {
        Server server = new Server();
        try {
            ServerConnector connector = new ServerConnector(server);
            connector.setHost("127.0.0.1");
            connector.setPort(0);
            server.addConnector(connector);
            ServletContextHandler context = new ServletContextHandler();
            context.addServlet(new ServletHolder(new HttpServlet() {
                @Override
                protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    AsyncContext ac = req.startAsync();
                    try {
                        servlet.serve(req, resp, ac, resp.getOutputStream());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new IOException(e);
                    }
                }
            }), "/*");
            server.setHandler(context);
            server.start();
            return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                    + connector.getLocalPort() + "/call")).build(), HttpResponse.BodyHandlers.ofString());
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
