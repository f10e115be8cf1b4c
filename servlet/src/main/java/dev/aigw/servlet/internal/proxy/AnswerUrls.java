package dev.aigw.servlet.internal.proxy;

import java.util.ArrayList;
import java.util.List;

/**
 * The URLs in an upstream answer's head ({@code Location}, {@code Content-Location}, {@code Link}) as one call's
 * client gets them. The client reads them from the application's origin, so a URL passes only when it leads into the
 * proxy once Replicate's API URL in it is rewritten to the proxy's own ({@link #intoProxy}); any other is not passed
 * on: a redirect to it is refused ({@link ResponseHead}), a {@code Location} or {@code Content-Location} field is
 * dropped, and so is a {@code Link} entry, which could act on the application's origin when the answer is opened as
 * a page ({@code rel=stylesheet}, {@code preload}, {@code prefetch}). Replicate's API names only its own URLs.
 *
 * <p>Internal: not API, may change in any release.
 */
final class AnswerUrls {
    private final UrlRewriter toClient;
    private final String publicBase;

    /**
     * @param toClient   Replicate's API URL to the proxy's; null when {@code publicBase} is
     * @param publicBase the proxy's URL as the client sees it; null when not known (then no URL passes)
     */
    AnswerUrls(UrlRewriter toClient, String publicBase) {
        this.toClient = toClient;
        this.publicBase = publicBase;
    }

    /** Whether a field of this name holds URLs that {@link #field} decides on. */
    static boolean carriesUrl(String name) {
        return name.equalsIgnoreCase("Location") || name.equalsIgnoreCase("Content-Location")
                || name.equalsIgnoreCase("Link");
    }

    /** The value of a URL field ({@link #carriesUrl}) as the client gets it, or null when nothing of it passes. */
    String field(String name, String value) {
        return name.equalsIgnoreCase("Link") ? link(value) : intoProxy(value);
    }

    /** A redirect whose {@code Location} does not lead into the proxy (every {@code Location} field must). */
    boolean leavesTheProxy(Upstream.Head h) {
        if (h.status() < 300 || h.status() > 399) {
            return false;
        }
        boolean[] away = new boolean[1];
        h.forEach((name, value) -> away[0] |= name.equalsIgnoreCase("Location") && intoProxy(value) == null);
        return away[0];
    }

