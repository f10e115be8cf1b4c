package dev.aigw.internal;

import dev.aigw.Provider;
import dev.aigw.Route;

import java.net.URI;
import java.util.List;

/**
 * The routing rule: {@code <provider prefix><rest>?<query>} becomes
 * {@code <gateway root>/<slug><rest>?<query>}, with every raw (still percent-encoded) part copied
 * byte for byte. Anything not under a routed prefix is left alone.
 *
 * <p>Matching is on the parsed URI: scheme {@code https} (any case), host (any case), default
 * port (none or 443), and a path equal to the prefix path or continuing with {@code /} — so
 * {@code /v10} and {@code /v1foo} are not {@code /v1}. A host in absolute form ({@code api.replicate.com.}) is the
 * same host and is routed, or calls spelt that way would bypass the gateway. User info is dropped: a credential
 * meant for one host is never sent to another.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Router {
    private final Provider[] providers;
    private final String[] heads; // "<root>/<slug>" per provider, so a plain call's target is one concat
    private final String root;
    /**
     * Per provider, the last plain (no query, no fragment) target made: a client calls the same few endpoints over
     * and over, and reusing the immutable {@link URI} saves a parse per call. Racy reads are benign (a record's final
     * fields are safely published): at worst a target is made again.
     */
    private final Target[] last;

    private record Target(String rest, URI uri) {
    }

    /**
     * @param root      gateway root without trailing slash, e.g.
     *                  {@code https://gateway.ai.cloudflare.com/v1/<account>/<gateway>}
     * @param providers the providers to route
     */
    public Router(String root, List<Provider> providers) {
        this.root = root;
        this.providers = providers.toArray(new Provider[0]);
        this.heads = new String[this.providers.length];
        this.last = new Target[this.providers.length];
        for (int i = 0; i < heads.length; i++) {
            heads[i] = root + "/" + this.providers[i].slug();
        }
    }

    public String root() {
        return root;
    }

    /** The route for {@code uri}, or {@code null} when it is not a routed provider call. */
    public Route route(URI uri) {
        if (uri == null || uri.isOpaque() || uri.getScheme() == null || !"https".equalsIgnoreCase(uri.getScheme())) {
            return null;
        }
        String host = uri.getHost();
        if (host == null) {
            return null;
        }
        if (host.endsWith(".")) {
            host = host.substring(0, host.length() - 1); // the absolute form names the same host: route it too
        }
        int port = uri.getPort();
        if (port != -1 && port != 443) {
            return null;
        }
        String path = uri.getRawPath();
        if (path == null) {
            path = "";
        }
        for (int i = 0; i < providers.length; i++) {
            Provider p = providers[i];
            if (!p.host().equalsIgnoreCase(host)) {
                continue;
            }
            String prefix = p.pathPrefix();
            if (!path.startsWith(prefix)) {
                continue;
            }
            if (path.length() > prefix.length() && path.charAt(prefix.length()) != '/') {
                continue; // "/v10", "/v1foo"
            }
            String rest = path.substring(prefix.length());
            String query = uri.getRawQuery();
            String fragment = uri.getRawFragment();
            if (query == null && fragment == null) {
                Target t = last[i];
                if (t == null || !t.rest().equals(rest)) {
                    t = new Target(rest, URI.create(heads[i].concat(rest)));
                    last[i] = t;
                }
                return new Route(p, uri, t.uri(), rest);
            }
            StringBuilder sb = new StringBuilder(heads[i].length() + rest.length()
                    + (query == null ? 0 : query.length() + 1) + (fragment == null ? 0 : fragment.length() + 1));
            sb.append(heads[i]).append(rest);
            if (query != null) {
                sb.append('?').append(query);
            }
            if (fragment != null) {
                sb.append('#').append(fragment);
            }
            return new Route(p, uri, URI.create(sb.toString()), rest);
        }
        return null;
    }
}
