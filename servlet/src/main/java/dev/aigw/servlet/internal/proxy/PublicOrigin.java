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
     * wrong form are ignored; null when the container's view is no usable origin either.
     *
     * @param containerPrefix the context path as the container sees it (raw), prefixed by any forwarded prefix
     */
    static PublicOrigin read(TrustedHeaders believed, String scheme, String hostPort, String containerPrefix,
                             String forwarded, String xfProto, String xfHost, String xfPort, String xfPrefix) {
        String s = scheme == null ? null : scheme.toLowerCase(Locale.ROOT);
        String h = hostPort;
        String prefix = containerPrefix == null ? "" : containerPrefix;
        if (believed != null) {
            if (believed == TrustedHeaders.X_FORWARDED) {
                forwarded = null;
            } else if (believed == TrustedHeaders.FORWARDED) {
                xfProto = xfHost = xfPort = xfPrefix = null;
            }
            String fProto = null;
            String fHost = null;
            if (forwarded != null) {
                String[] elements = forwarded.split(",");
                String last = elements[elements.length - 1];
                for (String pair : last.split(";")) {
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
            String proto = fProto != null ? fProto : lastValue(xfProto);
            if (proto != null && (proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))) {
                s = proto.toLowerCase(Locale.ROOT);
            }
            String host = fHost != null ? fHost : lastValue(xfHost);
            if (host != null && validHostPort(host)) {
                h = host;
                String port = lastValue(xfPort);
                if (fHost == null && port != null && PORT.matcher(port).matches() && !hasPort(host)) {
                    h = host + ":" + port;
                }
            }
            String p = lastValue(xfPrefix);
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
