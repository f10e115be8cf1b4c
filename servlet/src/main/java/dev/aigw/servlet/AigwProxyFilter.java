package dev.aigw.servlet;

import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.Route;
import dev.aigw.servlet.internal.ModelAllowlist;
import dev.aigw.servlet.internal.ProxyHeaders;
import dev.aigw.servlet.internal.ProxyPath;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.TrustedProxies;
import dev.aigw.servlet.internal.GatewayHolder;
import dev.aigw.servlet.internal.ProxyCall;
import dev.aigw.servlet.internal.ProxyConfig;
import dev.aigw.servlet.internal.Responses;
import dev.aigw.servlet.internal.ServletSettings;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/**
 * A streaming Replicate API proxy on the application's own origin, through Cloudflare AI Gateway: a request to
 * {@code <app>/<path>/<rest>?<query>} is forwarded as if it were {@code https://api.replicate.com/v1/<rest>?<query>},
 * to the gateway, with the gateway options of the settings and the current {@code GatewayContext}.
 *
 * <p>Streaming both ways with async servlet I/O (no body held; event streams flushed per chunk; multipart uploads
 * pass byte for byte). Hop-by-hop headers are dropped, only an allowlist of request headers is forwarded (never the
 * application's cookies), {@code Content-Length} is kept only for bodies that pass unchanged, and {@code Forwarded}/
 * {@code X-Forwarded-*} are believed only from configured trusted proxies. A client that disconnects cancels the
 * upstream call; an upstream failure or timeout before the answer is a problem+json 502/504 saying whether a retry
 * is safe; a failure after the answer started aborts the client's connection.
 *
 * <p>Control: the server-side Replicate token ({@code aigw.proxy.replicate-token}) replaces any client
 * {@code Authorization}; who may call is decided by the container's security ({@code aigw.proxy.access}:
 * {@code authenticated} by default, {@code role:<name>}, {@code anyone}) or a configured check; a model allowlist
 * ({@code aigw.proxy.models}); a per-principal rate limit ({@code aigw.proxy.rate-limit}) answered 429 with
 * {@code Retry-After}. Absolute {@code https://api.replicate.com/v1} URLs in JSON responses and in
 * {@code Location} are rewritten to this proxy's public URL as they stream, and the reverse in JSON request bodies.
 * Paths that could leave the API root ({@code ..}, encoded dots or slashes, backslashes, ...) are refused with 400;
 * {@code TRACE} and {@code CONNECT} with 405 (any other method, e.g. Replicate's {@code QUERY}, is forwarded).
 *
 * <p>Map it async-supported at {@code <path>/*} for the REQUEST and ASYNC dispatcher types, after the
 * request-context filter.
 */
public final class AigwProxyFilter implements Filter {
    /** Default time to the upstream's response head: Replicate's {@code Prefer: wait} holds up to 60 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);

    private static final Pattern PATH = Pattern.compile("(/[A-Za-z0-9._~-]+)+");

    private Builder builder;
    private ProxyConfig cfg;
    private ServletContext acquiredFrom;

    /** Reads {@code aigw.proxy.*} and uses the web application's shared gateway, in {@link #init}. */
    public AigwProxyFilter() {
    }

    private AigwProxyFilter(Builder b) {
        this.builder = b;
        this.cfg = b.resolve();
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig filterConfig) {
        if (cfg != null) {
            return;
        }
        ServletSettings s = ServletSettings.of(filterConfig);
        Builder b = fromSettings(s);
        if (b.path == null) {
            // registered by hand without aigw.proxy.path: take the path from the mapping
            Collection<String> mappings = filterConfig.getServletContext().getFilterRegistration(
                    filterConfig.getFilterName()) == null ? List.of() : filterConfig.getServletContext()
                    .getFilterRegistration(filterConfig.getFilterName()).getUrlPatternMappings();
            for (String m : mappings) {
                if (m.endsWith("/*")) {
                    b.path(m.substring(0, m.length() - 2));
                    break;
                }
            }
            if (b.path == null) {
                throw s.invalid("aigw.proxy.path", null, "a path such as /replicate (the filter is mapped to <path>/*)");
            }
        }
        GatewayHolder.Shared shared = GatewayHolder.acquire(filterConfig.getServletContext(), s);
        acquiredFrom = filterConfig.getServletContext();
        b.gateway(shared.gateway());
        builder = b;
        cfg = b.resolve(s);
    }

