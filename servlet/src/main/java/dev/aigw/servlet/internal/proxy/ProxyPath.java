package dev.aigw.servlet.internal.proxy;

/**
 * Decides whether a path and query a proxy client sent may be appended to the Replicate API root. The proxy
 * forwards {@code <proxy>/<rest>?<query>} as {@code https://api.replicate.com/v1/<rest>?<query>}; whatever the
 * client writes, the result must stay under that root, so that no request reaches another account, gateway or
 * provider however the gateway or Replicate decode it.
 *
 * <p>Refused in the path: dot segments ({@code .}, {@code ..}), empty segments ({@code //}), backslashes, path
 * parameters ({@code ;}), any character outside the URI's unreserved and sub-delimiter set, and percent-escapes of
 * dots, slashes, backslashes, percent signs (double encoding), control characters or anything non-ASCII (overlong
 * and full-width forms of those). Nothing is ever decoded and re-encoded: an accepted path is forwarded byte for
 * byte. Refused in the query: anything but printable ASCII, {@code #}, and broken percent-escapes.
 */
public final class ProxyPath {
    /** Longest path rest accepted. */
    public static final int MAX_PATH = 2048;
    /** Longest query accepted. */
    public static final int MAX_QUERY = 8192;

    private static final boolean[] PATH_CHARS = new boolean[128];

    static {
        String ok = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~!$&'()*+,=:@";
        for (int i = 0; i < ok.length(); i++) {
            PATH_CHARS[ok.charAt(i)] = true;
        }
    }

    private ProxyPath() {
    }

    /**
     * Why {@code rawRest} (the raw path after the proxy prefix, e.g. {@code /predictions/abc}, or empty) may not be
     * forwarded, or {@code null} when it may.
     */
    public static String checkPath(String rawRest) {
        if (rawRest == null || rawRest.isEmpty()) {
            return null;
        }
        if (rawRest.length() > MAX_PATH) {
            return "the path is longer than " + MAX_PATH + " characters";
        }
        if (rawRest.charAt(0) != '/') {
            return "the path must start with '/'";
        }
        int segStart = 1;
        int n = rawRest.length();
        for (int i = 1; i <= n; i++) {
            if (i == n || rawRest.charAt(i) == '/') {
                String problem = checkSegment(rawRest, segStart, i, i == n);
                if (problem != null) {
                    return problem;
                }
                segStart = i + 1;
            }
        }
        return null;
    }

    private static String checkSegment(String s, int from, int to, boolean last) {
        if (from == to) {
            return last ? null : "empty path segments ('//') are not allowed";
        }
        int dots = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c == '.') {
                dots++;
            }
            if (c == '%') {
                if (i + 2 >= to) {
                    return "a broken percent-escape";
                }
                int hi = hex(s.charAt(i + 1));
                int lo = hex(s.charAt(i + 2));
                if (hi < 0 || lo < 0) {
                    return "a broken percent-escape";
                }
                int b = hi << 4 | lo;
                if (b == '.' || b == '/' || b == '\\' || b == '%') {
                    return "percent-encoded dots, slashes, backslashes or percent signs are not allowed";
                }
                if (b < 0x20 || b >= 0x7f) {
                    return "percent-encoded control or non-ASCII bytes are not allowed";
                }
                i += 2;
                continue;
            }
            if (c == '\\') {
                return "backslashes are not allowed";
            }
            if (c == ';') {
                return "path parameters (';') are not allowed";
            }
            if (c >= 128 || !PATH_CHARS[c]) {
                return "the character " + describe(c) + " is not allowed in a path";
            }
        }
        if (dots == to - from && dots <= 2) {
            return "dot segments ('.' and '..') are not allowed";
        }
        return null;
    }

    /** Why {@code rawQuery} (without '?', may be null) may not be forwarded, or {@code null} when it may. */
    public static String checkQuery(String rawQuery) {
        if (rawQuery == null) {
            return null;
        }
        if (rawQuery.length() > MAX_QUERY) {
            return "the query is longer than " + MAX_QUERY + " characters";
        }
        for (int i = 0; i < rawQuery.length(); i++) {
            char c = rawQuery.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '#' || c == '"' || c == '<' || c == '>' || c == '\\' || c == '^'
                    || c == '`' || c == '{' || c == '|' || c == '}') {
                return "the character " + describe(c) + " is not allowed in a query (percent-encode it)";
            }
            if (c == '%') {
                if (i + 2 >= rawQuery.length() || hex(rawQuery.charAt(i + 1)) < 0 || hex(rawQuery.charAt(i + 2)) < 0) {
                    return "a broken percent-escape in the query";
                }
                i += 2;
            }
        }
        return null;
    }

    private static int hex(char c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        return -1;
    }

    private static String describe(char c) {
        if (c > 0x20 && c < 0x7f) {
            return "'" + c + "'";
        }
        return String.format("U+%04X", (int) c);
    }
}
