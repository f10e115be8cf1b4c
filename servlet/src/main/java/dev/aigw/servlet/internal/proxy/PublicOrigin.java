package dev.aigw.servlet.internal.proxy;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Scheme, host (with port when not the default) and path prefix of the URL a client used: from the container's view
 * of the request, or from what a trusted proxy in front wrote ({@link TrustedProxies#origin}).
 *
 * <p>Internal: not API, may change in any release.
 */
public record PublicOrigin(String scheme, String hostPort, String prefix) {
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    private static final Pattern HOST = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?|\\[[0-9A-Fa-f:.]+\\]");
    private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._~!$&'()*+,=:@-]+)*/?");

    /** {@code scheme://host[:port]prefix}, without trailing slash. */
    public String base() {
        String p = prefix == null ? "" : prefix;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return scheme + "://" + hostPort + p;
    }

    /**
     * The origin from the container's view, corrected by the nearest proxy's {@code Forwarded} ({@code proto},
     * {@code host}) or {@code X-Forwarded-Proto}, {@code X-Forwarded-Host}, {@code X-Forwarded-Port} and
     * {@code X-Forwarded-Prefix}, of those {@code believed} (null: none, the peer is no trusted proxy). Values of the
     * wrong form are ignored; null when the container's view is no usable origin either. Believing both
     * ({@link TrustedHeaders#ANY}), a field both name is taken only when they name it alike (in canonical form: case,
     * quotes, a default port); otherwise the proxy in front wrote one and the client the other, and neither is
     * believed for that field (see ARCHITECTURE.md RATIONALE).
     *
     * @param containerPrefix the context path as the container sees it (raw), prefixed by any forwarded prefix
     */
    static PublicOrigin read(TrustedHeaders believed, String scheme, String hostPort, String containerPrefix,
                             String forwarded, String xfProto, String xfHost, String xfPort, String xfPrefix) {
        String s = scheme == null ? null : scheme.toLowerCase(Locale.ROOT);
        String h = hostPort;
        String prefix = containerPrefix == null ? "" : containerPrefix;
        if (believed != null) {
            boolean byForwarded = believed != TrustedHeaders.X_FORWARDED;
            boolean byXForwarded = believed != TrustedHeaders.FORWARDED;
            String fProto = null;
            String fHost = null;
            if (byForwarded && forwarded != null) {
                String[] elements = forwarded.split(",");
                for (String pair : elements[elements.length - 1].split(";")) {
                    int eq = pair.indexOf('=');
                    if (eq <= 0) {
                        continue;
                    }
                    String k = pair.substring(0, eq).strip().toLowerCase(Locale.ROOT);
                    String v = NodeAddress.unquote(pair.substring(eq + 1).strip());
                    if (k.equals("proto")) {
                        fProto = v;
                    } else if (k.equals("host")) {
                        fHost = v;
                    }
                }
            }
            String proto = agreed(fProto, byXForwarded ? lastValue(xfProto) : null, null);
            if (proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))) {
                s = proto.toLowerCase(Locale.ROOT);
            }
            String host = agreed(fHost, byXForwarded ? withPort(lastValue(xfHost), lastValue(xfPort)) : null, s);
            if (host != null && validHostPort(host)) {
                h = host;
            }
            String p = byXForwarded ? lastValue(xfPrefix) : null;
            if (p != null && PREFIX.matcher(p).matches()) {
                while (p.endsWith("/")) {
                    p = p.substring(0, p.length() - 1);
                }
                prefix = p + prefix;
            }
        }
        if (s == null || !(s.equals("http") || s.equals("https")) || h == null || !validHostPort(h)) {
            return null;
        }
        h = stripDefaultPort(s, h);
        return new PublicOrigin(s, h, prefix);
    }

    /**
     * The value of a field as {@code Forwarded} and the {@code X-Forwarded-*} headers name it: the one that names it,
     * or — both naming it — {@code Forwarded}'s when they name it alike, else null: neither is believed. Alike is
     * after canonical form: case folded, and for a host {@code scheme}'s default port dropped. A value of the wrong
     * form is compared as it is (and, alike, ignored after): it still shows that its header named the field.
     */
    private static String agreed(String byForwarded, String byXForwarded, String scheme) {
        if (byForwarded == null || byXForwarded == null) {
            return byForwarded != null ? byForwarded : byXForwarded;
        }
        String a = byForwarded.toLowerCase(Locale.ROOT);
        String b = byXForwarded.toLowerCase(Locale.ROOT);
        if (scheme != null) {
            a = stripDefaultPort(scheme, a);
            b = stripDefaultPort(scheme, b);
        }
        return a.equals(b) ? byForwarded : null;
    }

    /** {@code X-Forwarded-Host} with {@code X-Forwarded-Port} added when it is valid and the host names no port. */
    private static String withPort(String host, String port) {
        boolean add = host != null && validHostPort(host) && port != null && PORT.matcher(port).matches()
                && !hasPort(host);
        return add ? host + ":" + port : host;
    }

    /** Whether {@code hostPort} is a host name or bracketed IPv6 literal with an optional port. */
    public static boolean validHostPort(String hostPort) {
        if (hostPort == null || hostPort.isEmpty() || hostPort.length() > 300) {
            return false;
        }
        String host = hostPort;
        int colon = hostPort.lastIndexOf(':');
        if (colon > 0 && hostPort.indexOf(']') < colon) {
            String port = hostPort.substring(colon + 1);
            if (!PORT.matcher(port).matches()) {
                return false;
            }
            host = hostPort.substring(0, colon);
        }
        return HOST.matcher(host).matches();
    }

    private static boolean hasPort(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return colon > 0 && hostPort.indexOf(']') < colon;
    }

    private static String stripDefaultPort(String scheme, String hostPort) {
        if ((scheme.equals("https") && hostPort.endsWith(":443")) || (scheme.equals("http") && hostPort.endsWith(":80"))) {
            if (hasPort(hostPort)) {
                return hostPort.substring(0, hostPort.lastIndexOf(':'));
            }
        }
        return hostPort;
    }

    private static String lastValue(String header) {
        if (header == null) {
            return null;
        }
        String[] parts = header.split(",");
        String v = parts[parts.length - 1].strip();
        return v.isEmpty() ? null : v;
    }
}
