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
    /** Status of the next answers; 200 unless a test changes it. */
    public final AtomicInteger answer = new AtomicInteger(200);

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] body = req.getInputStream().readAllBytes();
        received.add(new Received(req.getServletPath(), req.getHeader("webhook-id"), body,
                GatewayHeaders.metadataJson(GatewayContext.current().metadata()),
                Boolean.TRUE.equals(req.getAttribute(AigwWebhookFilter.VERIFIED_ATTRIBUTE))));
        resp.setStatus(answer.get());
        resp.setContentLength(0);
    }
}
