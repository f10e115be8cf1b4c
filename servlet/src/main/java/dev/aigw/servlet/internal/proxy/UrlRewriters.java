package dev.aigw.servlet.internal.proxy;

/**
 * The two {@link UrlRewriter}s of the proxy's public URL (Replicate's URLs to the proxy's in answers, the proxy's back
 * to Replicate's in request bodies), kept for the last public URL seen: it is the same for every call when
 * {@code aigw.proxy.public-url} is set or clients use one name, so calls need not build them each time.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class UrlRewriters {
    private record Pair(String base, UrlRewriter toClient, UrlRewriter toReplicate) {
    }

    private volatile Pair last;

    /** Replicate's API URL to {@code publicBase}. */
    UrlRewriter toClient(String publicBase) {
        return pair(publicBase).toClient;
    }

    /** {@code publicBase} back to Replicate's API URL. */
    UrlRewriter toReplicate(String publicBase) {
        return pair(publicBase).toReplicate;
    }

    private Pair pair(String base) {
        Pair p = last;
        if (p == null || !p.base.equals(base)) {
            p = new Pair(base, new UrlRewriter(ProxyConfig.API, base), new UrlRewriter(base, ProxyConfig.API));
            last = p;
        }
        return p;
    }
}
