package dev.aigw.servlet.suite;

import dev.aigw.GatewayContext;
import dev.aigw.internal.GatewayHeaders;
import dev.aigw.servlet.AigwWebhookFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/** The test application's webhook handler: records what it got (after aigw's filter) and answers as told. */
public final class WebhookReceiver extends HttpServlet {
    /** One delivery as the application saw it. */
    public record Received(String path, String webhookId, byte[] body, String contextMetadata, boolean verified) {
    }

    public final List<Received> received = new CopyOnWriteArrayList<>();
    /** A delivery with this header is read with {@code getReader()}, else with {@code getInputStream()}. */
    public static final String READ_AS_TEXT = "X-Read-As-Text";
    /** A delivery with this header makes the handler try {@code startAsync}; its answer says whether it was refused. */
    public static final String TRY_ASYNC = "X-Try-Async";
    /** Status of the next answers; 200 unless a test changes it. */
    public final AtomicInteger answer = new AtomicInteger(200);

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] body;
        if (req.getHeader(READ_AS_TEXT) != null) { // an application reading text, in the request's charset
            try (java.io.BufferedReader r = req.getReader()) {
                body = r.lines().collect(java.util.stream.Collectors.joining("\n"))
                        .getBytes(java.nio.charset.StandardCharsets.UTF_8);
            } catch (java.io.UnsupportedEncodingException e) { // as the Servlet API says: handled as such
                resp.setStatus(415);
                resp.setContentType("text/plain");
                resp.getWriter().print("unsupported charset; the body as bytes: "
                        + req.getInputStream().readAllBytes().length);
                return;
            }
        } else {
            body = req.getInputStream().readAllBytes();
        }
        received.add(new Received(req.getServletPath(), req.getHeader("webhook-id"), body,
                GatewayHeaders.metadataJson(GatewayContext.current().metadata()),
                Boolean.TRUE.equals(req.getAttribute(AigwWebhookFilter.VERIFIED_ATTRIBUTE))));
        if (req.getHeader(TRY_ASYNC) != null) {
            try {
                req.startAsync().complete();
                resp.setHeader(TRY_ASYNC, "started");
            } catch (IllegalStateException refused) { // a chain that is not async-supported
                resp.setHeader(TRY_ASYNC, "refused");
            }
        }
        resp.setStatus(answer.get());
        resp.setContentLength(0);
    }
}
