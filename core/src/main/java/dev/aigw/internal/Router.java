package dev.aigw.internal;

import dev.aigw.GatewayConfigurationException;
import dev.aigw.Provider;
import dev.aigw.Route;

import java.net.URI;
import java.util.List;

/**
 * The routing rule: {@code <provider prefix><rest>?<query>} becomes
 * {@code <gateway root>/<slug><rest>?<query>}, the path in its RFC 3986 normal form (below) and the raw query and
 * fragment copied byte for byte. Anything not under a routed prefix is left alone.
 *
 * <p>Matching is on the parsed URI: scheme {@code https} (any case), host (any case), default
 * port (none or 443), and a path equal to the prefix path or continuing with {@code /} — so
 * {@code /v10} and {@code /v1foo} are not {@code /v1}. A host in absolute form ({@code api.replicate.com.}) is the
 * same host and is routed, or calls spelt that way would bypass the gateway. User info is dropped: a credential
 * meant for one host is never sent to another.
 *
 * <p>The path is matched and forwarded in its RFC 3986 normal form ({@link #canonicalPath}): {@code /%76%31/x},
 * {@code /x/../v1/x} and {@code /./v1/x} are {@code /v1/x} to the provider, so they are routed as {@code /v1/x}
 * rather than sent past the gateway. A path that is not under the prefix in that form but that servers commonly
 * read as under it ({@code /v1%2Fx}, {@code /v1%5Cx}, {@code //v1/x}, {@code /v1;p/x}) has no one reading: the call
 * is refused ({@link GatewayConfigurationException}) rather than sent to the provider without the gateway. So is one
 * under the prefix in that form that such a reading takes out of it ({@code /v1/x/..%2F..%2Fy}, {@code /v1/..;/y}):
 * a gateway or provider reading it so would send it out of the provider's route, with the provider's credentials.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Router {
    private final Provider[] providers;
    private final String[] heads; // "<root>/<slug>" per provider, so a plain call's target is one concat
    private final String[] prefixes; // each provider's path prefix in normal form, as paths are compared
    private final String[] lenientPrefixes; // and in the most generous reading, as refused spellings are found
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
        this.prefixes = new String[this.providers.length];
        this.lenientPrefixes = new String[this.providers.length];
        this.last = new Target[this.providers.length];
        for (int i = 0; i < heads.length; i++) {
            heads[i] = root + "/" + this.providers[i].slug();
            prefixes[i] = canonicalPath(this.providers[i].pathPrefix());
            lenientPrefixes[i] = lenientPath(this.providers[i].pathPrefix());
        }
    }

    public String root() {
        return root;
    }

    /**
     * The route for {@code uri}, or {@code null} when it is not a routed provider call.
     *
     * @throws GatewayConfigurationException when a generous reading of the path and its normal form disagree on
     *                                       whether it is under a provider's prefix (see the class comment)
     */
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
        String raw = uri.getRawPath();
        String path = raw == null ? "" : canonicalPath(raw);
        for (int i = 0; i < providers.length; i++) {
            Provider p = providers[i];
            if (!p.host().equalsIgnoreCase(host)) {
                continue;
            }
            String prefix = prefixes[i];
            if (!under(path, prefix)) {
                if (raw != null && under(lenientPath(raw), lenientPrefixes[i])) {
                    throw twoReadings(host, raw, p); // the provider's server may read it as under the prefix
                }
                continue;
            }
            // and the other way round: routed by its normal form, but a server that reads it generously (the
            // gateway, the provider) may climb out of the prefix, e.g. /v1/x/..%2F..%2Fy, out of the provider's route
            if (raw != null && readsOtherwise(raw) && !under(lenientPath(raw), lenientPrefixes[i])) {
                throw twoReadings(host, raw, p);
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

    /** A path that is under the prefix in one reading and not in another: no one reading to route by. */
    private static GatewayConfigurationException twoReadings(String host, String raw, Provider p) {
        return Problems.invalid("request URI", "https://" + host + raw, "request", "a path that is under "
                + p.upstreamPrefix() + " in its RFC 3986 normal form and in every generous reading, or clearly not "
                + "under it: servers may read an encoded '/' or '\\', a ';' parameter or an empty segment as a "
                + "separator, which would send the call past the gateway, or through it out of the provider's route "
                + "(write the path plainly, e.g. " + p.upstreamPrefix() + "/predictions)");
    }

    /** Whether a generous reading ({@link #lenientPath}) of {@code raw} may differ from its normal form's. */
    private static boolean readsOtherwise(String raw) {
        return raw.indexOf('%') >= 0 || raw.indexOf('\\') >= 0 || raw.indexOf(';') >= 0 || raw.contains("//");
    }

    /** {@code path} equals {@code prefix} or continues it with {@code /}: {@code /v10} is not under {@code /v1}. */
    private static boolean under(String path, String prefix) {
        return path.startsWith(prefix) && (path.length() == prefix.length() || path.charAt(prefix.length()) == '/');
    }

    /**
     * The RFC 3986 normal form of a raw path (§6.2.2): escapes of unreserved characters decoded, other escapes in
     * upper-case hex, dot segments removed (§5.2.4). The one spelling aigw matches and forwards; a path already in
     * that form is returned as is.
     */
    public static String canonicalPath(String raw) {
        if (raw.indexOf('%') < 0 && raw.indexOf("/.") < 0 && !raw.startsWith(".")) {
            return raw;
        }
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            int v = c == '%' && i + 2 < raw.length() ? hex(raw.charAt(i + 1), raw.charAt(i + 2)) : -1;
            if (v < 0) {
                sb.append(c);
            } else if (unreserved(v)) {
                sb.append((char) v);
                i += 2;
            } else {
                sb.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
                        .append(Character.toUpperCase(raw.charAt(i + 2)));
                i += 2;
            }
        }
        return removeDotSegments(sb.toString());
    }

    /**
     * The most generous reading of a path any common server gives: every escape decoded, {@code \} as {@code /},
     * {@code ;} parameters dropped, dot segments removed, empty segments merged. Used only to refuse.
     */
    static String lenientPath(String raw) {
        StringBuilder sb = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            int v = c == '%' && i + 2 < raw.length() ? hex(raw.charAt(i + 1), raw.charAt(i + 2)) : -1;
            if (v >= 0) {
                c = (char) v;
                i += 2;
            }
            sb.append(c == '\\' ? '/' : c);
        }
        StringBuilder out = new StringBuilder(sb.length());
        for (String segment : sb.toString().split("/", -1)) {
            int semi = segment.indexOf(';');
            String s = semi < 0 ? segment : segment.substring(0, semi);
            if (!s.isEmpty()) {
                out.append('/').append(s);
            }
        }
        return removeDotSegments(out.toString());
    }

    /** RFC 3986 §5.2.4, for the path of a URI with an authority. */
    static String removeDotSegments(String path) {
        StringBuilder out = new StringBuilder(path.length());
        int i = 0;
        int n = path.length();
        while (i < n) {
            if (path.startsWith("../", i)) {
                i += 3;
            } else if (path.startsWith("./", i)) {
                i += 2;
            } else if (path.startsWith("/./", i)) {
                i += 2;
            } else if (i + 2 == n && path.startsWith("/.", i)) {
                out.append('/');
                i = n;
            } else if (path.startsWith("/../", i) || (i + 3 == n && path.startsWith("/..", i))) {
                int last = out.lastIndexOf("/");
                out.setLength(Math.max(last, 0));
                if (i + 3 == n) {
                    out.append('/');
                    i = n;
                } else {
                    i += 3;
                }
            } else if ((i + 1 == n && path.charAt(i) == '.') || (i + 2 == n && path.startsWith("..", i))) {
                i = n;
            } else {
                int next = path.indexOf('/', i + 1);
                int end = next < 0 ? n : next;
                out.append(path, i, end);
                i = end;
            }
        }
        return out.toString();
    }

    private static boolean unreserved(int c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.'
                || c == '_' || c == '~';
    }

    private static int hex(char a, char b) {
        int h = Character.digit(a, 16);
        int l = Character.digit(b, 16);
        return h < 0 || l < 0 || a > 'f' || b > 'f' ? -1 : h << 4 | l;
    }
}
