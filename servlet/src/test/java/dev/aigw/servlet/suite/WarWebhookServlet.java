package dev.aigw.servlet.suite;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The drop-in WAR's own webhook handler (copied into its {@code WEB-INF/classes}, declared in its {@code web.xml}):
 * answers with what it received, so the test sees that the verified body arrived unchanged. Depends on nothing
 * but the Servlet API.
 */
public final class WarWebhookServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] body = req.getInputStream().readAllBytes();
        byte[] answer = ("received " + body.length + " bytes: ").getBytes(StandardCharsets.UTF_8);
        resp.setStatus(200);
        resp.setContentType("text/plain;charset=utf-8");
        resp.getOutputStream().write(answer);
        resp.getOutputStream().write(body);
    }
}
