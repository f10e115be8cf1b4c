package dev.aigw.servlet.internal.proxy;


import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Which headers a Replicate proxy passes on, in each direction.
 *
 * <p>Requests: an allowlist. A proxy client talks to the application's origin, so its requests carry the
 * application's cookies, CSRF tokens, session and API keys; none of that may travel to Replicate or the gateway.
 * Forwarded are only the headers Replicate's API reads or that describe the body ({@code Content-Type},
 * {@code Accept}, {@code Prefer}, {@code Cancel-After}, {@code Last-Event-ID}, conditionals, {@code User-Agent}),
 * plus names configured by the application. {@code Authorization} is decided separately (replaced by the
 * server-side token, or passed through when none is configured). Never forwarded whatever the configuration:
 * hop-by-hop headers and those named in {@code Connection}, {@code Host}, {@code Content-Length},
 * {@code Expect}, {@code Cookie}, {@code Proxy-Authorization}, {@code Forwarded}/{@code X-Forwarded-*}
 * (describe hops to the application, not to Replicate), method overrides ({@code X-HTTP-Method-Override}: the proxy
 * decides on the method it sends) and {@code cf-aig-*} (gateway controls come from settings and context, never from a
 * client: a client must not switch off logging or pick a cache key).
 *
 * <p>Responses: everything except hop-by-hop headers and those the upstream names in {@code Connection} (RFC 9110
 * §7.6.1), {@code Content-Length} (the proxy decides), URLs that do not lead into the proxy ({@link AnswerUrls}),
 * headers that act on the application's own origin rather than on the one answer, since the client reads the answer
 * from that origin ({@link #ORIGIN_WIDE}: its cookies, storage, transport and CORS policy, where its users' browsers
 * report, its client hints, a sign-in prompt in its name, a navigation away), {@code Date}/{@code Server} (the
 * container writes its own) and the gateway's DLP findings ({@code cf-aig-dlp}, which would show a client the rule to
 * write around). {@code Content-Encoding} is copied only while the body passes unchanged. Every answer carries
 * {@code X-Content-Type-Options: nosniff} (a browser renders it as its declared type only) and
 * {@code Content-Security-Policy: sandbox} (a declared type a browser runs, HTML or SVG, runs in an opaque origin
 * without script, not on the application's).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ProxyHeaders {
    private static final Names HOP_BY_HOP = new Names("connection", "keep-alive", "proxy-authenticate",
            "proxy-authorization", "proxy-connection", "te", "trailer", "trailers", "transfer-encoding", "upgrade");

    private static final Names REQUEST_ALLOWED = new Names("accept", "accept-language", "cache-control",
            "cancel-after", "content-type", "if-match", "if-modified-since", "if-none-match", "if-range",
            "if-unmodified-since", "last-event-id", "prefer", "range", "user-agent");

    /**
     * Method overrides too: every check of the proxy (cross-site stance, model and webhook allowlists, the creator's
     * classification) is decided on the method it forwards, and a server honouring one would run another.
     */
    private static final Names REQUEST_NEVER = new Names("host", "content-length", "expect", "cookie", "cookie2",
            "authorization", "forwarded", "x-real-ip", "via", "origin", "referer", "x-http-method-override",
            "x-http-method", "x-method-override");

    /**
     * Upstream response headers whose effect reaches past the answer to the origin it is read from (the
     * application's), or that navigate or prompt in its name; with {@code access-control-*} and
     * {@code attribution-reporting-*} by prefix. {@code Use-As-Dictionary} keeps the answer as a compression
     * dictionary for the origin's matching URLs, whose {@code id} the browser then sends to them, as a cookie.
     */
    static final Names ORIGIN_WIDE = new Names("set-cookie", "set-cookie2", "clear-site-data",
            "strict-transport-security", "alt-svc", "public-key-pins", "public-key-pins-report-only", "expect-ct",
            "nel", "report-to", "reporting-endpoints", "accept-ch", "critical-ch", "origin-agent-cluster",
            "service-worker-allowed", "set-login", "refresh", "www-authenticate", "observe-browsing-topics",
            "activate-storage-access", "use-as-dictionary");

    /** {@code cf-aig-dlp}: which DLP profile, entries and policies matched, the gateway's report to the application. */
    private static final Names RESPONSE_NEVER = new Names("content-length", "date", "server", "cf-aig-dlp");

    /** The three sets a response header must be in none of, as one: one hash of the name per header, not three. */
    private static final Names RESPONSE_DROPPED = Names.union(HOP_BY_HOP, RESPONSE_NEVER, ORIGIN_WIDE);

    private final Names extraRequest;

    /** @param extraRequestHeaders further request header names to forward (never the ones listed as never) */
    public ProxyHeaders(Collection<String> extraRequestHeaders) {
        Set<String> s = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        for (String h : extraRequestHeaders) {
            if (h != null && !h.isBlank()) {
                s.add(h.strip());
            }
        }
        this.extraRequest = new Names(s.toArray(new String[0]));
    }

    /** Names that can never be configured as forwarded request headers; for start-up checks. */
    public static boolean neverForwarded(String name) {
        return HOP_BY_HOP.contains(name) || REQUEST_NEVER.contains(name) || startsWith(name, "x-forwarded-")
                || startsWith(name, "cf-");
    }

    /**
     * Whether a client request header goes upstream. {@code connectionTokens} are the names listed in the
     * request's {@code Connection} header (hop-by-hop by declaration).
     */
    public boolean forwardRequest(String name, Collection<String> connectionTokens) {
        if (neverForwarded(name) || contains(connectionTokens, name)) {
            return false;
        }
        return REQUEST_ALLOWED.contains(name) || extraRequest.contains(name);
    }

    /** Whether an upstream response header goes to the client (Content-Encoding is the caller's decision). */
    public static boolean copyResponse(String name, Collection<String> connectionTokens) {
        if (RESPONSE_DROPPED.contains(name) || startsWith(name, "access-control-")
                || startsWith(name, "attribution-reporting-")) {
            return false;
        }
        return !contains(connectionTokens, name);
    }

    /**
     * Copies the forwarded request headers to the upstream request, and {@code Authorization}: the server's token
     * ({@code serverAuthorization}, the whole value), or in pass-through mode (null) the client's own. {@code User-Agent} is the caller's to add
     * (with aigw's product token).
     */
    public void toUpstream(HttpServletRequest req, String serverAuthorization, Upstream.Request r)
            throws Refusal.Refused {
        Enumeration<String> c = req.getHeaders("Connection");
        Set<String> connection = c == null || !c.hasMoreElements() ? Set.of() : connectionTokens(Collections.list(c));
        for (Enumeration<String> names = req.getHeaderNames(); names.hasMoreElements(); ) {
            String name = names.nextElement();
            if (!name.equalsIgnoreCase("User-Agent") && forwardRequest(name, connection)) {
                for (Enumeration<String> values = req.getHeaders(name); values.hasMoreElements(); ) {
                    r.header(name, sendable(name, values.nextElement()));
                }
            }
        }
        String auth = serverAuthorization != null ? serverAuthorization
                : sendable("Authorization", req.getHeader("Authorization"));
        if (auth != null) {
            r.header("Authorization", auth);
        }
    }

    /**
     * A client's header value as it goes upstream, or the refusal when HTTP cannot carry it (RFC 9110 §5.5: visible
     * ASCII, space, tab and the bytes 0x80-0xFF only): a container may pass what the upstream client refuses to send
     * (Tomcat passes DEL; the JDK's client then throws). The refusal names the header and the character, never the
     * value, which may be a credential.
     */
    static String sendable(String name, String value) throws Refusal.Refused {
        for (int i = 0; value != null && i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 && c != '\t' || c == 0x7f || c > 0xff) {
                throw Refusal.of(400, "header_not_allowed", "the header " + CanonicalRequest.printable(name)
                        + " has the character " + String.format("U+%04X", (int) c) + ", which an HTTP field value "
                        + "cannot carry; allowed are visible ASCII, space, tab and the bytes 0x80-0xFF").refused();
            }
        }
        return value;
    }

    /**
     * Copies the upstream's response headers to the client's response: URL headers as {@code urls} decides (only those
     * leading into the proxy pass, rewritten), {@code Content-Encoding} dropped when the body is rewritten;
     * {@code Cache-Control} for the client's own cache only ({@link #privateOnly}); answers whose URLs came from the
     * request's {@code Host} ({@code hostDependent}) also get {@code Vary} ({@code vary}: {@code Host} and the
     * forwarding headers believed, {@link TrustedProxies#vary}), so that not even a private cache hands them to a
     * request that came by another name.
     */
    static void toClient(Upstream.Head h, HttpServletResponse resp, AnswerUrls urls, boolean bodyRewritten,
                                boolean hostDependent, String vary) {
        List<String> connection = h.all("Connection");
        Set<String> tokens = connection.isEmpty() ? Set.of() : connectionTokens(connection); // nearly always empty
        List<String> cacheControl = h.all("Cache-Control");
        h.forEach((name, value) -> {
            if (!copyResponse(name, tokens) || bodyRewritten && name.equalsIgnoreCase("Content-Encoding")
                    || name.equalsIgnoreCase("Cache-Control")) {
                return;
            }
            String v = AnswerUrls.carriesUrl(name) ? urls.field(name, value) : value;
            if (v != null) {
                resp.addHeader(name, v);
            }
        });
        resp.setHeader("X-Content-Type-Options", "nosniff");
        // added beside any policy of the upstream's (both hold): an answer opened as a page (HTML or SVG a user
        // uploaded to Replicate) gets an opaque origin and no script, never the application's origin
        resp.addHeader("Content-Security-Policy", "sandbox");
        resp.setHeader("Cache-Control", privateOnly(cacheControl.isEmpty() ? null
                : String.join(", ", cacheControl)));
        if (hostDependent) {
            resp.addHeader("Vary", vary);
        }
    }

    /**
     * The upstream's {@code Cache-Control} for the client's own cache only: every proxied answer passed the
     * application's access check (and, without a public URL, depends on the request's {@code Host}), so a shared
     * cache must not keep it for others. {@code private} first, the directives for shared caches ({@code public},
     * {@code s-maxage}, {@code proxy-revalidate}) dropped, the rest kept; a value with quoted strings is not taken
     * apart: {@code no-store} when it holds that word, else {@code private}.
     */
    static String privateOnly(String cacheControl) {
        if (cacheControl == null || cacheControl.isBlank()) {
            return "private";
        }
        if (cacheControl.indexOf('"') >= 0) {
            return cacheControl.toLowerCase(java.util.Locale.ROOT).contains("no-store") ? "no-store" : "private";
        }
        StringBuilder sb = new StringBuilder("private");
        for (String d : cacheControl.split(",")) {
            String t = d.strip();
            int eq = t.indexOf('=');
            String name = (eq < 0 ? t : t.substring(0, eq)).strip();
            if (!t.isEmpty() && !name.equalsIgnoreCase("public") && !name.equalsIgnoreCase("private")
                    && !name.equalsIgnoreCase("s-maxage") && !name.equalsIgnoreCase("proxy-revalidate")) {
                sb.append(", ").append(t);
            }
        }
        return sb.toString();
    }

    /** Splits {@code Connection} header values into the header names they declare hop-by-hop. */
    public static Set<String> connectionTokens(Iterable<String> connectionValues) {
        Set<String> out = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        if (connectionValues == null) {
            return out;
        }
        for (String v : connectionValues) {
            if (v == null) {
                continue;
            }
            for (String t : v.split(",")) {
                String s = t.strip();
                if (!s.isEmpty()) {
                    out.add(s);
                }
            }
        }
        return out;
    }

    private static boolean contains(Collection<String> names, String name) {
        if (names == null || names.isEmpty()) {
            return false;
        }
        for (String n : names) {
            if (n.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean startsWith(String name, String lowerPrefix) {
        return name.regionMatches(true, 0, lowerPrefix, 0, lowerPrefix.length());
    }

    /**
     * A fixed set of header names, matched ignoring case exactly as {@link String#CASE_INSENSITIVE_ORDER} matches
     * them: an ASCII name (every real one) by the hash of its lower-case form, without a copy or a tree walk of
     * case-insensitive comparisons per look-up; any other by that order, since some non-ASCII letters fold to ASCII
     * ones there ({@code U+017F} to {@code S}), and every name when a member is not ASCII.
     */
    static final class Names {
        private final Set<String> sorted = new TreeSet<>(String.CASE_INSENSITIVE_ORDER);
        private final String[] table; // lower-case ASCII names by hash, open addressing, at most half full
        private final boolean ascii; // every member is ASCII: an ASCII name can match no other member

        Names(String... names) {
            this(List.of(names));
        }

        private Names(Collection<String> names) {
            sorted.addAll(names);
            int size = Integer.highestOneBit(Math.max(4, sorted.size()) * 4 - 1);
            table = new String[size];
            boolean allAscii = true;
            for (String n : sorted) {
                for (int i = 0; i < n.length(); i++) {
                    allAscii &= n.charAt(i) < 0x80;
                }
                String lower = n.toLowerCase(java.util.Locale.ROOT);
                int i = slot(lower.hashCode());
                while (table[i] != null) {
                    i = (i + 1) & (table.length - 1);
                }
                table[i] = lower;
            }
            this.ascii = allAscii;
        }

        /** The names in any of {@code sets}: contains a name exactly when one of them does. */
        static Names union(Names... sets) {
            List<String> all = new java.util.ArrayList<>();
            for (Names n : sets) {
                all.addAll(n.sorted);
            }
            return new Names(all);
        }

        private int slot(int hash) {
            return (hash ^ hash >>> 16) & (table.length - 1);
        }

        boolean contains(String name) {
            if (!ascii) {
                return sorted.contains(name);
            }
            int h = 0;
            for (int i = 0; i < name.length(); i++) {
                char c = name.charAt(i);
                if (c >= 0x80) {
                    return sorted.contains(name);
                }
                h = 31 * h + (c >= 'A' && c <= 'Z' ? c + 32 : c); // String.hashCode of the lower-case form
            }
            for (int i = slot(h); table[i] != null; i = (i + 1) & (table.length - 1)) {
                String t = table[i];
                if (t.length() == name.length() && t.regionMatches(true, 0, name, 0, t.length())) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A {@code Content-Length} value, or -1 when absent or not a length. */
    static long length(String contentLength) {
        try {
            return contentLength == null ? -1 : Long.parseLong(contentLength.strip());
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
