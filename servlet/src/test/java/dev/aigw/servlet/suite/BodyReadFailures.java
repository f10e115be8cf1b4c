package dev.aigw.servlet.suite;

import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.testkit.ReplicateWebhooks;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A body read that the container fails, on a chain that is not async-supported ({@code /blocking}: the body is read
 * blocking) and on one that is ({@code /async}). A sender who stalls mid-body (the container's read timeout, 1 s
 * here; aigw's is 10 minutes, so that it cannot be what ends it) is answered 408 {@code webhook_too_slow} where the
 * container lets an answer be written ({@link #answersAfterReadTimeout}: Tomcat answers a blocking read itself). One
 * who leaves mid-body (a reset, or a half-close whose answer it still reads) is not answered, and never with a 2xx.
 * Either way nothing is handed on, no exception reaches the container (an application filter in front sees none),
 * the thread comes back and the delivery's share of the budget is given back (the budget is one body: a later
 * delivery needing all of it passes). One small subclass per container, which sets its read timeout: the shared
 * suite's containers keep their defaults (30 to 60 s).
 */
public abstract class BodyReadFailures {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /** The container's read timeout. */
    protected static final Duration READ_TIMEOUT = Duration.ofSeconds(1);
    /** Far beyond the container's read timeout, never reached in a passing run. */
    private static final Duration LONG = Duration.ofSeconds(20);

    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    /** What the chain threw back to the container, seen by the application's filter in front of aigw's. */
    private final List<Throwable> thrown = new CopyOnWriteArrayList<>();
    private ServletContainer container;
    private URI app;

    /** The container under test with its read timeout set to {@code readTimeout}, not started. */
    protected abstract ServletContainer container(Duration readTimeout);

    /**
     * Whether an answer can still be written on {@code chain} once the container's read timeout failed a read. Jetty
     * 12.1 fails the read and leaves the response to the application, on both chains. Tomcat commits the response as
     * a blocking read fails and answers with its own 408 page; a failed async read it ends by closing the connection
     * (10.1) or leaves the answer to the application (11).
     */
    protected boolean answersAfterReadTimeout(String chain) {
        return true;
    }

    @BeforeEach
    void start() throws Exception {
        container = container(READ_TIMEOUT);
        app = container.start("/app", Map.of(), (classes, ctx) -> {
            for (String chain : List.of("/blocking", "/async")) {
                // the application's filter in front, which sees what the chain throws back to the container
                FilterRegistration.Dynamic front = ctx.addFilter("front" + chain, (Filter) (rq, rs, ch) -> {
                    try {
                        ch.doFilter(rq, rs);
                    } catch (IOException | ServletException | RuntimeException e) {
                        thrown.add(e);
                        throw e;
                    }
                });
                front.setAsyncSupported(chain.equals("/async")); // set either way: Tomcat's default is true
                front.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, chain + "/*");
                FilterRegistration.Dynamic hook = ctx.addFilter("aigw-webhook" + chain, AigwWebhookFilter.builder()
                        .secret(SECRET).path(chain + "/hook").maxBodyBytes(64 * 1024).maxUnverifiedBytes(64 * 1024)
                        .readLimits(Duration.ofMinutes(10), 1).build());
                hook.setAsyncSupported(true);
                hook.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true,
                        chain + "/hook");
            }
            ctx.addServlet("receiver", new HttpServlet() {
                @Override
                protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    received.add(req.getInputStream().readAllBytes());
                    resp.setStatus(200);
                }
            }).addMapping("/blocking/hook", "/async/hook");
        });
    }

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/blocking", "/async"})
    void aSenderWhoStallsMidBodyIsAnswered408(String chain) throws Exception {
        long began = System.nanoTime();
        String answer;
        try (Socket stalled = sender(chain)) {
            answer = drain(stalled.getInputStream()); // a read past LONG throws
        }
        long ms = (System.nanoTime() - began) / 1_000_000;
        System.out.printf("%s %s: a stalled sender answered after %d ms: %.40s%n", container.name(), chain, ms,
                answer.replace("\r\n", " | "));
        if (answersAfterReadTimeout(chain)) {
            assertThat(answer).startsWith("HTTP/1.1 408 ").contains("\"code\":\"webhook_too_slow\"")
                    .contains("stopped arriving").containsIgnoringCase("\r\nConnection: close\r\n");
        } else { // Tomcat: its own 408 page read blocking, nothing (the connection closed) read async
            assertThat(answer).matches(chain.equals("/blocking") ? "(?s)HTTP/1\\.1 408 .*" : "")
                    .doesNotContain("webhook_too_slow");
        }
        assertThat(ms).isGreaterThanOrEqualTo(READ_TIMEOUT.toMillis() - 100); // the container's timeout ended it
        assertNothingHeld(chain);
    }

    /** {@code reset}: the sender resets the connection; otherwise it half-closes it and reads what comes. */
    @ParameterizedTest
    @CsvSource({"/blocking, false", "/blocking, true", "/async, false", "/async, true"})
    void aSenderWhoLeavesMidBodyHoldsNothing(String chain, boolean reset) throws Exception {
        try (Socket gone = sender(chain)) {
            Thread.sleep(100); // the filter is reading by now (or soon: either way the read fails)
            if (reset) {
                gone.setSoLinger(true, 0);
            } else {
                gone.shutdownOutput();
                String answer = drain(gone.getInputStream());
                System.out.printf("%s %s: a half-closed sender got: %.40s%n", container.name(), chain,
                        answer.replace("\r\n", " | "));
                assertThat(answer).doesNotStartWith("HTTP/1.1 2"); // never taken for delivered
            }
        }
        assertNothingHeld(chain);
    }

    /**
     * Nothing handed on, nothing thrown to the container, every worker back, and the budget back: a delivery that
     * declares all of the budget passes only if the failed delivery's share was given back.
     */
    private void assertNothingHeld(String chain) throws Exception {
        // idle for 100 ms on end: the container may still run a moment's task for the leaving sender (its onError)
        long deadline = System.nanoTime() + LONG.toNanos();
        int idle = 0;
        while (idle < 5 && System.nanoTime() < deadline) {
            idle = container.busyWorkers() <= 0 ? idle + 1 : 0;
            Thread.sleep(20);
        }
        assertThat(idle).as("samples with no busy worker in a row").isEqualTo(5);
        assertThat(received).isEmpty();
        assertThat(thrown).isEmpty();
        long now = Instant.now().getEpochSecond();
        String start = "{\"id\":\"p1\",\"status\":\"succeeded\",\"pad\":\"";
        byte[] body = (start + "x".repeat(64 * 1024 - start.length() - 2) + "\"}").getBytes(StandardCharsets.UTF_8);
        try (Socket after = new Socket(app.getHost(), app.getPort())) {
            after.setSoTimeout((int) LONG.toMillis());
            after.getOutputStream().write(("POST /app" + chain + "/hook HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "webhook-id: msg_after\r\nwebhook-timestamp: " + now + "\r\nwebhook-signature: "
                    + ReplicateWebhooks.sign(SECRET, "msg_after", now, body) + "\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            after.getOutputStream().write(body);
            assertThat(drain(after.getInputStream())).startsWith("HTTP/1.1 200");
        }
        assertThat(received).singleElement().isEqualTo(body);
    }

    /**
     * A sender to {@code chain} of valid-looking headers (not signed) that declares 20,000 bytes and sends 12,000: over
     * half, the pace its length asks of it (half of it within aigw's read timeout), so that only the container's read
     * timeout ends it.
     */
    private Socket sender(String chain) throws IOException {
        Socket s = new Socket(app.getHost(), app.getPort());
        s.setSoTimeout((int) LONG.toMillis());
        s.getOutputStream().write(("POST /app" + chain + "/hook HTTP/1.1\r\nHost: x\r\nwebhook-id: msg_left\r\n"
                + "webhook-timestamp: " + Instant.now().getEpochSecond() + "\r\nwebhook-signature: v1,AAAA\r\n"
                + "Content-Length: 20000\r\n\r\n{" + "x".repeat(11_999)).getBytes(StandardCharsets.US_ASCII));
        return s;
    }

    /** Everything until the container closes the connection (or resets it). */
    public static String drain(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        try {
            in.transferTo(all);
        } catch (java.net.SocketException reset) {
            // closed with a reset: what came before is kept
        }
        return all.toString(StandardCharsets.ISO_8859_1);
    }
}
