package dev.aigw.dist.app;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;

/** The application's webhook receiver; aigw's filter in front of it lets only verified deliveries through. */
public final class WebhookServlet extends HttpServlet {
    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        byte[] body = req.getInputStream().readAllBytes();
        resp.setContentType("text/plain;charset=UTF-8");
        resp.getWriter().print("accepted " + body.length + " bytes");
    }
}