    /**
     * {@code url} rewritten, when it then leads into the proxy: an absolute URL starting with the public base,
     * followed by nothing, {@code /}, {@code ?} or {@code #}; past the base no character that a browser removes from
     * a URL or reads as a slash (whitespace, controls, backslash; and nothing that is not ASCII) and no dot segment in
     * any spelling a browser resolves ({@code ..}, {@code %2e%2E}, {@code .%2e}, {@code .}), since it would climb
     * out. Else null: relative references too, which resolve against the proxy's URL on the application's origin.
     */
    String intoProxy(String url) {
        if (publicBase == null || url == null) {
            return null;
        }
        String v = toClient.rewrite(url.strip()); // there is one whenever there is a public base
        int n = publicBase.length();
        if (!v.startsWith(publicBase) || v.length() > n && "/?#".indexOf(v.charAt(n)) < 0) {
            return null;
        }
        int pathEnd = v.length();
        for (int i = n; i < v.length(); i++) {
            char c = v.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '\\') {
                return null;
            }
            if ((c == '?' || c == '#') && pathEnd == v.length()) {
                pathEnd = i;
            }
        }
        for (int s = n + 1; s <= pathEnd; ) { // segments after the base's own path
            int e = v.indexOf('/', s);
            e = e < 0 || e > pathEnd ? pathEnd : e;
            if (dotSegment(v, s, e)) {
                return null;
            }
            s = e + 1;
        }
        return v;
    }

    /**
     * Whether {@code v[from, to)} is {@code .} or {@code ..}, each dot possibly written {@code %2e}, also with path
     * parameters ({@code ..;x}): servlet containers drop a segment's {@code ;} parameters before they resolve it.
     */
    private static boolean dotSegment(String v, int from, int to) {
        int semicolon = v.indexOf(';', from);
        if (semicolon >= 0 && semicolon < to) {
            to = semicolon;
        }
        int dots = 0;
        for (int i = from; i < to; dots++) {
            if (v.charAt(i) == '.') {
                i++;
            } else if (v.regionMatches(true, i, "%2e", 0, 3)) {
                i += 3;
            } else {
                return false;
            }
        }
        return dots == 1 || dots == 2;
    }

    /**
     * A {@code Link} field value (RFC 8288 §3) with only the entries whose target leads into the proxy
     * ({@link #intoProxy}), rewritten, and that name no further URL in a parameter ({@code anchor}, which makes the
     * link's context another resource, and {@code imagesrcset}, which a browser preloads); null when none is left. A
     * value that does not parse as the grammar says passes not at all: parsers that recover from errors recover
     * differently (where one entry ends), and what passes must mean the same to every one. Kept entries are written
     * out anew from their parts.
     */
    String link(String value) {
        List<String> kept = new ArrayList<>();
        LinkParser p = new LinkParser(value);
        while (p.nextEntry()) {
            String target = p.target();
            if (target == null) {
                return null;
            }
            String into = intoProxy(target);
            StringBuilder entry = new StringBuilder("<").append(into).append('>');
            boolean away = into == null;
            for (String param; (param = p.param()) != null; ) {
                if (param.isEmpty()) {
                    return null;
                }
                int eq = param.indexOf('=');
                String name = eq < 0 ? param : param.substring(0, eq);
                away |= name.equalsIgnoreCase("anchor") || name.equalsIgnoreCase("imagesrcset");
                entry.append("; ").append(param);
            }
            if (!away) {
                kept.add(entry.toString());
            }
        }
        return kept.isEmpty() ? null : String.join(", ", kept);
    }

    /** Reads a {@code Link} value strictly: {@code <target>} then {@code ; name[=token|"quoted"]} parameters. */
    private static final class LinkParser {
        private final String s;
        private int i;

        LinkParser(String s) {
            this.s = s;
        }

        /** Skips whitespace and empty list elements; whether an entry follows. */
        boolean nextEntry() {
            while (i < s.length() && (s.charAt(i) == ',' || s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
            return i < s.length();
        }

        /** The {@code <target>}'s URI reference, or null when there is none. */
        String target() {
            if (s.charAt(i) != '<') {
                return null;
            }
            int end = s.indexOf('>', i + 1);
            if (end < 0) {
                return null;
            }
            String t = s.substring(i + 1, end);
            for (int k = 0; k < t.length(); k++) {
                char c = t.charAt(k);
                if (c <= 0x20 || c >= 0x7f || c == '<' || c == '"') {
                    return null;
                }
            }
            i = end + 1;
            return t;
        }

        /** The next parameter as written ({@code name} or {@code name=value}), null at the entry's end, "" if bad. */
        String param() {
            ows();
            if (i >= s.length() || s.charAt(i) == ',') {
                return null;
            }
            if (s.charAt(i) != ';') {
                return "";
            }
            i++;
            ows();
            int start = i;
            while (i < s.length() && Admission.tchar(s.charAt(i))) {
                i++;
            }
            if (i == start) {
                return "";
            }
            String name = s.substring(start, i);
            ows();
            if (i >= s.length() || s.charAt(i) != '=') {
                return name;
            }
            i++;
            ows();
            int v = i;
            if (i < s.length() && s.charAt(i) == '"') {
                for (i++; ; i++) {
                    if (i >= s.length()) {
                        return "";
                    }
                    char c = s.charAt(i);
                    if (c == '"') {
                        i++;
                        break;
                    }
                    if (c == '\\' && ++i >= s.length()) {
                        return "";
                    }
                    c = s.charAt(i);
                    if (c < 0x20 && c != '\t' || c == 0x7f) {
                        return "";
                    }
                }
            } else {
                while (i < s.length() && Admission.tchar(s.charAt(i))) {
                    i++;
                }
                if (i == v) {
                    return "";
                }
            }
            return name + "=" + s.substring(v, i);
        }

        private void ows() {
            while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
                i++;
            }
        }
    }
}
