package dev.aigw.samples;

import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.InputStream;
import java.util.Map;

/** The page: static HTML, CSS and JavaScript from the class path, and the settings it needs as JSON. */
@Path("/")
public final class PageResource {
    private static final String BASE = "/dev/aigw/samples/page/";
    private static final Map<String, String> ASSETS = Map.of(
            "app.js", "text/javascript; charset=utf-8",
            "style.css", "text/css; charset=utf-8",
            "favicon.svg", "image/svg+xml");
    /** Everything the page loads comes from the app itself; nothing inline. */
    private static final String CSP = "default-src 'self'; img-src 'self' data:; base-uri 'none'; "
            + "form-action 'none'; frame-ancestors 'none'";

    private final String config;

    @Inject
    public PageResource(PageConfig config) {
        this.config = Json.write(config);
    }

    @GET
    @Produces(MediaType.TEXT_HTML)
    public Response index() {
        return file("index.html", "text/html; charset=utf-8").header("Content-Security-Policy", CSP).build();
    }

    @GET
    @Path("assets/{name}")
    public Response asset(@PathParam("name") String name) {
        String type = ASSETS.get(name);
        return type == null ? Response.status(404).build() : file(name, type).build();
    }

    @GET
    @Path("api/config")
    @Produces(MediaType.APPLICATION_JSON)
    public String config() {
        return config;
    }

    private static Response.ResponseBuilder file(String name, String type) {
        InputStream in = PageResource.class.getResourceAsStream(BASE + name);
        return Response.ok(in, type).header("Cache-Control", "no-cache").header("X-Content-Type-Options", "nosniff");
    }

    /**
     * What the page shows about the setup and needs to run: {@code mode} describes where calls go, {@code gateway}
     * the gateway's root URL (null when aigw is off), {@code proxy} the proxy's path (null when not installed),
     * {@code webhook} the URL Replicate should deliver to (null: no webhooks), {@code models} the models offered.
     */
    public record PageConfig(String mode, String gateway, String proxy, String webhook, java.util.List<String> models) {
    }
}
