package dev.aigw.servlet.internal.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The reverse proxies in front of the application whose {@code Forwarded} / {@code X-Forwarded-*} headers are
 * believed. Headers from any other peer are ignored: anyone can send them. Addresses are literal IPv4/IPv6
 * addresses or CIDR ranges; no name is ever resolved.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class TrustedProxies {
    private static final Pattern PORT = Pattern.compile("\\d{1,5}");
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern HOST = Pattern.compile("([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)(\\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*\\.?|\\[[0-9A-Fa-f:.]+\\]");
    private static final Pattern PREFIX = Pattern.compile("(/[A-Za-z0-9._~!$&'()*+,=:@-]+)*/?");

    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "a comma-separated list of IP addresses or CIDR ranges, e.g. "
            + "127.0.0.1, 10.0.0.0/8, ::1";

    private record Range(byte[] network, int bits) {
    }

    /** Scheme, host (with port when not the default) and path prefix of the URL a client used. */
    public record Origin(String scheme, String hostPort, String prefix) {
        /** {@code scheme://host[:port]prefix}, without trailing slash. */
        public String base() {
            String p = prefix == null ? "" : prefix;
            while (p.endsWith("/")) {
                p = p.substring(0, p.length() - 1);
            }
            return scheme + "://" + hostPort + p;
        }
    }

    private final List<Range> ranges;
    private final TrustedHeaders headers;

    private TrustedProxies(List<Range> ranges, TrustedHeaders headers) {
        this.ranges = ranges;
        this.headers = headers;
    }

    public static TrustedProxies none() {
        return new TrustedProxies(List.of(), TrustedHeaders.ANY);
    }

    /** The same proxies, believed only in {@code headers}. */
    public TrustedProxies believing(TrustedHeaders headers) {
        return new TrustedProxies(ranges, headers);
    }

    /** @throws IllegalArgumentException naming the first entry that is not an address or range */
    public static TrustedProxies parse(String spec) {
        List<Range> out = new ArrayList<>();
        for (String raw : spec.strip().split("[\\s,]+")) {
            if (raw.isEmpty()) {
                continue;
            }
            int slash = raw.indexOf('/');
            String addr = slash < 0 ? raw : raw.substring(0, slash);
            byte[] a = literal(addr);
            if (a == null) {
                throw new IllegalArgumentException("'" + raw + "' is not an IP address or CIDR range");
            }
            // ::ffff:10.0.0.0 is read as IPv4 (as peers are), its prefix length counted over all 128 bits
            int skip = a.length == 4 && addr.indexOf(':') >= 0 ? 96 : 0;
            int bits = a.length * 8;
            if (slash >= 0) {
                try {
                    bits = Integer.parseInt(raw.substring(slash + 1)) - skip;
                } catch (NumberFormatException e) {
                    bits = -1;
                }
                if (bits < 0 || bits > a.length * 8) {
                    throw new IllegalArgumentException("'" + raw + "' has a bad prefix length");
                }
            }
            out.add(new Range(a, bits));
        }
        return new TrustedProxies(List.copyOf(out), TrustedHeaders.ANY);
    }

    public boolean isEmpty() {
        return ranges.isEmpty();
    }

    /** {@code Vary} of an answer built from the request's origin: {@code Host} and the headers believed for it. */
    public String vary() {
        return ranges.isEmpty() ? "Host" : "Host, " + headers.origin;
    }

    /** Whether {@code address} (a literal IP, as a container reports the peer) is a trusted proxy. */
    public boolean trusts(String address) {
        if (ranges.isEmpty() || address == null) {
            return false;
        }
        byte[] a = node(address);
        if (a == null) {
            return false;
        }
        for (Range r : ranges) {
            if (r.network.length == a.length && matches(r.network, a, r.bits)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The canonical address a client is counted by (rate limits, caps): the peer, or — when the peer is a trusted
     * proxy — the nearest hop that is not a trusted proxy, walking from the right through {@code Forwarded}'s
     * {@code for=} values or through {@code X-Forwarded-For}, whichever the request has. That hop was written by a
     * trusted proxy, whatever the client put further left. A request with both is read both ways: a proxy in front
     * writes one of them (or both alike), so when they name different clients the other was the client's own and
     * could be anything; then the client is counted as the trusted peer, which it cannot choose. Believing one header
     * ({@link #believing}) ignores the other: a client then sends it to no effect, and a legitimate one whose own
     * side adds it keeps its own key. IPv4 in any usual
     * spelling (a port, brackets, quotes, leading zeros, IPv4-mapped IPv6) becomes dotted decimal; IPv6 is cut to its
     * /64, the network one subscriber gets, so that rotating addresses within it does not make new clients. A hop
     * that is no address (RFC 7239's {@code unknown}, an obfuscated {@code _id}) is kept as written.
     */
    public String clientKey(String peer, List<String> forwarded, List<String> forwardedFor) {
        if (!trusts(peer)) {
            return key(peer);
        }
        String byForwarded = headers != TrustedHeaders.X_FORWARDED && present(forwarded)
                ? nearestUntrusted(peer, forwarded, true) : null;
        String byForwardedFor = headers != TrustedHeaders.FORWARDED && present(forwardedFor)
                ? nearestUntrusted(peer, forwardedFor, false) : null;
        if (byForwarded != null && byForwardedFor != null && !byForwarded.equals(byForwardedFor)) {
            return key(peer);
        }
        return byForwarded != null ? byForwarded : byForwardedFor != null ? byForwardedFor : key(peer);
    }

    private static boolean present(List<String> values) {
        return values != null && values.stream().anyMatch(v -> v != null && !v.isBlank());
    }

    /** The key of the rightmost hop of one header that is not a trusted proxy (the leftmost when all are). */
    private String nearestUntrusted(String peer, List<String> values, boolean forwarded) {
        List<String> hops = new ArrayList<>();
        for (String v : values) {
            for (String element : v == null ? new String[0] : v.split(",")) {
                String node = forwarded ? forValue(element) : element.strip();
                if (node != null && !node.isEmpty()) {
                    hops.add(node);
                }
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            if (!trusts(hops.get(i))) {
                return key(hops.get(i));
            }
        }
        return key(hops.isEmpty() ? peer : hops.get(0));
    }

    private static String forValue(String element) {
        for (String pair : element.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).strip().equalsIgnoreCase("for")) {
                return unquote(pair.substring(eq + 1).strip());
            }
        }
        return null;
    }

    /** The canonical key of one node (see {@link #clientKey}). */
    static String key(String node) {
        byte[] a = node(node);
        if (a == null) {
            StringBuilder sb = new StringBuilder("node:");
            String n = node == null ? "" : node.strip();
            for (int i = 0; i < n.length() && i < 64; i++) {
                char c = n.charAt(i);
                sb.append(c > 0x20 && c < 0x7f ? c : '?');
            }
            return sb.toString();
        }
        if (a.length == 4) {
            return (a[0] & 0xff) + "." + (a[1] & 0xff) + "." + (a[2] & 0xff) + "." + (a[3] & 0xff);
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 8; i += 2) {
            sb.append(Integer.toHexString((a[i] & 0xff) << 8 | (a[i + 1] & 0xff))).append(':');
        }
        return sb.append(":/64").toString();
    }

    /** The address bytes of a node as proxies write it (quotes, brackets, a port, a zone), or null. */
    static byte[] node(String node) {
        if (node == null) {
            return null;
        }
        String n = unquote(node.strip());
        if (n.startsWith("[")) {
            int close = n.indexOf(']');
            if (close < 0) {
                return null;
            }
            n = n.substring(0, close + 1); // drop ":port"
        } else if (n.indexOf(':') == n.lastIndexOf(':') && n.indexOf(':') > 0) {
            n = n.substring(0, n.indexOf(':')); // "1.2.3.4:5678"
        }
        int zone = n.indexOf('%');
        if (zone > 0) {
            n = n.substring(0, zone) + (n.endsWith("]") ? "]" : "");
        }
        byte[] a = literal(n);
        if (a != null && a.length == 16 && mapped(a)) {
            return new byte[]{a[12], a[13], a[14], a[15]};
        }
        return a;
    }

    /** Whether a 16-byte address is IPv4-mapped ({@code ::ffff:a.b.c.d}). */
    private static boolean mapped(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return a[10] == (byte) 0xff && a[11] == (byte) 0xff;
    }

    /**
     * The origin the client used: from the container's view of the request, or — when the peer is trusted — from
     * the nearest proxy's {@code Forwarded} ({@code proto}, {@code host}) or {@code X-Forwarded-Proto},
     * {@code X-Forwarded-Host}, {@code X-Forwarded-Port} and {@code X-Forwarded-Prefix}, of those it is believed in
     * ({@link #believing}). Values of the wrong form are ignored.
     *
     * @param containerPrefix the context path as the container sees it (raw), prefixed by any forwarded prefix
     */
    public Origin origin(String peer, String scheme, String hostPort, String containerPrefix, String forwarded,
                         String xfProto, String xfHost, String xfPort, String xfPrefix) {
        String s = lowerOrNull(scheme);
        String h = hostPort;
        String prefix = containerPrefix == null ? "" : containerPrefix;
        if (trusts(peer)) {
            if (headers == TrustedHeaders.X_FORWARDED) {
                forwarded = null;
            } else if (headers == TrustedHeaders.FORWARDED) {
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
                    String v = unquote(pair.substring(eq + 1).strip());
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
        return new Origin(s, h, prefix);
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

    private static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }

    private static String lowerOrNull(String s) {
        return s == null ? null : s.toLowerCase(Locale.ROOT);
    }

    private static boolean matches(byte[] net, byte[] a, int bits) {
        int full = bits / 8;
        for (int i = 0; i < full; i++) {
            if (net[i] != a[i]) {
                return false;
            }
        }
        int rest = bits % 8;
        if (rest == 0) {
            return true;
        }
        int mask = (0xff << (8 - rest)) & 0xff;
        return (net[full] & mask) == (a[full] & mask);
    }

    /** The bytes of a literal IPv4 or IPv6 address (brackets allowed), or null; never resolves a name. */
    static byte[] literal(String s) {
        if (s == null || s.isEmpty()) {
            return null;
        }
        String t = s;
        if (t.startsWith("[") && t.endsWith("]")) {
            t = t.substring(1, t.length() - 1);
        }
        if (IPV4.matcher(t).matches()) {
            String[] parts = t.split("\\.");
            byte[] b = new byte[4];
            for (int i = 0; i < 4; i++) {
                int v = Integer.parseInt(parts[i]);
                if (v > 255) {
                    return null;
                }
                b[i] = (byte) v;
            }
            return b;
        }
        if (t.indexOf(':') >= 0 && t.matches("[0-9A-Fa-f:.]+")) {
            try {
                // bracketed, a string that is not an IPv6 literal fails at once instead of being looked up
                return InetAddress.getByName("[" + t + "]").getAddress();
            } catch (UnknownHostException e) {
                return null;
            }
        }
        return null;
    }
}
