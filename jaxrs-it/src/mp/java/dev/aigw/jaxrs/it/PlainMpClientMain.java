package dev.aigw.jaxrs.it;

import org.eclipse.microprofile.rest.client.RestClientBuilder;

import java.net.URI;

/**
 * A MicroProfile Rest Client application that knows nothing of aigw. Run in a child JVM by
 * {@link MpRestClientTest} with only {@code AIGW_*} environment variables set.
 */
public final class PlainMpClientMain {
    private PlainMpClientMain() {
    }

    public static void main(String[] args) throws Exception {
        ReplicateApi api = RestClientBuilder.newBuilder().baseUri(URI.create(ReplicateApi.BASE)).build(ReplicateApi.class);
        try {
            try (jakarta.ws.rs.core.Response r = api.createPrediction("Bearer " + args[0], "acme", "echo",
                    "{\"input\":{\"prompt\":\"zero code\"}}")) {
                System.out.println("status=" + r.getStatus());
                System.out.println("body=" + r.readEntity(String.class));
            }
        } finally {
            ((AutoCloseable) api).close();
        }
    }
}
