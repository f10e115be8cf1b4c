package dev.aigw.servlet.internal.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.regex.Pattern;

/**
 * The address of a node as the proxy meets it: a peer as the container reports it, a hop as a proxy writes it in
 * {@code Forwarded} or {@code X-Forwarded-For} (quotes, brackets, a port, a zone), an entry of
 * {@code aigw.proxy.trusted-proxies} (an address or CIDR range). Only literal IPv4/IPv6 addresses are read; no name is
 * ever resolved. IPv4-mapped IPv6 is read as the IPv4 address it carries.
 *
 * <p>Internal: not API, may change in any release.
 */
final class NodeAddress {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");

    private NodeAddress() {
    }

    /** A CIDR range of {@code aigw.proxy.trusted-proxies}: the first {@code bits} bits of {@code network}. */
    record Range(byte[] network, int bits) {
        /** @throws IllegalArgumentException naming {@code raw} when it is not an address or range */
        static Range parse(String raw) {
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
            return new Range(a, bits);
        }

        /** Whether the address {@code a} (as {@link #node} reads it) lies in this range. */
        boolean contains(byte[] a) {
            if (network.length != a.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (network[i] != a[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (network[full] & mask) == (a[full] & mask);
        }
    }

    /**
     * The canonical key of one node (see {@link TrustedProxies#clientKey}): IPv4 in dotted decimal, IPv6 cut to its
     * /64; a node that is no address ({@code unknown}, an obfuscated {@code _id}) as written, printable and bounded.
     */
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

    /** A {@code Forwarded} parameter's value without the quotes of a quoted string. */
    static String unquote(String v) {
        if (v.length() >= 2 && v.startsWith("\"") && v.endsWith("\"")) {
            return v.substring(1, v.length() - 1);
        }
        return v;
    }
}
