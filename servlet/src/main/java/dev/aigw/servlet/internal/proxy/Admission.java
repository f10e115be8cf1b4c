package dev.aigw.servlet.internal.proxy;

import dev.aigw.Route;
import dev.aigw.internal.ContentCodings;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.state.Unavailable;
import jakarta.servlet.http.HttpServletRequest;

import java.net.URI;
import java.text.Normalizer;
import java.util.Collections;
import java.util.Enumeration;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Whether a request may go through the proxy, decided on its {@link CanonicalRequest} in one place and in this
 * order: the canonical form (400, 405), Replicate's {@code /webhooks} while the server's token is injected (403),
 * the access check (401, 403), the cross-site stance (403, 415), the model allowlist for paths (403), whether the
 * body can be read where the model or webhook allowlist reads it ({@link BodyChecks}: 415), the rate limit (429) and
 * the caps on calls in flight (429, 503); the body's fields are judged as it streams. Cheap refusals come first, so
 * that refused requests spend no rate-limit budget; an admitted call holds its {@link ConcurrencyLimit.Permit} until
 * its request ends.
 *
 * <p>Cross-site stance, for applications whose users sign in with cookies: a browser attaches them to requests
 * other sites make, so state-changing methods (anything but GET, HEAD, OPTIONS) are refused when the browser says
 * the request is not same-origin ({@code Sec-Fetch-Site} other than {@code same-origin} or {@code none}) or, from
 * browsers that do not send that, when {@code Origin} is not the proxy's own origin; and bodies of POST, PUT and
 * PATCH must be JSON (multipart for {@code POST /files}): the content types a cross-site form can send without a
 * CORS preflight are refused otherwise. Clients that are not browsers send neither header and are not affected.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Admission {
    private static final Set<String> SAFE = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> TYPED_BODY = Set.of("POST", "PUT", "PATCH");

    /** What an admitted call forwards and holds. */
    public record Admitted(CanonicalRequest request, Route route, ModelAllowlist.Target target, BodyTransform gate,
                           String publicBase, ConcurrencyLimit.Permit permit, String note) {
    }

    private Admission() {
    }

    /** Admits the request, or throws the refusal to answer with. */
    public static Admitted admit(ProxyConfig cfg, HttpServletRequest req) throws Refusal.Refused {
        String contextPath = req.getContextPath();
        String prefix = cfg.derived().prefix(contextPath.isEmpty() ? cfg.path() : contextPath + cfg.path());
        CanonicalRequest c = CanonicalRequest.of(req.getMethod(), req.getRequestURI(), prefix, req.getQueryString());
        String publicBase = publicBase(cfg, req);
        if (cfg.replicateToken() != null && c.webhooks()) {
            throw Refusal.of(403, "endpoint_not_proxied", "the proxy does not serve /webhooks: with the server's "
                    + "token it would hand out the webhook signing secret").refused();
        }
        if (!cfg.access().test(c.view(req, prefix))) {
            throw (req.getUserPrincipal() == null
                    ? Refusal.of(401, "not_authenticated", "sign in to use the Replicate proxy ("
                    + cfg.accessDescription() + ")")
                    : Refusal.of(403, "not_permitted", "you may not use the Replicate proxy ("
                    + cfg.accessDescription() + ")")).refused();
        }
        BodyTransform gate = crossSite(req, c, publicBase);
        ModelAllowlist.Target target = ModelAllowlist.classify(c.method(), c.path());
        if (cfg.allowlist() != null && target.kind() != ModelAllowlist.Kind.NONE && !cfg.allowlist().allows(target)) {
            throw Refusal.of(403, "model_not_allowed", (target.kind() == ModelAllowlist.Kind.DEPLOYMENT
                    ? "deployment \"" : "model \"") + target.name() + "\" is not on this proxy's model allowlist")
                    .refused();
        }
        gate = BodyChecks.gate(cfg, req, c, target, gate);
        URI upstream = URI.create(ProxyConfig.API + c.pathAndQuery());
        Route route = cfg.gateway().route(upstream);
        String root = cfg.derived().replicateRoot();
        String routed = route == null ? "" : route.target().toString();
        if (!routed.startsWith(root) || (routed.length() > root.length() && "/?".indexOf(routed.charAt(root.length()))
                < 0)) {
            throw Refusal.of(503, "gateway_not_configured", "the AI gateway is not configured for Replicate")
                    .refused();
        }
        String key = clientKey(cfg, req);
        RateLimiter limiter = cfg.rateLimiter();
        String note = null;
        if (limiter != null) {
            RateLimiter.Decision d = limiter.acquire(key);
            if (d.unchecked() != null) { // the shared state failed: aigw.state.on-failure decided
                if (!d.allowed()) {
                    throw Unavailable.rateLimitRefused(cfg.gateway(), c.method(), route, d.unchecked(),
                            d.retryAfterSeconds()).refused();
                }
                note = Unavailable.rateLimitLetThrough(d.unchecked());
            } else if (!d.allowed()) {
                long s = d.retryAfterSeconds();
                throw Refusal.of(429, "rate_limited", "the proxy allows " + limiter.permits() + " requests per "
                        + human(limiter.period().toSeconds()) + " per user; retry in " + s + " s")
                        .with("Retry-After", Long.toString(s)).extra(Map.of("retry_after", s)).refused();
            }
        }
        Object permit = cfg.limit().acquire(key);
        if (permit instanceof Refusal r) {
            throw r.refused();
        }
        return new Admitted(c, route, target, gate, publicBase, (ConcurrencyLimit.Permit) permit, note);
    }

    /** The proxy's URL as the client sees it: the configured public URL, else from the request; null if unknown. */
    static String publicBase(ProxyConfig cfg, HttpServletRequest req) {
        if (cfg.publicUrl() != null) {
            return cfg.publicUrl();
        }
        String header = req.getHeader("Host");
        String host = header != null ? header : req.getServerName() + ":" + req.getServerPort();
        if (!cfg.trustedProxies().trusts(req.getRemoteAddr())) {
            // from the request alone: the same for every request that names the proxy the same way
            return cfg.derived().base(req.getScheme(), host, req.getContextPath(), k -> publicBase(cfg, req, host));
        }
        return publicBase(cfg, req, host);
    }

    private static String publicBase(ProxyConfig cfg, HttpServletRequest req, String host) {
        PublicOrigin o = cfg.trustedProxies().origin(req.getRemoteAddr(), req.getScheme(), host,
                req.getContextPath() + cfg.path(), fields(req, "Forwarded"), fields(req, "X-Forwarded-Proto"),
                fields(req, "X-Forwarded-Host"), fields(req, "X-Forwarded-Port"), fields(req, "X-Forwarded-Prefix"));
        return o == null ? null : ProxyConfig.normalisePublicUrl(o.base());
    }

    /**
     * Every field of header {@code name} as one list, in order (RFC 9110 §5.3), or null: a proxy in front may add its
     * own field after the client's rather than append to it, and the nearest hop is the last one.
     */
    private static String fields(HttpServletRequest req, String name) {
        List<String> values = Collections.list(req.getHeaders(name));
        return values.isEmpty() ? null : String.join(", ", values);
    }

    /** Who a request counts against: its principal, else its canonical client address. */
    static String clientKey(ProxyConfig cfg, HttpServletRequest req) {
        if (req.getUserPrincipal() != null) {
            return "user:" + principalKey(req.getUserPrincipal().getName());
        }
        TrustedProxies trusted = cfg.trustedProxies();
        if (trusted.isEmpty()) { // no forwarding header is believed: the key follows from the address alone
            return cfg.derived().addressKey(req.getRemoteAddr(), a -> "addr:" + trusted.clientKey(a, null, null));
        }
        return "addr:" + trusted.clientKey(req.getRemoteAddr(), Collections.list(req.getHeaders("Forwarded")),
                Collections.list(req.getHeaders("X-Forwarded-For")));
    }

    /**
     * One form of a principal's name for the rate limit and the cap. Realms that match names loosely (LDAP's
     * {@code caseIgnoreMatch}, a database's case-insensitive collation) log in {@code alice}, {@code ALICE},
     * {@code Alice }, {@code alice} with a soft hyphen in it and, accent-insensitive as MySQL's default collation is,
     * {@code alice} with an accent as one user but report the name as typed: compatibility forms (NFKD), accents
     * and what collations and LDAP (RFC 4518 §2.2) ignore ({@link #IGNORED}), case (upper then lower, so {@code ß} and {@code ss}, Kelvin {@code K} and {@code k}
     * meet) and runs of white space are folded, so one user stays one key. Names differing only so share a budget
     * (see ARCHITECTURE.md RATIONALE).
     */
    static String principalKey(String name) {
        if (folded(name)) {
            return name; // the usual name: every fold below leaves it as it is (a regex and a normaliser per call saved)
        }
        String n = IGNORED.matcher(Normalizer.normalize(name, Normalizer.Form.NFKD)).replaceAll("").strip();
        return SPACES.matcher(n).replaceAll(" ").toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT);
    }

    private static final Pattern SPACES = Pattern.compile("\\s+");
    /**
     * Combining marks (accents, once decomposed; variation selectors), format and control characters (soft hyphen,
     * zero-width space, byte order mark) and Hangul fillers: default-ignorable or secondary to collations, but not
     * white space, which {@link #SPACES} folds.
     */
    private static final Pattern IGNORED = Pattern.compile("[\\p{Mn}\\p{Cf}\\p{Cc}\\u115F\\u1160&&[^\\s]]");

    /** Visible ASCII without capitals: NFKC, stripping, space runs and case folding change nothing. */
    private static boolean folded(String name) {
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c <= ' ' || c >= 0x7f || c >= 'A' && c <= 'Z') {
                return false;
            }
        }
        return true;
    }

    /**
     * Refuses what the cross-site stance refuses; returns null, or, for a request whose body the head cannot announce
     * (HTTP/2 or later without {@code Content-Length} or {@code Content-Type}: a POST without a body, or one with a
     * body of no type), the transform that refuses it when a byte of body comes.
     */
    private static BodyTransform crossSite(HttpServletRequest req, CanonicalRequest c, String publicBase)
            throws Refusal.Refused {
        if (SAFE.contains(c.method())) {
            return null;
        }
        String site = req.getHeader("Sec-Fetch-Site");
        String origin = req.getHeader("Origin");
        boolean cross = site != null ? !(site.equalsIgnoreCase("same-origin") || site.equalsIgnoreCase("none"))
                : origin != null && !origin.equalsIgnoreCase(origin(publicBase));
        if (cross) {
            throw Refusal.of(403, "cross_site_refused", "the proxy refuses " + c.method() + " requests that other "
                    + "sites make in a browser (Sec-Fetch-Site: " + printable(site) + ", Origin: " + printable(origin)
                    + "); call it from pages of this application's own origin").refused();
        }
        List<String> types = Collections.list(req.getHeaders("Content-Type"));
        if (types.size() > 1) {
            throw Refusal.of(400, "content_type_ambiguous", "the request has " + types.size() + " Content-Type "
                    + "headers; send one").refused();
        }
        long length = req.getContentLengthLong();
        // HTTP/2 and later need no Content-Length for a body, and a POST without one sends none either
        boolean unannounced = length < 0 && req.getHeader("Transfer-Encoding") == null
                && !req.getProtocol().startsWith("HTTP/1");
        boolean body = length > 0 || length < 0 && req.getHeader("Transfer-Encoding") != null;
        if ((body || unannounced) && TYPED_BODY.contains(c.method())) {
            String type = types.isEmpty() ? "" : types.get(0).toLowerCase(Locale.ROOT).strip();
            boolean multipartOk = c.method().equals("POST") && c.path().equals("/files");
            if (!json(type) && !(multipartOk && type.startsWith("multipart/form-data"))) {
                Refusal r = Refusal.of(415, "content_type_not_allowed", c.method() + " " + c.path() + " takes "
                        + (multipartOk ? "multipart/form-data" : "application/json") + " bodies through this proxy, not "
                        + printable(type.isEmpty() ? "(none)" : type));
                if (unannounced && type.isEmpty()) {
                    return BodyTransform.none(r); // judged by whether a body comes
                }
                throw r.refused();
            }
        }
        return null;
    }

    /**
     * A JSON body in no content coding: one the proxy can read and rewrite URLs in. {@code contentEncodings}: every
     * {@code Content-Encoding} field of the message (null: none).
     */
    static boolean plainJson(String contentType, Iterator<String> contentEncodings) {
        return json(contentType) && ContentCodings.identity(contentEncodings);
    }

    /** Every {@code Content-Encoding} field of the request (null when the container shows none). */
    static Iterator<String> contentEncodings(HttpServletRequest req) {
        Enumeration<String> fields = req.getHeaders("Content-Encoding");
        return fields == null ? null : fields.asIterator();
    }

    static boolean json(String contentType) {
        if (contentType == null) {
            return false;
        }
        // the media type without parameters and surrounding white space, compared ignoring case, without copies
        int semi = contentType.indexOf(';');
        int end = semi < 0 ? contentType.length() : semi;
        int start = 0;
        while (start < end && Character.isWhitespace(contentType.charAt(start))) {
            start++;
        }
        while (end > start && Character.isWhitespace(contentType.charAt(end - 1))) {
            end--;
        }
        int n = end - start;
        return n == 16 && asciiIgnoringCase(contentType, start, "application/json")
                || n >= 17 && asciiIgnoringCase(contentType, start, "application/")
                && asciiIgnoringCase(contentType, end - 5, "+json");
    }

    /**
     * Whether a media type's parameters name no charset or exactly one, UTF-8, read as RFC 9110 §5.6.6 reads them
     * ({@code ; name=token} or {@code ; name="quoted"}). Anything a parser could read another way (a malformed
     * parameter, a second charset) is not: the gate reads bodies as UTF-8, a parser behind the proxy that honours the
     * charset (UTF-7, UTF-16) would read other keys, and a substring test is fooled by {@code x="charset=utf-8"}.
     */
    static boolean utf8(String contentType) {
        String charset = null;
        int n = contentType.length();
        int i = contentType.indexOf(';');
        while (i >= 0 && i < n) { // at a ';'
            i = skipWhitespace(contentType, i + 1);
            if (i == n || contentType.charAt(i) == ';') {
                continue; // an empty parameter
            }
            int name = i;
            while (i < n && tchar(contentType.charAt(i))) {
                i++;
            }
            if (i == name || i == n || contentType.charAt(i) != '=') {
                return false;
            }
            boolean isCharset = i - name == 7 && asciiIgnoringCase(contentType, name, "charset");
            StringBuilder value = new StringBuilder();
            if (++i < n && contentType.charAt(i) == '"') {
                for (i++; i < n && contentType.charAt(i) != '"'; i++) {
                    if (contentType.charAt(i) == '\\' && ++i == n) {
                        return false;
                    }
                    value.append(contentType.charAt(i));
                }
                if (i++ == n) {
                    return false; // no closing quote
                }
            } else {
                for (; i < n && tchar(contentType.charAt(i)); i++) {
                    value.append(contentType.charAt(i));
                }
                if (value.length() == 0) {
                    return false;
                }
            }
            i = skipWhitespace(contentType, i);
            if (i < n && contentType.charAt(i) != ';') {
                return false;
            }
            if (isCharset) {
                if (charset != null) {
                    return false;
                }
                charset = value.toString();
            }
        }
        return charset == null || charset.length() == 5 && asciiIgnoringCase(charset, 0, "utf-8");
    }

    private static int skipWhitespace(String s, int i) {
        while (i < s.length() && (s.charAt(i) == ' ' || s.charAt(i) == '\t')) {
            i++;
        }
        return i;
    }

    /** A character of an RFC 9110 token (also {@link AnswerUrls}' {@code Link} reader). */
    static boolean tchar(char c) {
        return c < 128 && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0);
    }

    /** Whether {@code s} has {@code lower} (lower-case ASCII) at {@code at}, ignoring the case of ASCII letters only. */
    private static boolean asciiIgnoringCase(String s, int at, String lower) {
        for (int i = 0; i < lower.length(); i++) {
            char c = s.charAt(at + i);
            if ((c >= 'A' && c <= 'Z' ? (char) (c + 32) : c) != lower.charAt(i)) {
                return false;
            }
        }
        return true;
    }

    /** {@code scheme://host[:port]} of a URL base. */
    static String origin(String base) {
        if (base == null) {
            return "";
        }
        int slash = base.indexOf('/', base.indexOf("://") + 3);
        return slash < 0 ? base : base.substring(0, slash);
    }

    private static String printable(String s) {
        return s == null ? "(none)" : CanonicalRequest.printable(s);
    }

    private static String human(long s) {
        return switch ((int) Math.min(s, Integer.MAX_VALUE)) {
            case 1 -> "second";
            case 60 -> "minute";
            case 3600 -> "hour";
            case 86400 -> "day";
            default -> s + " s";
        };
    }
}
