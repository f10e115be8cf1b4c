package dev.aigw.servlet.internal.proxy;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * The one form of a proxied request that the proxy decides on and forwards: method, path under the Replicate API
 * root ({@code /predictions}) and query, reduced from whatever spelling the client used to the spelling Replicate
 * and the gateway will see. Every check (the {@code /webhooks} refusal, the model allowlist, the creator and route
 * classification, the record's endpoint, an application's access check: {@link #view}) reads this form, and this
 * form is what is sent, so no check can be passed by writing a request that a normalising server behind the proxy
 * reads differently.
 *
 * <p>The rules (RFC 3986 §6.2.2 normalisation, refusing where normalising would still leave a choice):
 * <ul>
 *   <li>methods: exactly one of {@link #METHODS}, as written (HTTP methods are case-sensitive); others 405;</li>
 *   <li>percent-encoded unreserved characters (letters, digits, {@code -._~}) are decoded; any other escape
 *       (reserved characters such as {@code %2F}, {@code %3B}, {@code %25}, controls, non-ASCII) is refused, since
 *       decoding it would change what the path means and keeping it leaves the choice to the upstream;</li>
 *   <li>refused in the path: dot segments (also when encoded), empty segments, a trailing slash, backslashes,
 *       {@code ;} parameters, characters outside unreserved and sub-delimiters, and, after the proxy's own prefix,
 *       case variants of Replicate's path words ({@code /Predictions}): Replicate spells them in lower case only
 *       (the context path and proxy path are the application's, compared exactly, and may use any case);</li>
 *   <li>the query keeps its form but escapes of unreserved characters are decoded and other escapes get upper-case
 *       hex; raw characters outside printable ASCII, {@code #} and broken escapes are refused; an empty query is
 *       none.</li>
 * </ul>
 *
 * <p>Internal: not API, may change in any release.
 */
public record CanonicalRequest(String method, String path, String query) {
    /** What Replicate's API uses (QUERY: models.search); everything else is answered 405. */
    public static final List<String> METHODS = List.of("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS",
            "QUERY");
    public static final String ALLOW = String.join(", ", METHODS);
    /** Longest canonical path accepted. */
    public static final int MAX_PATH = 2048;
    /** Longest query accepted. */
    public static final int MAX_QUERY = 8192;

    /** The fixed words of Replicate's paths (spec §2); only their lower-case spelling is Replicate's. */
    static final Set<String> WORDS = Set.of("account", "cancel", "collections", "default", "deployments", "download",
            "examples", "files", "hardware", "models", "predictions", "readme", "search", "secret", "trainings",
            "versions", "webhooks");

    private static final String UNRESERVED_PUNCT = "-._~";
    private static final String PATH_PUNCT = "-._~!$&'()*+,=:@";

    /** The path and query as appended to the API root: {@code /predictions?cursor=x}. */
    public String pathAndQuery() {
        return query == null ? path : path + "?" + query;
    }

    /** Whether this is Replicate's webhook endpoint family ({@code /webhooks/...}), which hands out the secret. */
    public boolean webhooks() {
        return path.equals("/webhooks") || path.startsWith("/webhooks/");
    }

    /**
     * {@code req} as the access check sees it: its URI and query in this form, the one forwarded, so that an
     * application's rule on the path ({@code /deployments}) holds for every spelling of it ({@code /%64eployments}).
     * {@code req} itself when it was sent in this form (nearly always). {@code prefix}: the canonical proxy path.
     */
    public HttpServletRequest view(HttpServletRequest req, String prefix) {
        String raw = req.getRequestURI();
        if (raw.length() == prefix.length() + path.length() && raw.startsWith(prefix) && raw.endsWith(path)
                && Objects.equals(req.getQueryString(), query)) {
            return req;
        }
        String uri = prefix + path;
        return new HttpServletRequestWrapper(req) {
            @Override
            public String getRequestURI() {
                return uri;
            }

            @Override
            public StringBuffer getRequestURL() {
                StringBuffer url = super.getRequestURL();
                int at = url.indexOf("/", url.indexOf("://") + 3);
                url.setLength(at < 0 ? url.length() : at);
                return url.append(uri);
            }

            @Override
            public String getQueryString() {
                return query;
            }
        };
    }

    /**
     * Reduces a request to its canonical form.
     *
     * @param method     the request method as sent
     * @param rawUri     the request URI as sent, without query ({@code getRequestURI()})
     * @param base       where the proxy answers, as sent by the container ({@code getContextPath()} + path)
     * @param rawQuery   the raw query, or null
     */
    public static CanonicalRequest of(String method, String rawUri, String base, String rawQuery) throws Refusal.Refused {
        if (!METHODS.contains(method)) {
            throw Refusal.of(405, "method_not_allowed", "the proxy forwards " + ALLOW + " (as written, in upper "
                    + "case); not " + printable(method)).with("Allow", ALLOW).refused();
        }
        String uri = path(rawUri, false);
        String prefix = path(base, true);
        if (!uri.startsWith(prefix) || (uri.length() > prefix.length() && uri.charAt(prefix.length()) != '/')) {
            throw invalid("the proxy path must be written as " + prefix + "/<Replicate API path>");
        }
        String rest = uri.substring(prefix.length());
        if (rest.isEmpty() || rest.equals("/")) {
            throw invalid("name a Replicate API path after " + prefix + ", e.g. " + prefix + "/predictions");
        }
        if (rest.length() > MAX_PATH) {
            throw invalid("the path is longer than " + MAX_PATH + " characters");
        }
        words(rest);
        return new CanonicalRequest(method, rest, query(rawQuery));
    }

    /** The canonical form of a raw absolute path; {@code prefix} allows the empty string and a trailing slash. */
    public static String path(String raw, boolean prefix) throws Refusal.Refused {
        if (raw == null || raw.isEmpty()) {
            if (prefix) {
                return "";
            }
            throw invalid("the path must start with '/'");
        }
        if (raw.charAt(0) != '/') {
            throw invalid("the path must start with '/'");
        }
        if (raw.length() > 3 * (MAX_PATH + 1024)) {
            throw invalid("the path is longer than " + MAX_PATH + " characters");
        }
        // the canonical form is the raw text itself until the first escape to decode (most paths have none): the
        // builder is made only then, and the segments are checked on whichever holds the form so far
        StringBuilder out = null;
        int segStart = 0;
        boolean trim = false;
        for (int i = 0; i <= raw.length(); i++) {
            char c = i < raw.length() ? raw.charAt(i) : '/';
            if (c == '/') {
                if (i > 0) {
                    trim = segment(out == null ? raw : out, segStart, out == null ? i : out.length(),
                            i == raw.length(), prefix);
                }
                if (i < raw.length()) {
                    if (out != null) {
                        out.append('/');
                    }
                    segStart = out == null ? i + 1 : out.length();
                }
                continue;
            }
            if (c == '%') {
                int b = escape(raw, i);
                if (b < 0) {
                    throw invalid("a broken percent-escape in the path");
                }
                if (!unreserved((char) b)) {
                    throw invalid("the path has " + raw.substring(i, i + 3) + ": only letters, digits and '-._~' may "
                            + "be percent-encoded (they are decoded); an encoded '/', '%', ';', '\\', control or "
                            + "non-ASCII byte could mean another path to a server behind the proxy");
                }
                if (out == null) {
                    out = new StringBuilder(raw.length()).append(raw, 0, i);
                }
                out.append((char) b);
                i += 2;
            } else if (c == '\\') {
                throw invalid("backslashes are not allowed in the path");
            } else if (c == ';') {
                throw invalid("path parameters (';') are not allowed");
            } else if (c < 128 && (Character.isLetterOrDigit(c) || PATH_PUNCT.indexOf(c) >= 0)) {
                if (out != null) {
                    out.append(c);
                }
            } else {
                throw invalid("the character " + describe(c) + " is not allowed in a path (percent-encoding it is "
                        + "not allowed either)");
            }
        }
        if (out == null) {
            return trim ? raw.substring(0, raw.length() - 1) : raw;
        }
        if (trim) {
            out.setLength(out.length() - 1);
        }
        return out.toString();
    }

    /**
     * Checks the segment {@code [start, end)} of the form so far; true when it is the empty last segment of a prefix,
     * whose slash is dropped ("/app/" as a prefix is "/app").
     */
    private static boolean segment(CharSequence out, int start, int end, boolean last, boolean prefix)
            throws Refusal.Refused {
        int n = end - start;
        if (n == 0) {
            if (last && prefix) {
                return true;
            }
            throw invalid(last ? "a trailing slash is not allowed: Replicate's paths have none"
                    : "empty path segments ('//') are not allowed");
        }
        if (out.charAt(start) == '.' && (n == 1 || n == 2 && out.charAt(start + 1) == '.')) {
            throw invalid("dot segments ('.' and '..', also percent-encoded) are not allowed");
        }
        return false;
    }

    /**
     * Refuses case variants of Replicate's words in the canonical Replicate path {@code rest} (not in the prefix: the
     * context path and proxy path are the application's own, matched exactly as configured).
     */
    private static void words(String rest) throws Refusal.Refused {
        boolean upper = false; // ASCII only (checked as written); a segment in lower case needs no look-up
        for (int i = 1, start = 1; i <= rest.length(); i++) {
            char c = i < rest.length() ? rest.charAt(i) : '/';
            if (c != '/') {
                upper |= c >= 'A' && c <= 'Z';
                continue;
            }
            if (upper) {
                String seg = rest.substring(start, i);
                String lower = seg.toLowerCase(Locale.ROOT);
                if (WORDS.contains(lower)) {
                    throw invalid("Replicate's path words are lower case: write '" + lower + "', not '" + seg + "'");
                }
            }
            upper = false;
            start = i + 1;
        }
    }

    /** The canonical query, null for none or empty. */
    static String query(String raw) throws Refusal.Refused {
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        if (raw.length() > MAX_QUERY) {
            throw invalid("the query is longer than " + MAX_QUERY + " characters");
        }
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '%') {
                int b = escape(raw, i);
                if (b < 0) {
                    throw invalid("a broken percent-escape in the query");
                }
                if (unreserved((char) b)) {
                    out.append((char) b);
                } else {
                    out.append('%').append(Character.toUpperCase(raw.charAt(i + 1)))
                            .append(Character.toUpperCase(raw.charAt(i + 2)));
                }
                i += 2;
            } else if (c <= 0x20 || c >= 0x7f || "#\"<>\\^`{|}".indexOf(c) >= 0) {
                throw invalid("the character " + describe(c) + " is not allowed in a query (percent-encode it)");
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    static boolean unreserved(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || UNRESERVED_PUNCT.indexOf(c) >= 0);
    }

    /** The byte of the escape at {@code i}, or -1 when it is broken. */
    private static int escape(String s, int i) {
        if (i + 2 >= s.length()) {
            return -1;
        }
        int hi = Character.digit(s.charAt(i + 1), 16);
        int lo = Character.digit(s.charAt(i + 2), 16);
        return hi < 0 || lo < 0 || s.charAt(i + 1) > 'f' || s.charAt(i + 2) > 'f' ? -1 : hi << 4 | lo;
    }

    private static Refusal.Refused invalid(String detail) {
        return Refusal.of(400, "path_not_allowed", detail + "; the proxy forwards paths under the Replicate API "
                + "root only, in one spelling").refused();
    }

    private static String describe(char c) {
        return c > 0x20 && c < 0x7f ? "'" + c + "'" : String.format("U+%04X", (int) c);
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 40; i++) {
            char c = s.charAt(i);
            sb.append(c > 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
