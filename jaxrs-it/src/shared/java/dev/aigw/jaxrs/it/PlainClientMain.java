package dev.aigw.jaxrs.it;

import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;

/**
 * An application that knows nothing of aigw: a plain Jakarta REST client calling Replicate. Run
 * in a child JVM by {@link ZeroCodeTest} with only {@code AIGW_*} environment variables set.
 */
public final class PlainClientMain {
    private PlainClientMain() {
    }

    public static void main(String[] args) {
        String replicateToken = args[0];
        Client client = ClientBuilder.newClient();
        try {
            Response r = client.target("https://api.replicate.com/v1/models/acme/echo/predictions").request()
                    .header("Authorization", "Bearer " + replicateToken)
                    .post(Entity.json("{\"input\":{\"prompt\":\"zero code\"}}"));
            System.out.println("status=" + r.getStatus());
            System.out.println("body=" + r.readEntity(String.class));
        } finally {
            client.close();
        }
    }
}
