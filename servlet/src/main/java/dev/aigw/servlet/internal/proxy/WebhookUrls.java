package dev.aigw.servlet.internal.proxy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Where Replicate may send the webhooks of requests made through the proxy ({@code aigw.proxy.webhook-urls}):
 * absolute URL prefixes, or none. Replicate signs every webhook with the account's secret and POSTs it to whatever
 * URL a create names, so without this list a proxy client chooses who receives the application's signed messages.
 *
 * <p>The body is forwarded as sent, so a URL is not normalised but refused unless it is already in the one form
 * every URL parser reads alike ({@link #canonical}): a spelling that one parser reads as an allowed host and another
 * as a different one (user info, a backslash, a tab, an upper-case host, {@code %2e%2e}) never passes. A URL is
 * allowed when its scheme, host and port equal an entry's and its path is the entry's or continues it at a
 * {@code /}; a query may follow.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class WebhookUrls {
    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "none, or absolute URL prefixes separated by commas or spaces, such as "
            + "https://app.example.com/replicate/webhook (http:// only where written so; scheme and host in lower "
            + "case, a host name in ASCII (punycode) or an IPv4 address, no default port, user info, query or fragment)";
    /** The root keys naming where Replicate sends webhooks: {@code webhook}, the legacy {@code webhook_completed}. */
    public static final List<String> KEYS = List.of("webhook", "webhook_completed");
    /** What a webhook URL must look like, for refusals. */
    private static final String FORM = "an absolute http(s) URL with the scheme and host in lower case, no user info, "
            + "default port, fragment, backslash, space or control character, no dot or empty path segments and no "
            + "percent-encoded '.', '/', '\\', '%', ';' or NUL in the path";

    /** A URL in canonical form, split. {@code port} is -1 when none is written. */
    record Url(String scheme, String host, int port, String path, String query) {
        String withoutQuery() {
            return origin() + path;
        }

        String origin() {
            return scheme + "://" + host + (port < 0 ? "" : ":" + port);
        }
    }

    /** A dot segment, or one a Windows server reads as one: dots, then only dots and encoded spaces or tabs. */
    private static final java.util.regex.Pattern DOTS = java.util.regex.Pattern.compile("\\.+(\\.|%20|%09)*",
            java.util.regex.Pattern.CASE_INSENSITIVE);

    private final List<Url> prefixes; // empty: no webhook at all

    private WebhookUrls(List<Url> prefixes) {
        this.prefixes = prefixes;
    }

    /**
     * @throws IllegalArgumentException naming the first entry that is not a canonical URL prefix
     */
    public static WebhookUrls parse(String spec) {
        String s = spec.strip();
        if (s.equals("none")) {
            return new WebhookUrls(List.of());
        }
        Set<Url> prefixes = new LinkedHashSet<>();
        for (String raw : s.split("[\\s,]+")) {
            if (raw.isEmpty()) {
                continue;
            }
            if (raw.equals("none")) {
                throw new IllegalArgumentException("'none' cannot be combined with URLs");
            }
            Url u;
            try {
                u = canonical(raw);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("'" + shown(raw) + "' " + e.getMessage());
            }
            if (u.query() != null) {
                throw new IllegalArgumentException("'" + shown(raw) + "' has a query");
            }
            prefixes.add(u);
        }
        if (prefixes.isEmpty()) {
            throw new IllegalArgumentException("the list is empty");
        }
        return new WebhookUrls(List.copyOf(prefixes));
    }

    /**
     * An entry as an error may show it: without user info (to the authority's last {@code @}, as parsers read it),
     * query or fragment, which may hold credentials. Core's {@code Settings} masks URLs in the message again.
     */
    private static String shown(String raw) {
        String s = raw.replaceFirst("^([A-Za-z][A-Za-z0-9+.-]*://)[^/?#]*@", "$1****@");
        int q = s.indexOf('?');
        int f = s.indexOf('#');
        int cut = q < 0 ? f : f < 0 ? q : Math.min(q, f);
        return CanonicalRequest.printable(cut < 0 ? s : s.substring(0, cut + 1) + "...");
    }

    /** The watched fields of a {@link JsonBodyGate}: each webhook key, judged only when present. */
    public List<JsonBodyGate.Field> watched() {
        List<JsonBodyGate.Field> watched = new ArrayList<>(KEYS.size());
        for (String key : KEYS) {
            watched.add(new JsonBodyGate.Field(key, null, v -> judge(key, v)));
        }
        return watched;
    }

    /** The refusal for {@code url} as the body's {@code key}, or null when Replicate may send webhooks there. */
    Refusal judge(String key, String url) {
        if (prefixes.isEmpty()) {
            return Refusal.of(403, "webhook_not_allowed", "this proxy allows no webhook (aigw.proxy.webhook-urls = "
                    + "none): leave \"" + key + "\" out");
        }
        Url u;
        try {
            u = canonical(url);
        } catch (IllegalArgumentException e) {
            // the URL is not repeated: its query may carry the receiver's token
            return Refusal.of(400, "webhook_not_allowed", "the body's \"" + key + "\" " + e.getMessage() + "; this "
                    + "proxy takes " + FORM + ", under " + this);
        }
        for (Url p : prefixes) {
            if (p.scheme().equals(u.scheme()) && p.host().equals(u.host()) && p.port() == u.port()
                    && under(u.path(), p.path())) {
                return null;
            }
        }
        // its origin only: receivers' URLs carry their secret in the path too (hooks.zapier.com/hooks/catch/<id>/<key>),
        // and the refusal's text goes into the call's record
        return Refusal.of(403, "webhook_not_allowed", "the body's \"" + key + "\" (" + u.origin()
                + (u.path().isEmpty() ? "" : "/...") + ") is not under this proxy's webhook URLs: " + this);
    }

    /**
     * The refusal for a canonical query with a parameter named like a webhook field ({@code webhook},
     * {@code webhook_completed}, {@code Webhook[]}; {@link BodyChecks#namedInQuery}), or null.
     */
    Refusal judgeQuery(String query) {
        String name = BodyChecks.namedInQuery(query, "webhook");
        return name == null ? null : Refusal.of(403, "webhook_not_allowed", "the query names \"" + name + "\": this "
                + "proxy reads webhooks in the JSON body only (aigw.proxy.webhook-urls)");
    }

    /** Whether {@code path} is {@code prefix} or continues it at a {@code /}. */
    static boolean under(String path, String prefix) {
        if (!path.startsWith(prefix)) {
            return false;
        }
        return path.length() == prefix.length() || prefix.endsWith("/") || path.charAt(prefix.length()) == '/';
    }

    /**
     * {@code url} split, when it is in the one form the proxy accepts: {@code http} or {@code https} in lower case,
     * {@code ://}, a host of lower-case ASCII labels (punycode for others) or a dotted-decimal IPv4 address, a port
     * only when not the scheme's default (digits, no leading zero), then a path of RFC 3986 characters without
     * dot segments (nor {@code ...} or {@code ..%20}), empty segments (nor one of only {@code ;parameters}) or
     * percent-encoded {@code .}, {@code /}, {@code \}, {@code %}, {@code ;} or NUL, then maybe a query. No fragment
     * anywhere.
     *
     * @throws IllegalArgumentException saying what is not canonical (never repeating the URL)
     */
    static Url canonical(String url) {
        String scheme = url.startsWith("https://") ? "https" : url.startsWith("http://") ? "http" : null;
        if (scheme == null) {
            throw new IllegalArgumentException(url.regionMatches(true, 0, "http", 0, 4) && url.contains("://")
                    ? "does not write its scheme in lower case" : "is not an absolute http:// or https:// URL");
        }
        int start = scheme.length() + 3;
        for (int i = start; i < url.length(); i++) {
            char c = url.charAt(i);
            if (c == '\\') {
                throw new IllegalArgumentException("has a backslash");
            }
            if (c == '#') {
                throw new IllegalArgumentException("has a fragment");
            }
            if (c <= ' ' || c >= 0x7f) {
                throw new IllegalArgumentException("has a space, a control or a non-ASCII character (hosts in "
                        + "punycode, other characters percent-encoded)");
            }
            if (!urlChar(c)) {
                throw new IllegalArgumentException("has the character '" + c + "', which must be percent-encoded");
            }
            if (c == '%' && (i + 2 >= url.length() || Character.digit(url.charAt(i + 1), 16) < 0
                    || Character.digit(url.charAt(i + 2), 16) < 0)) {
                throw new IllegalArgumentException("has a '%' not followed by two hex digits");
            }
        }
        int end = start;
        while (end < url.length() && url.charAt(end) != '/' && url.charAt(end) != '?') {
            end++;
        }
        String authority = url.substring(start, end);
        if (authority.indexOf('@') >= 0) {
            throw new IllegalArgumentException("has user info");
        }
        int colon = authority.indexOf(':');
        String host = colon < 0 ? authority : authority.substring(0, colon);
        host(host);
        int port = colon < 0 ? -1 : port(authority.substring(colon + 1), scheme);
        int q = url.indexOf('?', end);
        String path = url.substring(end, q < 0 ? url.length() : q);
        path(path);
        return new Url(scheme, host, port, path, q < 0 ? null : url.substring(q + 1));
    }

    /** RFC 3986's unreserved, sub-delims, {@code :}, {@code @}, {@code %}, {@code /} and {@code ?}. */
    private static boolean urlChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "-._~!$&'()*+,;=:@%/?"
                .indexOf(c) >= 0;
    }

    private static void host(String host) {
        if (host.isEmpty()) {
            throw new IllegalArgumentException("has no host");
        }
        if (host.length() > 253) {
            throw new IllegalArgumentException("has a host longer than 253 characters");
        }
        String[] labels = host.split("\\.", -1);
        for (String label : labels) {
            if (label.isEmpty() || label.length() > 63 || label.startsWith("-") || label.endsWith("-")) {
                throw new IllegalArgumentException("has a host with an empty label, one over 63 characters or one "
                        + "beginning or ending with '-' (no trailing dot)");
            }
            for (int i = 0; i < label.length(); i++) {
                char c = label.charAt(i);
                if (!(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-')) {
                    throw new IllegalArgumentException(c >= 'A' && c <= 'Z' ? "does not write its host in lower case"
                            : "has a host that is not a name of letters, digits and '-' (punycode) or an IPv4 address");
                }
            }
        }
        // URL parsers read a host ending in a number as IPv4 (0x7f.1, 2130706433, 010.0.0.1): only one spelling
        String last = labels[labels.length - 1];
        if (!last.chars().allMatch(Character::isDigit)) {
            if (last.charAt(0) < 'a') {
                throw new IllegalArgumentException("has a host whose last label begins with a digit or '-' (only a "
                        + "dotted-decimal IPv4 address may end in a number)");
            }
            return;
        }
        boolean dotted = labels.length == 4;
        for (String label : labels) {
            dotted &= label.chars().allMatch(Character::isDigit) && label.length() <= 3
                    && (label.length() == 1 || label.charAt(0) != '0') && Integer.parseInt(label) <= 255;
        }
        if (!dotted) {
            throw new IllegalArgumentException("has a host ending in a number that is not a dotted-decimal IPv4 "
                    + "address without leading zeros");
        }
    }

    private static int port(String port, String scheme) {
        if (port.isEmpty() || port.length() > 5 || port.charAt(0) == '0' || !port.chars().allMatch(Character::isDigit)
                || Integer.parseInt(port) > 65535) {
            throw new IllegalArgumentException("has a port that is not a number from 1 to 65535 without leading zeros");
        }
        int p = Integer.parseInt(port);
        if (p == (scheme.equals("https") ? 443 : 80)) {
            throw new IllegalArgumentException("writes the scheme's default port");
        }
        return p;
    }

    private static void path(String path) {
        String[] segments = path.isEmpty() ? new String[0] : path.substring(1).split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            int semi = s.indexOf(';');
            String bare = semi < 0 ? s : s.substring(0, semi); // servers that drop ;parameters read "..;" as ".."
            // Windows servers drop a segment's trailing dots and spaces: "...", "..%20" are ".." there
            if (DOTS.matcher(bare).matches()) {
                throw new IllegalArgumentException("has a dot segment in its path (or dots with more dots or "
                        + "encoded spaces, which Windows servers read as one)");
            }
            // "/;x/" too: a server that drops ;parameters reads an empty segment there (Jetty: ambiguous)
            if (bare.isEmpty() && (semi >= 0 || i < segments.length - 1)) {
                throw new IllegalArgumentException("has an empty segment (// or /;) in its path");
            }
            for (int at = s.indexOf('%'); at >= 0; at = s.indexOf('%', at + 1)) {
                int b = Integer.parseInt(s.substring(at + 1, at + 3), 16);
                // ';' too: a server that decodes before it drops ;parameters reads "..%3B" as ".."; NUL: one written
                // in C ends the path there ("..%00x" is "..")
                if (b == '.' || b == '/' || b == '\\' || b == '%' || b == ';' || b == 0) {
                    throw new IllegalArgumentException("percent-encodes '.', '/', '\\', '%', ';' or NUL in its path");
                }
            }
        }
    }

    @Override
    public String toString() {
        if (prefixes.isEmpty()) {
            return "none";
        }
        List<String> all = new ArrayList<>(prefixes.size());
        prefixes.forEach(p -> all.add(p.withoutQuery()));
        return String.join(", ", all);
    }
}
