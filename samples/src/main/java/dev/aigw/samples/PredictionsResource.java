package dev.aigw.samples;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;

import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Pattern;

/**
 * Streams a prediction's output to the page as it is produced. The browser cannot open {@code urls.stream} itself
 * (another origin, and the app never hands out Replicate's answers unchecked), so the app looks the prediction up
 * through the gateway and relays its event stream byte for byte, flushing every chunk: a stream stays a stream.
 */
@Path("api/predictions")
public final class PredictionsResource {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");
    private static final String PROBLEM = "application/problem+json";

    private final Replicate replicate;

    @Inject
    public PredictionsResource(Replicate replicate) {
        this.replicate = replicate;
    }

    @GET
    @Path("{id}/stream")
    public Response stream(@PathParam("id") String id, @HeaderParam("Last-Event-ID") String lastEventId) {
        if (!ID.matcher(id).matches()) {
            return problem(404, "Not Found", "no such prediction");
        }
        String streamUrl;
        try {
            JsonNode prediction = replicate.prediction(id); // through the gateway, as this request's user
            if (prediction == null) {
                return problem(404, "Not Found", "no such prediction");
            }
            streamUrl = prediction.path("urls").path("stream").asText(null);
        } catch (IOException | RuntimeException e) {
            return problem(502, "Bad Gateway", "could not look the prediction up: " + e.getMessage());
        }
        if (streamUrl == null || !(streamUrl.startsWith("https://") || streamUrl.startsWith("http://"))) {
            return problem(404, "Not Found", "this prediction has no output stream (the model does not stream)");
        }
        Response upstream = replicate.openStream(streamUrl, lastEventId);
        if (upstream.getStatus() != 200) {
            int status = upstream.getStatus();
            upstream.close();
            return problem(502, "Bad Gateway", "the output stream answered " + status);
        }
        StreamingOutput relay = out -> {
            try (upstream; InputStream in = upstream.readEntity(InputStream.class)) {
                byte[] buf = new byte[8192];
                for (int n; (n = in.read(buf)) != -1; ) {
                    out.write(buf, 0, n);
                    out.flush(); // each event reaches the page when it arrives
                }
            }
        };
        return Response.ok(relay, MediaType.SERVER_SENT_EVENTS_TYPE).header("Cache-Control", "no-store").build();
    }

    private static Response problem(int status, String title, String detail) {
        return Response.status(status).type(PROBLEM).entity(Json.problem(status, title, detail)).build();
    }
}
