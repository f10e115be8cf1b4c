package dev.aigw.servlet.internal.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * The reverse proxies in front of the application whose {@code Forwarded} / {@code X-Forwarded-*} headers are
 * believed. Headers from any other peer are ignored: anyone can send them. Addresses are literal IPv4/IPv6
 * addresses or CIDR ranges; no name is ever resolved.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class TrustedProxies {
    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "a comma-separated list of IP addresses or CIDR ranges, e.g. "
            + "127.0.0.1, 10.0.0.0/8, ::1";

    private final List<NodeAddress.Range> ranges;
    private final TrustedHeaders headers;

    private TrustedProxies(List<NodeAddress.Range> ranges, TrustedHeaders headers) {
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
        List<NodeAddress.Range> out = new ArrayList<>();
        for (String raw : spec.strip().split("[\\s,]+")) {
            if (!raw.isEmpty()) {
                out.add(NodeAddress.Range.parse(raw));
            }
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
        byte[] a = NodeAddress.node(address);
        if (a == null) {
            return false;
        }
        for (NodeAddress.Range r : ranges) {
            if (r.contains(a)) {
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
            return NodeAddress.key(peer);
        }
        String byForwarded = headers != TrustedHeaders.X_FORWARDED && present(forwarded)
                ? nearestUntrusted(peer, forwarded, true) : null;
        String byForwardedFor = headers != TrustedHeaders.FORWARDED && present(forwardedFor)
                ? nearestUntrusted(peer, forwardedFor, false) : null;
        if (byForwarded != null && byForwardedFor != null && !byForwarded.equals(byForwardedFor)) {
            return NodeAddress.key(peer);
        }
        return byForwarded != null ? byForwarded : byForwardedFor != null ? byForwardedFor : NodeAddress.key(peer);
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
                return NodeAddress.key(hops.get(i));
            }
        }
        return NodeAddress.key(hops.isEmpty() ? peer : hops.get(0));
    }

    private static String forValue(String element) {
        for (String pair : element.split(";")) {
            int eq = pair.indexOf('=');
            if (eq > 0 && pair.substring(0, eq).strip().equalsIgnoreCase("for")) {
                return NodeAddress.unquote(pair.substring(eq + 1).strip());
            }
        }
        return null;
    }

    /**
     * The origin the client used: from the container's view of the request, or — when the peer is trusted — from
     * the nearest proxy's forwarding headers, of those it is believed in ({@link #believing}); see
     * {@link PublicOrigin#read}.
     *
     * @param containerPrefix the context path as the container sees it (raw), prefixed by any forwarded prefix
     */
    public PublicOrigin origin(String peer, String scheme, String hostPort, String containerPrefix, String forwarded,
                               String xfProto, String xfHost, String xfPort, String xfPrefix) {
        return PublicOrigin.read(trusts(peer) ? headers : null, scheme, hostPort, containerPrefix, forwarded, xfProto,
                xfHost, xfPort, xfPrefix);
    }
}
