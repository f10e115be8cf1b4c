package dev.aigw.httpclient;

import dev.aigw.Gateway;
import dev.aigw.internal.Problems;
import dev.aigw.httpclient.internal.RoutingHttpClient;

import java.net.http.HttpClient;
import java.util.Objects;

/**
 * Routes a {@link HttpClient}'s provider calls through Cloudflare AI Gateway, with one line where
 * the client is built:
 * <pre>{@code
 * HttpClient client = AigwHttpClient.wrap(HttpClient.newHttpClient());            // settings: AIGW_* / aigw.*
 * HttpClient client = AigwHttpClient.wrap(HttpClient.newHttpClient(), gateway);   // a Gateway built in code
 * }</pre>
 * The returned client sends a request for {@code https://api.replicate.com/v1/...} to the gateway
 * with the {@code cf-aig-*} headers, observes both bodies as they stream (nothing is buffered) and
 * emits one {@link dev.aigw.ExchangeRecord} per call. Every other request, and every other method
 * of {@link HttpClient}, goes to the wrapped client unchanged.
 */
public final class AigwHttpClient {
    private AigwHttpClient() {
    }

    /**
     * {@code client} routed through {@code gateway}, which stays the caller's to close. A disabled
     * gateway routes nothing, so {@code client} itself is returned.
     *
     * @throws IllegalArgumentException when {@code client} already routes through another gateway, or follows
     *                                  redirects (the JDK would resend the gateway token wherever one points)
     */
    public static HttpClient wrap(HttpClient client, Gateway gateway) {
        Objects.requireNonNull(client, "client");
        Objects.requireNonNull(gateway, "gateway");
        if (alreadyRouted(client, gateway)) {
            return client;
        }
        return gateway.enabled() ? new RoutingHttpClient(client, gateway, false) : client;
    }

    /**
     * {@code client} routed through the gateway the settings describe (system properties
     * {@code aigw.*}, then the environment {@code AIGW_*}). Unconfigured, aigw is off and
     * {@code client} itself is returned. The gateway belongs to the returned client: it is closed
     * with it ({@code close()} on JDK 21+), or when the returned client is garbage collected.
     *
     * @throws dev.aigw.GatewayConfigurationException for a bad or half-configured setting, naming it
     * @throws IllegalArgumentException when {@code client} already routes through aigw, or follows redirects
     */
    public static HttpClient wrap(HttpClient client) {
        Objects.requireNonNull(client, "client");
        alreadyRouted(client, null);
        Gateway gateway = Gateway.fromEnvironment();
        if (!gateway.enabled()) {
            gateway.close();
            return client;
        }
        try {
            return new RoutingHttpClient(client, gateway, true);
        } catch (RuntimeException e) {
            gateway.close();
            throw e;
        }
    }

    /** Wrapping twice would route nothing more; with the same gateway it is a no-op, else a mistake to point out. */
    private static boolean alreadyRouted(HttpClient client, Gateway gateway) {
        if (!(client instanceof RoutingHttpClient routed)) {
            return false;
        }
        if (routed.gateway() == gateway) {
            return true;
        }
        throw Problems.invalid("client", "an HttpClient that already routes through an aigw gateway ("
                + routed.gateway() + ")", null, "the original client, wrapped once, with the gateway you want");
    }
}