    /** The configuration the {@code aigw.proxy.*} settings describe (no gateway yet). */
    static Builder fromSettings(ServletSettings s) {
        Builder b = builder();
        String path = s.get("aigw.proxy.path");
        if (path != null) {
            String p = normalisePath(path);
            if (p == null) {
                throw s.invalid("aigw.proxy.path", path, "a path such as /replicate or /api/replicate (letters, digits, "
                        + "'.', '_', '~', '-'; optionally ending in /*)");
            }
            b.path = p;
        }
        b.replicateToken = s.get("aigw.proxy.replicate-token");
        if (b.replicateToken != null && !b.replicateToken.matches("[\\x21-\\x7e]{1,4096}")) {
            throw s.invalid("aigw.proxy.replicate-token", b.replicateToken,
                    "the token alone (no 'Bearer ' prefix, no spaces)");
        }
        String access = s.get("aigw.proxy.access");
        if (access != null) {
            try {
                b.access(parseAccess(access), access);
            } catch (IllegalArgumentException e) {
                throw s.invalid("aigw.proxy.access", access, "authenticated, anyone, or role:<name> (several roles "
                        + "separated by commas: any of them)");
            }
        }
        String models = s.get("aigw.proxy.models");
        if (models != null) {
            try {
                b.allowlist = ModelAllowlist.parse(models);
            } catch (IllegalArgumentException e) {
                throw s.invalid("aigw.proxy.models", models, ModelAllowlist.ALLOWED + " (" + e.getMessage() + ")");
            }
        }
        String rate = s.get("aigw.proxy.rate-limit");
        if (rate != null) {
            try {
                b.rateLimiter = RateLimiter.parse(rate, 100_000, System::nanoTime);
            } catch (IllegalArgumentException e) {
                throw s.invalid("aigw.proxy.rate-limit", rate, RateLimiter.ALLOWED + ", per principal");
            }
        }
        String trusted = s.get("aigw.proxy.trusted-proxies");
        if (trusted != null) {
            try {
                b.trustedProxies = TrustedProxies.parse(trusted);
            } catch (IllegalArgumentException e) {
                throw s.invalid("aigw.proxy.trusted-proxies", trusted, TrustedProxies.ALLOWED + " (" + e.getMessage()
                        + ")");
            }
        }
        String publicUrl = s.get("aigw.proxy.public-url");
        if (publicUrl != null) {
            String u = normalisePublicUrl(publicUrl);
            if (u == null) {
                throw s.invalid("aigw.proxy.public-url", publicUrl, "the absolute http(s) URL clients use for the "
                        + "proxy, e.g. https://app.example.com/replicate (no query, quotes or spaces)");
            }
            b.publicUrl = u;
        }
        String headers = s.get("aigw.proxy.forward-headers");
        if (headers != null) {
            for (String h : headers.split("[,\\s]+")) {
                if (h.isEmpty()) {
                    continue;
                }
                if (!h.matches("[A-Za-z0-9!#$%&'*+.^_`|~-]+") || ProxyHeaders.neverForwarded(h)) {
                    throw s.invalid("aigw.proxy.forward-headers", headers, "header names to forward besides the "
                            + "defaults; never credentials, cookies, hop-by-hop, Forwarded or cf-aig-* headers ('" + h
                            + "' is not allowed)");
                }
                b.forwardHeaders.add(h);
            }
        }
        b.timeout = s.duration("aigw.proxy.timeout", DEFAULT_TIMEOUT, Duration.ofSeconds(1), Duration.ofHours(1));
        b.connectTimeout = s.duration("aigw.proxy.connect-timeout", Duration.ofSeconds(10), Duration.ofMillis(100),
                Duration.ofMinutes(5));
        return b;
    }

