package dev.aigw.servlet;

import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.servlet.internal.GatewayHolder;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.ServletSettings;
import dev.aigw.servlet.internal.proxy.Admission;
import dev.aigw.servlet.internal.proxy.ModelAllowlist;
import dev.aigw.servlet.internal.proxy.ProxyCall;
import dev.aigw.servlet.internal.proxy.ProxyConfig;
import dev.aigw.servlet.internal.proxy.ProxyHeaders;
import dev.aigw.servlet.internal.proxy.Refusal;
import dev.aigw.servlet.internal.proxy.TrustedProxies;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * A streaming Replicate API proxy on the application's own origin, through Cloudflare AI Gateway: a request to
 * {@code <app>/<path>/<rest>?<query>} is forwarded as if it were {@code https://api.replicate.com/v1/<rest>?<query>},
 * to the gateway, with the gateway options of the settings and the current {@code GatewayContext}.
 *
 * <p>The request is first reduced to one canonical form, which is what is checked and what is sent; then it is
 * admitted or refused (access, cross-site requests, model allowlist, rate limit, caps on calls in flight); then it
 * streams both ways with async servlet I/O. Details, answers and settings: {@code servlet/README.md}.
 *
 * <p>Map it async-supported at {@code <path>/*} for the REQUEST and ASYNC dispatcher types, after the
 * request-context filter.
 */
public final class AigwProxyFilter implements Filter {
    /** Default time to the upstream's response head: Replicate's {@code Prefer: wait} holds up to 60 s. */
    public static final Duration DEFAULT_TIMEOUT = ProxyConfig.DEFAULT_TIMEOUT;

    private ProxyConfig cfg;
    private ServletContext acquiredFrom;

    /** Reads {@code aigw.proxy.*} and uses the web application's shared gateway, in {@link #init}. */
    public AigwProxyFilter() {
    }

    private AigwProxyFilter(Builder b) {
        this.cfg = b.draft.resolve(null);
    }

    public static Builder builder() {
        return new Builder(new ProxyConfig.Draft());
    }

    @Override
    public void init(FilterConfig filterConfig) {
        if (cfg != null) {
            return;
        }
        ServletSettings s = ServletSettings.of(filterConfig);
        ProxyConfig.Draft d = ProxyConfig.Draft.fromSettings(s);
        ServletContext ctx = filterConfig.getServletContext();
        FilterRegistration registration = ctx.getFilterRegistration(filterConfig.getFilterName());
        if (d.path == null && registration != null) {
            // registered by hand without aigw.proxy.path: take the path from the mapping
            d.path = registration.getUrlPatternMappings().stream().filter(m -> m.endsWith("/*")).findFirst()
                    .map(ProxyConfig::normalisePath).orElse(null);
        }
        if (d.path == null) {
            throw s.invalid("aigw.proxy.path", null, "a path such as /replicate (the filter is mapped to <path>/*)");
        }
        GatewayHolder.Shared shared = GatewayHolder.acquire(ctx, s);
        d.gateway = shared.gateway();
        d.state = shared.state().engineOrNull();
        acquiredFrom = ctx;
        cfg = d.resolve(s);
    }

    /** The configuration the {@code aigw.proxy.*} settings describe (no gateway yet). */
    static Builder fromSettings(ServletSettings s) {
        return new Builder(ProxyConfig.Draft.fromSettings(s));
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
        if (req.getDispatcherType() == DispatcherType.ASYNC && req.getAttribute(ProxyCall.ABORT_ATTRIBUTE) != null) {
            req.removeAttribute(ProxyCall.ABORT_ATTRIBUTE);
            // the upstream failed after the answer started: make the container cut the connection, so that the
            // client does not take a truncated body for a complete one
            throw new IOException("aigw proxy: the upstream failed after the response was committed");
        }
        if (req.getDispatcherType() != DispatcherType.REQUEST && req.getDispatcherType() != DispatcherType.ASYNC) {
            chain.doFilter(request, response);
            return;
        }
        Admission.Admitted a;
        try {
            a = Admission.admit(cfg, req);
        } catch (Refusal.Refused r) {
            r.refusal().send(resp);
            return;
        }
        try {
            AsyncContext ac = req.startAsync(req, resp);
            ac.setTimeout(0); // streams and Prefer: wait outlive any container default; the proxy's timeouts apply
            Exchange x = cfg.gateway().exchange(a.request().method(), a.route(), null);
            x.note(a.note()); // a rate limit the shared state could not check, when it let the call through
            new ProxyCall(cfg, req, resp, ac, x, a).start();
        } catch (IOException | RuntimeException e) {
            a.permit().release();
            throw e;
        }
    }

    /** Programmatic configuration, for applications that register filters themselves. */
    public static final class Builder {
        private final ProxyConfig.Draft draft;

        private Builder(ProxyConfig.Draft draft) {
            this.draft = draft;
        }

        /**
         * Wraps the upstream {@code HttpClient} the proxy builds, e.g. with OpenTelemetry's library instrumentation
         * ({@code JavaHttpClientTelemetry.create(openTelemetry)::newHttpClient}) so that the transport's span nests
         * under aigw's span of the call. Not needed with the OpenTelemetry Java agent, which instruments the client
         * itself. The wrapper must pass cancellation on; on destroy the proxy lets go of it (and calls its
         * {@code shutdownNow} on JDK 21+). A wrapper makes {@code auto} take the JDK client.
         */
        public Builder upstreamClient(java.util.function.UnaryOperator<java.net.http.HttpClient> wrapper) {
            draft.upstreamWrapper = Objects.requireNonNull(wrapper, "wrapper");
            return this;
        }

        /**
         * The HTTP client calls go to the gateway with, as {@code aigw.proxy.upstream}: {@code auto} (the default:
         * Jetty's client when {@code org.eclipse.jetty:jetty-client} 12 is on the class path, else the JDK's),
         * {@code jetty} or {@code jdk}.
         */
        public Builder upstream(String upstream) {
            try {
                dev.aigw.servlet.internal.proxy.Upstream.resolve(upstream, false);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("aigw.proxy.upstream: " + e.getMessage(), e);
            }
            draft.upstream = upstream;
            return this;
        }

        /** The gateway to forward through (required). */
        public Builder gateway(Gateway gateway) {
            draft.gateway = Objects.requireNonNull(gateway, "gateway");
            return this;
        }

        /** Where the proxy answers, e.g. {@code /replicate}; map the filter to {@code <path>/*}. */
        public Builder path(String path) {
            draft.path = ProxyConfig.normalisePath(Objects.requireNonNull(path, "path"));
            if (draft.path == null) {
                throw new IllegalArgumentException("not a proxy path: " + path);
            }
            return this;
        }

        /** The configured path, e.g. {@code /replicate}, or null. */
        public String path() {
            return draft.path;
        }

        /** The Replicate token the proxy sends; clients' own {@code Authorization} is then never forwarded. */
        public Builder replicateToken(String token) {
            draft.replicateToken = token;
            return this;
        }

        /** Who may call the proxy; default: any authenticated user. */
        public Builder access(Predicate<HttpServletRequest> check, String description) {
            draft.access = Objects.requireNonNull(check, "check");
            draft.accessDescription = Objects.requireNonNull(description, "description");
            return this;
        }

        /** Model allowlist, as {@code aigw.proxy.models}. */
        public Builder models(String allowlist) {
            draft.allowlist = allowlist == null ? null : ModelAllowlist.parse(allowlist);
            return this;
        }

        /** Rate limit per principal (or client address), as {@code aigw.proxy.rate-limit}, e.g. {@code 60/min}. */
        public Builder rateLimit(String rate) {
            draft.rate = rate == null ? null : RateLimiter.Rate.parse(rate);
            return this;
        }

        /** Where the rate limit's buckets live; default {@link SharedState#memory()} (per instance). */
        public Builder state(SharedState state) {
            draft.state = Objects.requireNonNull(state, "state").engineOrNull();
            return this;
        }

        /** Caps on calls in flight, in all and per principal (or client address); defaults 256 and 16. */
        public Builder maxConcurrent(int total, int perUser) {
            if (total < 1 || perUser < 1) {
                throw new IllegalArgumentException("caps must be positive");
            }
            draft.maxConcurrent = total;
            draft.maxConcurrentPerUser = perUser;
            return this;
        }

        /** Proxies whose {@code Forwarded}/{@code X-Forwarded-*} headers are believed. */
        public Builder trustedProxies(String addresses) {
            draft.trustedProxies = addresses == null ? TrustedProxies.none() : TrustedProxies.parse(addresses);
            return this;
        }

        /** The URL clients use for the proxy, e.g. {@code https://app.example.com/replicate}. */
        public Builder publicUrl(String url) {
            String u = url == null ? null : ProxyConfig.normalisePublicUrl(url);
            if (url != null && u == null) {
                throw new IllegalArgumentException("not an absolute http(s) URL: " + url);
            }
            draft.publicUrl = u;
            return this;
        }

        /** More request headers to forward (never credentials, cookies, hop-by-hop or {@code cf-aig-*}). */
        public Builder forwardHeaders(String... names) {
            for (String n : names) {
                if (ProxyHeaders.neverForwarded(n)) {
                    throw new IllegalArgumentException(n + " is never forwarded");
                }
            }
            draft.forwardHeaders.addAll(Arrays.asList(names));
            return this;
        }

        /** Time to the upstream's response head; default 120 s. */
        public Builder timeout(Duration timeout) {
            draft.timeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        /** Longest time no byte of an answer moves (a stalled event stream); default 5 min. */
        public Builder idleTimeout(Duration timeout) {
            draft.idleTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public Builder connectTimeout(Duration timeout) {
            draft.connectTimeout = Objects.requireNonNull(timeout, "timeout");
            return this;
        }

        public AigwProxyFilter build() {
            return new AigwProxyFilter(this);
        }
    }
}
