package dev.aigw.samples;

import dev.aigw.servlet.AigwWebhookFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;

/**
 * Where Replicate delivers the demo's webhooks. aigw's webhook filter, mapped on this path, has already checked the
 * signature, the timestamp and replays, and records the finished prediction (method {@code WEBHOOK}, with its
 * {@code predict_time}) once this answers 2xx. This handler relies on the filter's
 * {@link AigwWebhookFilter#VERIFIED_ATTRIBUTE}: a request without it was not verified and is refused (without a
 * webhook secret the filter is not installed, and then nothing here is trusted).
 */
@Path("api/webhooks/replicate")
public final class WebhookResource {
    @POST
    public Response delivered(@Context HttpServletRequest request) {
        // set by aigw's filter only after it verified the signature, the timestamp and the id; a client cannot set it
        if (!Boolean.TRUE.equals(request.getAttribute(AigwWebhookFilter.VERIFIED_ATTRIBUTE))) {
            return Response.status(403).type("application/problem+json").entity(Json.problem(403, "Forbidden",
                    "webhooks are accepted only when aigw verifies them (set aigw.webhook.path and "
                            + "aigw.webhook.secret)")).build();
        }
        return Response.noContent().build(); // a real app would update its own state from the body here
    }
}
