package dev.aigw.internal;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Removes secrets from anything that may reach a record, a log line or an exception message:
 * the literal values aigw was configured with, Replicate tokens ({@code r8_…}), webhook secrets
 * ({@code whsec_…}), credentials after {@code Bearer}/{@code Token}/{@code Basic}, URL user info
 * and query parameters with secret-looking names.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Redactor {
    public static final String MASK = "****";

    private static final Pattern PATTERNS = Pattern.compile(
            // a credential may stand percent-encoded (in a URL or a form: "Bearer%20…", "whsec_…%2B…%3D")
            "(?i)(?<scheme>\\b(?:bearer|token|basic)(?:\\s|%20|\\+)+)(?<cred>(?:[A-Za-z0-9._~+/=-]|%[0-9A-Fa-f]{2})+)"
                    + "|(?<r8>\\br8_)[A-Za-z0-9]+"
                    + "|(?<wh>\\bwhsec_)(?:[A-Za-z0-9+/=]|%[0-9A-Fa-f]{2})+");

    private static final Set<String> SECRET_PARAMS = Set.of("token", "key", "api_key", "apikey", "api-key",
            "access_token", "signature", "sig", "secret", "password", "auth", "authorization", "x-amz-signature",
            "x-amz-credential", "x-amz-security-token", "client_secret", "refresh_token", "id_token", "session_token",
            "x-goog-signature", "x-goog-credential");

    private final String[] literals; // an array: no iterator per text redacted

    /** @param secrets configured secret values (tokens); blank and very short values are ignored */
    public Redactor(Collection<String> secrets) {
        List<String> l = new ArrayList<>();
        for (String s : secrets) {
            if (s != null && s.length() >= 4) {
                l.add(s);
            }
        }
        l.sort((a, b) -> b.length() - a.length()); // longest first, so a prefix never leaves a tail
        this.literals = l.toArray(new String[0]);
    }

    /** Redacts free text (exception messages, header values). */
    public String text(String s) {
        if (s == null || s.isEmpty()) {
            return s;
        }
        String out = s;
        for (String lit : literals) {
            if (out.contains(lit)) {
                out = out.replace(lit, MASK);
            }
        }
        if (!mayHoldCredential(out)) {
            return out; // most texts (every URL of a normal call) hold no trigger word: no matcher needed
        }
        Matcher m = PATTERNS.matcher(out);
        if (!m.find()) {
            return out;
        }
        StringBuilder sb = new StringBuilder(out.length());
        int last = 0;
        do {
            sb.append(out, last, m.start());
            if (m.group("scheme") != null) {
                sb.append(m.group("scheme")).append(MASK);
            } else if (m.group("r8") != null) {
                sb.append("r8_").append(MASK);
            } else {
                sb.append("whsec_").append(MASK);
            }
            last = m.end();
        } while (m.find());
        return sb.append(out, last, out.length()).toString();
    }

    /**
     * Whether {@code s} contains, in any case, a word that starts one of {@link #PATTERNS}' matches: {@code bearer},
     * {@code token}, {@code basic}, {@code r8_} or {@code whsec_}. A cheap scan that lets the regex run only then.
     */
    static boolean mayHoldCredential(String s) {
        // the second letter is looked at before the case-insensitive comparison: most 'b', 't', 'r' and 'w' in a URL
        // start no trigger word, and regionMatches per such letter was the redactor's largest cost
        for (int i = 0, last = s.length() - 3; i <= last; i++) {
            int next = s.charAt(i + 1) | 0x20;
            switch (s.charAt(i) | 0x20) {
                case 'b':
                    if (next == 'e' && s.regionMatches(true, i, "bearer", 0, 6)
                            || next == 'a' && s.regionMatches(true, i, "basic", 0, 5)) {
                        return true;
                    }
                    break;
                case 't':
                    if (next == 'o' && s.regionMatches(true, i, "token", 0, 5)) {
                        return true;
                    }
                    break;
                case 'r':
                    if (next == '8' && s.charAt(i + 2) == '_') {
                        return true;
                    }
                    break;
                case 'w':
                    if (next == 'h' && s.regionMatches(true, i, "whsec_", 0, 6)) {
                        return true;
                    }
                    break;
                default:
                    break;
            }
        }
        return false;
    }

    /** Redacts a URL: user info removed, secret-looking query values masked, then {@link #text}. */
    public String url(URI uri) {
        if (uri == null) {
            return null;
        }
        String s = uri.toString();
        String userInfo = uri.getRawUserInfo();
        if (userInfo != null) {
            s = s.replace(userInfo + "@", "");
        }
        String query = uri.getRawQuery();
        if (query != null) {
            String q = query(query);
            if (!q.equals(query)) {
                int i = s.indexOf('?');
                int end = s.indexOf('#', i);
                s = s.substring(0, i + 1) + q + (end < 0 ? "" : s.substring(end));
            }
        }
        return text(s);
    }

    static String query(String raw) {
        StringBuilder sb = new StringBuilder(raw.length());
        int start = 0;
        while (start <= raw.length()) {
            int amp = raw.indexOf('&', start);
            int end = amp < 0 ? raw.length() : amp;
            String pair = raw.substring(start, end);
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (eq >= 0 && SECRET_PARAMS.contains(decodeName(name))) {
                sb.append(name).append('=').append(MASK);
            } else {
                sb.append(pair);
            }
            if (amp < 0) {
                break;
            }
            sb.append('&');
            start = amp + 1;
        }
        return sb.toString();
    }

    private static String decodeName(String name) {
        try {
            return java.net.URLDecoder.decode(name, java.nio.charset.StandardCharsets.UTF_8).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return name.toLowerCase(Locale.ROOT);
        }
    }
}
