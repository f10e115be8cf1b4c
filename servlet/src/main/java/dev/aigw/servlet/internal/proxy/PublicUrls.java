package dev.aigw.servlet.internal.proxy;

import java.util.function.Supplier;

/**
 * What the proxy derives from its public URL, kept for the last one seen: the URL itself as worked out from a request
 * (scheme, {@code Host}, context path: parsed and checked), and the two {@link UrlRewriter}s (Replicate's URLs to the
 * proxy's in answers, the proxy's back to Replicate's in request bodies). It is the same for every call when
 * {@code aigw.proxy.public-url} is set or clients use one name, so calls need not work it out each time.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class PublicUrls {
    private record Base(String key, String base) {
    }

    private record Pair(String base, UrlRewriter toClient, UrlRewriter toReplicate) {
    }

    private volatile Base lastBase;
    private volatile Pair last;

    /** The public URL for {@code key} (what it is computed from), computed when the key is not the last one's. */
    String base(String key, Supplier<String> compute) {
        Base b = lastBase;
        if (b != null && b.key.equals(key)) {
            return b.base;
        }
        String base = compute.get();
        lastBase = new Base(key, base);
        return base;
    }

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
