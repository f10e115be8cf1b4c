package dev.aigw.samples;

import com.fasterxml.jackson.databind.JsonNode;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import java.io.IOException;
import java.io.InputStream;

/**
 * The app's own Replicate calls, written the ordinary way: a JAX-RS client, Replicate's URL and token. Nothing
 * here knows about the gateway — the client has aigw's feature registered, which routes every
 * {@code https://api.replicate.com/v1} call through Cloudflare AI Gateway and records it.
 */
final class Replicate {
    static final String API = "https://api.replicate.com/v1";

    private final Client client;
    private final String token;

    Replicate(Client client, String token) {
        this.client = client;
        this.token = token;
    }

    /** {@code GET /predictions/{id}}, as JSON; null when Replicate has no such prediction. */
    JsonNode prediction(String id) throws IOException {
        try (Response r = client.target(API).path("predictions").path(id).request(MediaType.APPLICATION_JSON)
                .header(HttpHeaders.AUTHORIZATION, "Bearer " + token).get()) {
            if (r.getStatus() == 404) {
                return null;
            }
            if (r.getStatus() != 200) {
                throw new IOException("Replicate answered " + r.getStatus() + " for prediction " + id);
            }
            try (InputStream in = r.readEntity(InputStream.class)) {
                return Json.MAPPER.readTree(in);
            }
        }
    }

    /**
     * Opens a prediction's {@code urls.stream}. That URL is on Replicate's stream host, not under the API root, so
     * it does not go through the gateway (and Replicate's own clients send no token to it).
     */
    Response openStream(String streamUrl, String lastEventId) {
        var request = client.target(streamUrl).request(MediaType.SERVER_SENT_EVENTS_TYPE)
                .header(HttpHeaders.CACHE_CONTROL, "no-store");
        if (lastEventId != null) {
            request.header("Last-Event-ID", lastEventId);
        }
        return request.get();
    }
}
