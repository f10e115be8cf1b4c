package dev.aigw.jaxrs.it;

import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.rest.client.inject.RegisterRestClient;

import java.util.concurrent.CompletionStage;

/**
 * A few Replicate endpoints as an application declares them for MicroProfile Rest Client, with
 * {@code https://api.replicate.com/v1} as base URI. Nothing here knows aigw.
 */
@RegisterRestClient(configKey = "replicate")
@Produces(MediaType.APPLICATION_JSON)
@Consumes(MediaType.APPLICATION_JSON)
public interface ReplicateApi {
    String BASE = "https://api.replicate.com/v1";

    @GET
    @Path("/account")
    String account(@HeaderParam("Authorization") String authorization);

    @GET
    @Path("/account")
    CompletionStage<String> accountAsync(@HeaderParam("Authorization") String authorization);

    @POST
    @Path("/models/{owner}/{name}/predictions")
    Response createPrediction(@HeaderParam("Authorization") String authorization, @PathParam("owner") String owner,
                              @PathParam("name") String name, String body);

    @GET
    @Path("/predictions/{id}")
    String prediction(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);

    @POST
    @Path("/predictions/{id}/cancel")
    Response cancel(@HeaderParam("Authorization") String authorization, @PathParam("id") String id);
}