    @Override
    public void destroy() {
        if (cfg != null) {
            cfg.release(); // the upstream client's threads and idle connections end with the filter
        }
        if (acquiredFrom != null) {
            GatewayHolder.release(acquiredFrom);
            acquiredFrom = null;
        }
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)) {
            chain.doFilter(request, response);
            return;
        }
        if (request.getDispatcherType() == DispatcherType.ASYNC && request.getAttribute(ProxyCall.ABORT_ATTRIBUTE)
                != null) {
            request.removeAttribute(ProxyCall.ABORT_ATTRIBUTE);
            // the upstream failed after the answer started: make the container cut the connection, so that the
            // client does not take a truncated body for a complete one
            throw new IOException("aigw proxy: the upstream failed after the response was committed");
        }
        if (request.getDispatcherType() != DispatcherType.REQUEST && request.getDispatcherType()
                != DispatcherType.ASYNC) {
            chain.doFilter(request, response);
            return;
        }
        String uri = req.getRequestURI();
        String base = req.getContextPath() + cfg.path();
        if (!uri.startsWith(base) || (uri.length() > base.length() && uri.charAt(base.length()) != '/')) {
            Responses.problem(resp, 400, "Bad Request", "the proxy path must be written plainly, without "
                    + "percent-encoding or dot segments", "path_not_allowed", null);
            return;
        }
        String method = req.getMethod();
        if ("TRACE".equalsIgnoreCase(method) || "CONNECT".equalsIgnoreCase(method)) {
            // the proxy adds the server's Replicate token: an upstream echo of the request would hand it out
            resp.setHeader("Allow", "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, QUERY");
            Responses.problem(resp, 405, "Method Not Allowed", "the proxy does not forward " + method
                    + " (TRACE and CONNECT are refused; other methods are forwarded as sent)", "method_not_allowed",
                    null);
            return;
        }
        String rest = uri.substring(base.length());
        String query = req.getQueryString();
        String problem = ProxyPath.checkPath(rest);
        if (problem == null) {
            problem = ProxyPath.checkQuery(query);
        }
        if (problem != null) {
            Responses.problem(resp, 400, "Bad Request", problem + "; the proxy forwards paths under the Replicate API "
                    + "root only", "path_not_allowed", null);
            return;
        }
        if (cfg.replicateToken() != null && (rest.equals("/webhooks") || rest.startsWith("/webhooks/"))) {
            Responses.problem(resp, 403, "Forbidden", "the proxy does not serve /webhooks: with the server's token "
                    + "it would hand out the webhook signing secret", "endpoint_not_proxied", null);
            return;
        }
        if (!cfg.access().test(req)) {
            if (req.getUserPrincipal() == null) {
                Responses.problem(resp, 401, "Unauthorized", "sign in to use the Replicate proxy ("
                        + cfg.accessDescription() + ")", "not_authenticated", null);
            } else {
                Responses.problem(resp, 403, "Forbidden", "you may not use the Replicate proxy ("
                        + cfg.accessDescription() + ")", "not_permitted", null);
            }
            return;
        }
        if (cfg.rateLimiter() != null) {
            RateLimiter.Decision d = cfg.rateLimiter().acquire(rateKey(req));
            if (!d.allowed()) {
                long s = d.retryAfterSeconds();
                resp.setHeader("Retry-After", Long.toString(s));
                Responses.problem(resp, 429, "Too Many Requests", "the proxy allows " + cfg.rateLimiter()
                        .permits() + " requests per " + human(cfg.rateLimiter().period()) + " per user; retry in " + s
                        + " s", "rate_limited", Map.of("retry_after", s));
                return;
            }
        }
        ModelAllowlist.Target target = ModelAllowlist.classify(method, rest);
        if (cfg.allowlist() != null && target.kind() != ModelAllowlist.Kind.NONE
                && target.kind() != ModelAllowlist.Kind.BODY_VERSION && !cfg.allowlist().allows(target)) {
            Responses.problem(resp, 403, "Forbidden", (target.kind() == ModelAllowlist.Kind.DEPLOYMENT ? "deployment \""
                    : "model \"") + target.name() + "\" is not on this proxy's model allowlist", "model_not_allowed",
                    null);
            return;
        }
        URI upstream = URI.create(ProxyCallApi.API + rest + (query == null ? "" : "?" + query));
        Route route = cfg.gateway().route(upstream);
        String root = cfg.gateway().root() + "/replicate";
        if (route == null || !route.target().toString().startsWith(root)
                || (route.target().toString().length() > root.length()
                && "/?".indexOf(route.target().toString().charAt(root.length())) < 0)) {
            Responses.problem(resp, 503, "Service Unavailable", "the AI gateway is not configured for Replicate",
                    "gateway_not_configured", null);
            return;
        }
        Exchange x = cfg.gateway().exchange(method, route, null);
        AsyncContext ac = req.startAsync(req, resp);
        ac.setTimeout(0); // streams and Prefer: wait outlive any container default; the upstream timeout applies
        new ProxyCall(cfg, req, resp, ac, x, publicBase(req), target).start();
    }

    private String publicBase(HttpServletRequest req) {
        if (cfg.publicUrl() != null) {
            return cfg.publicUrl();
        }
        String host = req.getHeader("Host");
        if (host == null) {
            host = req.getServerName() + ":" + req.getServerPort();
        }
        TrustedProxies.Origin o = cfg.trustedProxies().origin(req.getRemoteAddr(), req.getScheme(), host,
                req.getContextPath() + cfg.path(), req.getHeader("Forwarded"), req.getHeader("X-Forwarded-Proto"),
                req.getHeader("X-Forwarded-Host"), req.getHeader("X-Forwarded-Port"),
                req.getHeader("X-Forwarded-Prefix"));
        if (o == null) {
            return null;
        }
        String b = o.base();
        return normalisePublicUrl(b);
    }

    private String rateKey(HttpServletRequest req) {
        if (req.getUserPrincipal() != null) {
            return "user:" + req.getUserPrincipal().getName();
        }
        return "addr:" + cfg.trustedProxies().clientAddress(req.getRemoteAddr(),
                Collections.list(req.getHeaders("X-Forwarded-For")));
    }

    private static String human(Duration d) {
        long s = d.toSeconds();
        if (s == 1) {
            return "second";
        }
        if (s == 60) {
            return "minute";
        }
        if (s == 3600) {
            return "hour";
        }
        if (s == 86400) {
            return "day";
        }
        return s + " s";
    }

    static String normalisePath(String path) {
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

    static String normalisePublicUrl(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        try {
            URI parsed = new URI(u);
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || parsed.getRawAuthority() == null
                    || parsed.getRawQuery() != null || parsed.getRawFragment() != null
                    || parsed.getRawUserInfo() != null) {
                return null;
            }
            for (int i = 0; i < u.length(); i++) {
                char c = u.charAt(i);
                if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                    return null;
                }
            }
            return u;
        } catch (java.net.URISyntaxException e) {
            return null;
        }
    }

    static Predicate<HttpServletRequest> parseAccess(String spec) {
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
        return r -> {
            if (r.getUserPrincipal() == null) {
                return false;
            }
            for (String role : roles) {
                if (r.isUserInRole(role)) {
                    return true;
                }
            }
            return false;
        };
    }

    /** Programmatic configuration, for applications that register filters themselves. */
    public static final class Builder {
        private Gateway gateway;
        private String path;
        private String replicateToken;
        private Predicate<HttpServletRequest> access = r -> r.getUserPrincipal() != null;
        private String accessDescription = "authenticated users";
        private ModelAllowlist allowlist;
        private RateLimiter rateLimiter;
        private TrustedProxies trustedProxies = TrustedProxies.none();
        private String publicUrl;
        private final List<String> forwardHeaders = new ArrayList<>();
        private Duration timeout = DEFAULT_TIMEOUT;
        private Duration connectTimeout = Duration.ofSeconds(10);

        private Builder() {
        }

        /** The gateway to forward through (required). */
        public Builder gateway(Gateway gateway) {
            this.gateway = Objects.requireNonNull(gateway, "gateway");
            return this;
        }

        /** Where the proxy answers, e.g. {@code /replicate}; map the filter to {@code <path>/*}. */
        public Builder path(String path) {
            String p = normalisePath(Objects.requireNonNull(path, "path"));
            if (p == null) {
                throw new IllegalArgumentException("not a proxy path: " + path);
            }
            this.path = p;
            return this;
        }

        /** The configured path, e.g. {@code /replicate}, or null. */
        public String path() {
            return path;
        }

        /** The Replicate token the proxy sends; clients' own {@code Authorization} is then never forwarded. */
        public Builder replicateToken(String token) {
            this.replicateToken = token;
            return this;
        }

        /** Who may call the proxy; default: any authenticated user. */
        public Builder access(Predicate<HttpServletRequest> check, String description) {
            this.access = Objects.requireNonNull(check, "check");
            this.accessDescription = Objects.requireNonNull(description, "description");
            return this;
        }

        /** Model allowlist, as {@code aigw.proxy.models}. */
        public Builder models(String allowlist) {
            this.allowlist = allowlist == null ? null : ModelAllowlist.parse(allowlist);
            return this;
        }

        /** Rate limit per principal (or client address), as {@code aigw.proxy.rate-limit}, e.g. {@code 60/min}. */
        public Builder rateLimit(String rate) {
            this.rateLimiter = rate == null ? null : RateLimiter.parse(rate, 100_000, System::nanoTime);
            return this;
        }

        /** Proxies whose {@code Forwarded}/{@code X-Forwarded-*} headers are believed. */
        public Builder trustedProxies(String addresses) {
            this.trustedProxies = addresses == null ? TrustedProxies.none() : TrustedProxies.parse(addresses);
            return this;
        }

        /** The URL clients use for the proxy, e.g. {@code https://app.example.com/replicate}. */
        public Builder publicUrl(String url) {
            String u = url == null ? null : normalisePublicUrl(url);
            if (url != null && u == null) {
                throw new IllegalArgumentException("not an absolute http(s) URL: " + url);
            }
            this.publicUrl = u;
            return this;
        }

        /** More request headers to forward (never credentials, cookies, hop-by-hop or {@code cf-aig-*}). */
        public Builder forwardHeaders(String... names) {
            for (String n : names) {
                if (ProxyHeaders.neverForwarded(n)) {
                    throw new IllegalArgumentException(n + " is never forwarded");
                }
            }
            forwardHeaders.addAll(Arrays.asList(names));
            return this;
        }

        /** Time to the upstream's response head; default 120 s. */
        public Builder timeout(Duration timeout) {
            this.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            this.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public AigwProxyFilter build() {
            return new AigwProxyFilter(this);
        }

        ProxyConfig resolve() {
            return resolve(null);
        }

        ProxyConfig resolve(ServletSettings s) {
            if (gateway == null) {
                throw new IllegalStateException("a gateway is required");
            }
            if (path == null) {
                throw new IllegalStateException("a proxy path is required");
            }
            if (!gateway.enabled() || gateway.route(URI.create(ProxyCallApi.API + "/predictions")) == null) {
                String msg = "a configured gateway that routes replicate, because the Replicate proxy is installed "
                        + "at " + path + " (set aigw.account-id and aigw.gateway-id, or a custom-domain aigw.base-url)";
                throw s != null ? s.invalid("aigw.proxy.path", path, msg)
                        : new IllegalStateException("aigw: " + msg);
            }
            java.util.concurrent.atomic.AtomicInteger n = new java.util.concurrent.atomic.AtomicInteger();
            // A few threads for any number of calls and open streams: the upstream client's tasks never block
            // (bodies move with non-blocking servlet I/O on both sides). The unbounded pool this replaces grew a
            // thread per concurrent call under load (150 threads at 64 clients, see docs/PERFORMANCE.md).
            int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
            java.util.concurrent.ThreadPoolExecutor executor = new java.util.concurrent.ThreadPoolExecutor(threads,
                    threads, 30, java.util.concurrent.TimeUnit.SECONDS,
                    new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
                        Thread t = new Thread(r, "aigw-proxy-" + n.incrementAndGet());
                        t.setDaemon(true);
                        return t;
                    });
            executor.allowCoreThreadTimeOut(true); // an idle proxy holds no threads
            HttpClient client = HttpClient.newBuilder().connectTimeout(connectTimeout).executor(executor)
                    .followRedirects(HttpClient.Redirect.NEVER).build();
            return new ProxyConfig(gateway, path, replicateToken, access, accessDescription, allowlist, rateLimiter,
                    trustedProxies, publicUrl, new ProxyHeaders(forwardHeaders), timeout, client, executor);
        }
    }

    /** The Replicate API root the proxy stands in for. */
    static final class ProxyCallApi {
        static final String API = "https://api.replicate.com/v1";

        private ProxyCallApi() {
        }
    }
}
