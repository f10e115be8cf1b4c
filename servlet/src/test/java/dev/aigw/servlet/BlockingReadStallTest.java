package dev.aigw.servlet;

import dev.aigw.servlet.suite.BodyReadFailures;
import dev.aigw.servlet.suite.JettyContainer;
import dev.aigw.servlet.suite.JettyEe10Container;
import dev.aigw.testkit.ReplicateWebhooks;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
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
 * A sender who pauses, then sends all at once, gets the same answer read blocking as read non-blocking. A sender who
 * stalls mid-body on a chain that is not async-supported, ended by the container's own read timeout, is in
 * {@code BodyReadFailures} (one subclass per container); the other blocking-read cases run in the shared suite
 * (WebhookTests).
 */
class BlockingReadStallTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    /** Far beyond the container's read timeout, never reached in a passing run. */
    private static final Duration LONG = Duration.ofSeconds(60);

    private final List<byte[]> received = new CopyOnWriteArrayList<>();
    private JettyContainer container;

    @AfterEach
    void stop() throws Exception {
        if (container != null) {
            container.close();
        }
    }

    /**
     * Read blocking, the minimum rate is judged when the bytes run out, not mid-burst: a signed body sent in one write
     * 1.5 s after its headers (16 KiB/s asked, so 24 KiB due by then, all 60 KB there) is handed on. It was judged
     * after the first read (one network buffer, at most 8 KiB here) and refused 408. (Read non-blocking, the pace is
     * also judged a few times a second while no bytes come, so a pause past the first second with bytes due is cut:
     * WebhookTests.)
     */
    @Test
    void aSenderWhoPausesThenSendsItAllIsHandedOnReadBlocking() throws Exception {
        container = new JettyEe10Container();
        URI app = container.start("/app", Map.of(), (classes, ctx) -> {
            FilterRegistration.Dynamic legacy = ctx.addFilter("legacy", (Filter) (rq, rs, ch) -> ch.doFilter(rq, rs));
            legacy.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/blocking/*");
            FilterRegistration.Dynamic hook = ctx.addFilter("aigw-webhook", AigwWebhookFilter.builder()
                    .secret(SECRET).path("/blocking/hook").maxBodyBytes(64 * 1024)
                    .readLimits(Duration.ofMinutes(10), 16 * 1024).build());
            hook.setAsyncSupported(true);
            hook.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true,
                    "/blocking/hook");
            ctx.addServlet("receiver", new HttpServlet() {
                @Override
                protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                    received.add(req.getInputStream().readAllBytes());
                    resp.setStatus(200);
                }
            }).addMapping("/blocking/hook");
        });
        byte[] body = ("{\"id\":\"p1\",\"status\":\"processing\",\"pad\":\"" + "x".repeat(60_000) + "\"}")
                .getBytes(StandardCharsets.UTF_8);
        long now = Instant.now().getEpochSecond();
        try (Socket paused = new Socket(app.getHost(), app.getPort())) {
            paused.setSoTimeout((int) LONG.toMillis());
            paused.getOutputStream().write(("POST /app/blocking/hook HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                    + "webhook-id: msg_paused\r\nwebhook-timestamp: " + now + "\r\nwebhook-signature: "
                    + ReplicateWebhooks.sign(SECRET, "msg_paused", now, body) + "\r\nContent-Length: " + body.length
                    + "\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            Thread.sleep(1500);
            paused.getOutputStream().write(body);
            assertThat(BodyReadFailures.drain(paused.getInputStream())).startsWith("HTTP/1.1 200");
        }
        assertThat(received).singleElement().isEqualTo(body);
    }
}
