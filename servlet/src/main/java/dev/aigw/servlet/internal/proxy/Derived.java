package dev.aigw.servlet.internal.proxy;

/**
 * What the proxy derives per call from its configuration and request parts that are the same for nearly every call,
 * kept for the last one seen ({@link LastSeen}): the public URL as worked out from a request (scheme, {@code Host},
 * context path: parsed and checked), its two {@link UrlRewriter}s (Replicate's URLs to the proxy's in answers, the
 * proxy's back to Replicate's in request bodies), the canonical form of the proxy's own path, and the rate-limit key
 * of a client address. They are the same for every call when {@code aigw.proxy.public-url} is set or clients use one
 * name, so calls need not work them out each time. Also what follows from the configuration alone: the gateway's
 * Replicate root that admitted calls must be routed under, and the {@code Authorization} value of the server's
 * Replicate token.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Derived {
    private record Pair(UrlRewriter toClient, UrlRewriter toReplicate) {
    }

    private final LastSeen<String> base = new LastSeen<>();
    private final LastSeen<Pair> pair = new LastSeen<>();
    private final LastSeen<String> prefix = new LastSeen<>();
    private final LastSeen<String> addressKey = new LastSeen<>();
    private final String replicateRoot;
    private final String serverAuthorization;

    Derived(String gatewayRoot, String replicateToken) {
        this.replicateRoot = gatewayRoot + "/replicate";
        this.serverAuthorization = replicateToken == null ? null : "Bearer " + replicateToken;
    }

    /** The {@code Authorization} value of the server's own Replicate token, or null when clients send theirs. */
    String serverAuthorization() {
        return serverAuthorization;
    }

    /** The gateway's Replicate root, e.g. {@code https://gateway.ai.cloudflare.com/v1/<account>/<gateway>/replicate}. */
    String replicateRoot() {
        return replicateRoot;
    }

    /** The public URL as the request names it, computed when one of the three parts is not the last one's. */
    <E extends Exception> String base(String scheme, String host, String contextPath,
                                      LastSeen.Compute<String, E> compute) throws E {
        return base.get(scheme, host, contextPath, compute);
    }

    /** Replicate's API URL to {@code publicBase}. */
    UrlRewriter toClient(String publicBase) {
        return pair(publicBase).toClient;
    }

    /** {@code publicBase} back to Replicate's API URL. */
    UrlRewriter toReplicate(String publicBase) {
        return pair(publicBase).toReplicate;
    }

    private Pair pair(String publicBase) {
        return pair.get(publicBase, b -> new Pair(new UrlRewriter(ProxyConfig.API, b), new UrlRewriter(b,
                ProxyConfig.API)));
    }

    /** The canonical form of where the proxy answers (context path and proxy path, as the container sent them). */
    String prefix(String raw) throws Refusal.Refused {
        return prefix.get(raw, r -> CanonicalRequest.path(r, true));
    }

    /** The rate-limit key of a client address (no forwarding header believed). */
    String addressKey(String address, LastSeen.Compute<String, RuntimeException> compute) {
        return addressKey.get(address, compute);
    }
}
