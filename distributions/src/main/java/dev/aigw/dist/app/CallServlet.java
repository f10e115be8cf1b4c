package dev.aigw.dist.app;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;

import java.io.IOException;

/**
 * The application's own Replicate call, written as if aigw did not exist: a plain Jersey client to
 * {@code https://api.replicate.com/v1}. aigw routes it (Jersey auto-discovers aigw-jaxrs) with the application's
 * context params.
 */
public final class CallServlet extends HttpServlet {
    private transient Client client;

    @Override
    public void init() {
        if (LoaderMarker.INSTANCE == null) {
            throw new IllegalStateException("marker");
        }
        client = ClientBuilder.newClient();
    }

    @Override
    protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        String token = getServletContext().getInitParameter("app.replicate-token");
        try (Response r = client.target("https://api.replicate.com/v1/models/acme/echo/predictions").request()
                .header("Authorization", "Bearer " + token).header("Prefer", "wait")
                .post(Entity.json("{\"input\":{\"prompt\":\"hello\"}}"))) {
            String body = r.readEntity(String.class);
            resp.setContentType("text/plain;charset=UTF-8");
            resp.getWriter().print(r.getStatus() + " " + body);
        }
    }

    @Override
    public void destroy() {
        client.close();
    }
}
