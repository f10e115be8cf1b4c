package dev.aigw.servlet.internal.proxy;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ServletSettings;
import dev.aigw.servlet.internal.Sweeper;
import dev.aigw.servlet.internal.state.Retention;
import dev.aigw.servlet.internal.state.StateEngine;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.http.HttpServletRequest;

import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import java.util.regex.Pattern;

/**
 * The settings of one proxy filter before they are resolved into its {@link ProxyConfig}: what the public builder
 * fills in and what {@link #fromSettings} reads. Each value passes one check, shared by both, that names the setting
 * it stands for (see docs/ARCHITECTURE.md RATIONALE, "builders refuse values in the settings' words").
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ProxySettings {
    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");
    /** The calls' deadlines are looked at 20 times a second; the sweeper's thread ends after 30 s without a call. */
    private static final Duration SWEEP_TICK = Duration.ofMillis(50);
    private static final Duration SWEEP_KEEP_ALIVE = Duration.ofSeconds(30);

    public Gateway gateway;
    public String path;
    public String replicateToken;
    public Predicate<HttpServletRequest> access = r -> r.getUserPrincipal() != null;
    public String accessDescription = "authenticated users";
    public ModelAllowlist allowlist;
    /** {@code aigw.proxy.webhook-urls}; null: any webhook. */
    public WebhookUrls webhookUrls;
    public RateLimiter.Rate rate;
    /** {@code rate} as it was given, for messages. */
    public String rateSpec;
    /** Where the rate limit's buckets live: null in memory, else the shared engine. */
    public StateEngine state;
    public int localPermits;
    public TrustedProxies trustedProxies = TrustedProxies.none();
    public TrustedHeaders trustedHeaders = TrustedHeaders.ANY;
    public String publicUrl;
    public final List<String> forwardHeaders = new ArrayList<>();
    public Duration timeout = ProxyConfig.DEFAULT_TIMEOUT;
    public Duration idleTimeout = ProxyConfig.DEFAULT_IDLE_TIMEOUT;
    public Duration connectTimeout = Duration.ofSeconds(10);
    public int maxConcurrent = ConcurrencyLimit.DEFAULT_TOTAL;
    public int maxConcurrentPerUser = ConcurrencyLimit.DEFAULT_PER_CLIENT;
    /** Wraps the JDK client (e.g. OpenTelemetry's library instrumentation); null for none. */
    public UnaryOperator<HttpClient> upstreamWrapper;
    /** {@code aigw.proxy.upstream}: auto, jetty or jdk. */
    public String upstream = "auto";
    /** {@code aigw.proxy.client-watch}: whether HTTP/1.1 clients that leave are looked for ({@link ClientWatch}). */
    public boolean clientWatch = true;

    /**
     * Reads the {@code aigw.proxy.*} settings through the same checks as the public builder; a bad value fails
     * with the one-line message. Without {@code aigw.proxy.path}, {@code mappedPath} (the filter's
     * {@code <path>/*} mapping, or null) is the path.
     */
    public static ProxySettings fromSettings(ServletSettings s, String mappedPath) {
        ProxySettings d = new ProxySettings();
        s.apply("aigw.proxy.path", d::path);
        if (d.path == null && mappedPath != null) {
            d.path = normalisePath(mappedPath);
        }
        if (d.path == null) {
            throw s.invalid("aigw.proxy.path", null, "a path such as /replicate (the filter is mapped to "
                    + "<path>/*)");
        }
        s.apply("aigw.proxy.replicate-token", d::replicateToken);
        s.apply("aigw.proxy.access", d::access);
        s.apply("aigw.proxy.models", d::models);
        s.apply("aigw.proxy.webhook-urls", d::webhookUrls);
        s.apply("aigw.proxy.rate-limit", d::rateLimit);
        s.apply("aigw.proxy.trusted-proxies", d::trustedProxies);
        s.apply("aigw.proxy.trusted-headers", d::trustedHeaders);
        s.apply("aigw.proxy.public-url", d::publicUrl);
        s.apply("aigw.proxy.forward-headers", v -> d.forwardHeaders(v.split("[,\\s]+")));
        s.apply("aigw.proxy.upstream", d::upstream);
        d.clientWatch = s.bool("aigw.proxy.client-watch", true);
        d.timeout = s.duration("aigw.proxy.timeout", ProxyConfig.DEFAULT_TIMEOUT, Duration.ofSeconds(1), Duration.ofHours(1));
        d.idleTimeout = s.duration("aigw.proxy.idle-timeout", ProxyConfig.DEFAULT_IDLE_TIMEOUT, Duration.ofSeconds(1),
                Duration.ofHours(24));
        d.connectTimeout = s.duration("aigw.proxy.connect-timeout", Duration.ofSeconds(10),
                Duration.ofMillis(100), Duration.ofMinutes(5));
        d.maxConcurrent = (int) s.integer("aigw.proxy.max-concurrent", ConcurrencyLimit.DEFAULT_TOTAL, 1, 100_000);
        d.maxConcurrentPerUser = (int) s.integer("aigw.proxy.max-concurrent-per-user",
                ConcurrencyLimit.DEFAULT_PER_CLIENT, 1, 100_000);
        return d;
    }

    // One check per value, shared by the settings (above) and the public builder; a refusal names the setting.

    public void gateway(Gateway g) {
        gateway = Objects.requireNonNull(g, "gateway");
    }

    public void state(StateEngine engine, int localPermits) {
        state = engine;
        this.localPermits = localPermits;
    }

    public void upstreamClient(UnaryOperator<HttpClient> wrapper) {
        upstreamWrapper = Objects.requireNonNull(wrapper, "wrapper");
    }

    public void upstream(String value) {
        try {
            Upstream.resolve(value, false);
        } catch (IllegalArgumentException e) {
            throw ServletSettings.CODE.invalid("aigw.proxy.upstream", value, Upstream.ALLOWED + " ("
                    + e.getMessage() + ")");
        }
        upstream = value;
    }

    public void access(Predicate<HttpServletRequest> check, String description) {
        access = Objects.requireNonNull(check, "check");
        accessDescription = Objects.requireNonNull(description, "description");
    }

    public void maxConcurrent(int total, int perUser) {
        maxConcurrent = ServletSettings.positive("aigw.proxy.max-concurrent", total);
        maxConcurrentPerUser = ServletSettings.positive("aigw.proxy.max-concurrent-per-user", perUser);
    }

    public void timeout(Duration d) {
        timeout = ServletSettings.positive("aigw.proxy.timeout", d);
    }

    public void idleTimeout(Duration d) {
        idleTimeout = ServletSettings.positive("aigw.proxy.idle-timeout", d);
    }

    public void connectTimeout(Duration d) {
        connectTimeout = ServletSettings.positive("aigw.proxy.connect-timeout", d);
    }

    public void path(String value) {
        path = normalisePath(Objects.requireNonNull(value, "path"));
        if (path == null) {
            throw ServletSettings.CODE.invalid("aigw.proxy.path", value, "a path such as /replicate or "
                    + "/api/replicate (letters, digits, '.', '_', '~', '-'; optionally ending in /*)");
        }
    }

    public void replicateToken(String token) {
        if (token != null && !token.matches("[\\x21-\\x7e]{1,4096}")) {
            throw ServletSettings.CODE.invalid("aigw.proxy.replicate-token", token,
                    "the token alone (no 'Bearer ' prefix, no spaces)");
        }
        replicateToken = token;
    }

    public void access(String spec) {
        try {
            access = parseAccess(spec);
            accessDescription = spec;
        } catch (IllegalArgumentException e) {
            throw ServletSettings.CODE.invalid("aigw.proxy.access", spec, "authenticated, anyone, or role:<name> "
                    + "(several roles separated by commas: any of them)");
        }
    }

    public void models(String value) {
        try {
            allowlist = value == null ? null : ModelAllowlist.parse(value);
        } catch (IllegalArgumentException e) {
            throw ServletSettings.CODE.invalid("aigw.proxy.models", value, ModelAllowlist.ALLOWED + " ("
                    + e.getMessage() + ")");
        }
    }

    public void webhookUrls(String value) {
        try {
            webhookUrls = value == null ? null : WebhookUrls.parse(value);
        } catch (IllegalArgumentException e) {
            throw ServletSettings.CODE.invalid("aigw.proxy.webhook-urls", value, WebhookUrls.ALLOWED + " ("
                    + e.getMessage() + ")");
        }
    }

    public void rateLimit(String value) {
        try {
            rate = value == null ? null : RateLimiter.Rate.parse(value);
            rateSpec = value;
        } catch (IllegalArgumentException e) {
            throw ServletSettings.CODE.invalid("aigw.proxy.rate-limit", value, RateLimiter.ALLOWED
                    + ", per principal");
        }
    }

    public void trustedProxies(String value) {
        try {
            trustedProxies = value == null ? TrustedProxies.none() : TrustedProxies.parse(value);
        } catch (IllegalArgumentException e) {
            throw ServletSettings.CODE.invalid("aigw.proxy.trusted-proxies", value, TrustedProxies.ALLOWED + " ("
                    + e.getMessage() + ")");
        }
    }

    public void trustedHeaders(String value) {
        try {
            trustedHeaders = value == null ? TrustedHeaders.ANY : TrustedHeaders.parse(value);
        } catch (IllegalArgumentException e) {
            throw ServletSettings.CODE.invalid("aigw.proxy.trusted-headers", value,
                    TrustedHeaders.ALLOWED);
        }
    }

    public void publicUrl(String value) {
        publicUrl = value == null ? null : ProxyConfig.normalisePublicUrl(value);
        if (value != null && publicUrl == null) {
            throw ServletSettings.CODE.invalid("aigw.proxy.public-url", value, "the absolute http(s) URL clients "
                    + "use for the proxy, e.g. https://app.example.com/replicate (no query, quotes or spaces)");
        }
    }

    public void forwardHeaders(String... names) {
        for (String h : names) {
            if (!h.isEmpty() && (!h.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+") || ProxyHeaders.neverForwarded(h))) {
                throw ServletSettings.CODE.invalid("aigw.proxy.forward-headers", String.join(", ", names),
                        "header names to forward besides the defaults; never credentials, cookies, hop-by-hop, "
                                + "Forwarded, method override or cf-aig-* headers ('" + h + "' is not allowed)");
            }
        }
        for (String h : names) {
            if (!h.isEmpty()) {
                forwardHeaders.add(h);
            }
        }
    }

    /** The configuration, with the filter's own upstream client and threads; {@code s} for error messages. */
    public ProxyConfig resolve(ServletSettings s) {
        if (gateway == null) {
            throw new IllegalStateException("a gateway is required");
        }
        if (path == null) {
            throw new IllegalStateException("a proxy path is required");
        }
        if (!gateway.enabled() || gateway.route(URI.create(ProxyConfig.API + "/predictions")) == null) {
            String msg = "a configured gateway that routes replicate, because the Replicate proxy is installed "
                    + "at " + path + " (set aigw.account-id and aigw.gateway-id, or a custom-domain aigw.base-url)";
            throw s != null ? s.invalid("aigw.proxy.path", path, msg) : new IllegalStateException("aigw: " + msg);
        }
        String kind;
        try {
            kind = Upstream.resolve(upstream, upstreamWrapper != null);
        } catch (IllegalArgumentException e) {
            throw (s != null ? s : ServletSettings.CODE).invalid("aigw.proxy.upstream", upstream, Upstream.ALLOWED
                    + " (" + e.getMessage() + ")");
        }
        // created here, started by the first call: a filter that is built but never used starts no thread
        Upstream client = kind.equals("jetty") ? jetty() : new JdkUpstream(connectTimeout,
                upstreamWrapper == null ? UnaryOperator.identity() : upstreamWrapper);
        if (rate != null) { // a bucket dropped before its period comes back full: more calls than the limit
            Retention.BUCKET.require(state, rate.period(), s != null ? s : ServletSettings.CODE,
                    "aigw.proxy.rate-limit", rateSpec);
        }
        RateLimiter rateLimiter = rate == null ? null : RateLimiter.of(rate, RateLimiter.MEMORY_KEYS, state, localPermits);
        return new ProxyConfig(gateway, path, replicateToken, access, accessDescription, allowlist, webhookUrls,
                rateLimiter, new ConcurrencyLimit(maxConcurrent, maxConcurrentPerUser),
                trustedProxies.believing(trustedHeaders), publicUrl, new ProxyHeaders(forwardHeaders), timeout,
                idleTimeout, client, new Sweeper("aigw-proxy-sweeper", SWEEP_TICK, SWEEP_KEEP_ALIVE),
                new Derived(gateway.root().toString(), replicateToken), ClientWatch.withOwnTimer(clientWatch));
    }

    /** In a method of its own: no Jetty class is looked at unless Jetty's client was chosen. */
    private Upstream jetty() {
        return new JettyUpstream(connectTimeout, timeout, idleTimeout, maxConcurrent);
    }

    /** The path of the filter's {@code <path>/*} mapping (registered by hand, without aigw.proxy.path), or null. */
    public static String mappedPath(FilterConfig filterConfig) {
        FilterRegistration r = filterConfig.getServletContext().getFilterRegistration(filterConfig.getFilterName());
        return r == null ? null : r.getUrlPatternMappings().stream().filter(m -> m.endsWith("/*")).findFirst()
                .orElse(null);
    }

    /** {@code /replicate} from {@code replicate}, {@code /replicate/} or {@code /replicate/*}; null if not a path. */
    private static String normalisePath(String path) {
        String p = path.strip();
        if (p.endsWith("/*")) {
            p = p.substring(0, p.length() - 2);
        }
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        if (!p.startsWith("/")) {
            p = "/" + p;
        }
        if (!PATH.matcher(p).matches()) {
            return null;
        }
        for (String seg : p.substring(1).split("/")) {
            if (seg.equals(".") || seg.equals("..")) {
                return null;
            }
        }
        return p;
    }

    /** {@code authenticated}, {@code anyone}, {@code role:a[,role:b]}. */
    private static Predicate<HttpServletRequest> parseAccess(String spec) {
        String s = spec.strip().toLowerCase(Locale.ROOT);
        if (s.equals("authenticated")) {
            return r -> r.getUserPrincipal() != null;
        }
        if (s.equals("anyone")) {
            return r -> true;
        }
        List<String> roles = new ArrayList<>();
        for (String part : spec.strip().split(",")) {
            String p = part.strip();
            if (!p.regionMatches(true, 0, "role:", 0, 5) || p.length() == 5) {
                throw new IllegalArgumentException(spec);
            }
            roles.add(p.substring(5).strip());
        }
        return r -> r.getUserPrincipal() != null && roles.stream().anyMatch(r::isUserInRole);
    }
}
