package dev.aigw.servlet;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.GatewayHolder;
import dev.aigw.servlet.internal.ServletSettings;
import dev.aigw.servlet.internal.proxy.Admission;
import dev.aigw.servlet.internal.proxy.ProxyCall;
import dev.aigw.servlet.internal.proxy.ProxyConfig;
import dev.aigw.servlet.internal.proxy.ProxySettings;
import dev.aigw.servlet.internal.proxy.Refusal;
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
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;

/**
 * A streaming Replicate API proxy on the application's own origin, through Cloudflare AI Gateway: a request to
 * {@code <app>/<path>/<rest>?<query>} is forwarded as if it were {@code https://api.replicate.com/v1/<rest>?<query>},
 * to the gateway, with the gateway options of the settings and the current {@code GatewayContext}.
 *
 * <p>The request is first reduced to one canonical form, which is what is checked and what is sent; then it is
 * admitted or refused (access, cross-site requests, model and webhook allowlists, rate limit, caps on calls in
 * flight); then it streams both ways with async servlet I/O. Details, answers and settings: {@code servlet/README.md}.
 *
 * <p>Map it async-supported at {@code <path>/*} for the REQUEST and ASYNC dispatcher types, after the
 * request-context filter. A bad value, from settings or this builder, fails with a
 * {@link dev.aigw.GatewayConfigurationException} naming the setting it stands for.
 */
public final class AigwProxyFilter implements Filter {
    /** Default time to the upstream's response head: Replicate's {@code Prefer: wait} holds up to 60 s. */
    public static final Duration DEFAULT_TIMEOUT = ProxyConfig.DEFAULT_TIMEOUT;

    // the configuration in ProxyConfig, admission in Admission, the upstream call in ProxyCall: this class translates
    private ProxyConfig cfg;
    private ServletContext acquiredFrom;

    /** Reads {@code aigw.proxy.*} and uses the web application's shared gateway, in {@link #init}. */
    public AigwProxyFilter() {
    }

    private AigwProxyFilter(Builder b) {
        this.cfg = b.draft.resolve(null);
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void init(FilterConfig filterConfig) {
        if (cfg == null) {
            ServletSettings s = ServletSettings.of(filterConfig);
            ProxySettings d = ProxySettings.fromSettings(s, ProxySettings.mappedPath(filterConfig));
            GatewayHolder.Shared shared = GatewayHolder.acquire(filterConfig.getServletContext(), s);
            acquiredFrom = filterConfig.getServletContext(); // released in destroy
            d.gateway(shared.gateway());
            d.state(shared.state().engineOrNull(), shared.state().localPermits());
            cfg = d.resolve(s);
        }
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
        if (!(request instanceof HttpServletRequest req) || !(response instanceof HttpServletResponse resp)
                || req.getDispatcherType() != DispatcherType.REQUEST && req.getDispatcherType() != DispatcherType.ASYNC) {
            chain.doFilter(request, response);
            return;
        }
        ProxyCall.cutIfAborted(req);
        try {
            ProxyCall.forward(cfg, req, resp, Admission.admit(cfg, req));
        } catch (Refusal.Refused r) {
            r.refusal().sendUnread(req, resp);
        }
    }

    /** Programmatic configuration, for applications that register filters themselves; checks as the settings. */
    public static final class Builder {
        private final ProxySettings draft = new ProxySettings();

        private Builder() {
        }

        /**
         * Wraps the upstream {@code HttpClient}, e.g. {@code JavaHttpClientTelemetry.create(otel)::newHttpClient} (the
         * transport's span nests under aigw's; {@code auto} then keeps the JDK client). It must pass cancellation on.
         */
        public Builder upstreamClient(UnaryOperator<HttpClient> wrapper) {
            return set(() -> draft.upstreamClient(wrapper));
        }

        /** The client calls go out with, as {@code aigw.proxy.upstream}: {@code auto} (default), {@code jetty}, jdk. */
        public Builder upstream(String upstream) {
            return set(() -> draft.upstream(upstream));
        }

        /**
         * Whether the proxy looks for HTTP/1.1 clients that leave while their call waits (on Linux, in the kernel's TCP
         * table, on a thread of its own), as {@code aigw.proxy.client-watch}; {@code true} by default.
         */
        public Builder clientWatch(boolean on) {
            return set(() -> draft.clientWatch = on);
        }

        /** The gateway to forward through (required). */
        public Builder gateway(Gateway gateway) {
            return set(() -> draft.gateway(gateway));
        }

        /** Where the proxy answers, as {@code aigw.proxy.path}, e.g. {@code /replicate}; map to {@code <path>/*}. */
        public Builder path(String path) {
            return set(() -> draft.path(path));
        }

        /** The configured path, e.g. {@code /replicate}, or null. */
        public String path() {
            return draft.path;
        }

        /** The Replicate token the proxy sends; clients' own {@code Authorization} is then never forwarded. */
        public Builder replicateToken(String token) {
            return set(() -> draft.replicateToken(token));
        }

        /** Who may call the proxy; default: any authenticated user ({@code aigw.proxy.access} in settings). */
        public Builder access(Predicate<HttpServletRequest> check, String description) {
            return set(() -> draft.access(check, description));
        }

        /** Model allowlist, as {@code aigw.proxy.models}. */
        public Builder models(String allowlist) {
            return set(() -> draft.models(allowlist));
        }

        /**
         * Where Replicate may send webhooks of requests made through the proxy, as {@code aigw.proxy.webhook-urls}:
         * URL prefixes such as {@code https://app.example.com/replicate/webhook}, or {@code none}; default any.
         */
        public Builder webhookUrls(String prefixes) {
            return set(() -> draft.webhookUrls(prefixes));
        }

        /** Rate limit per principal (or client address), as {@code aigw.proxy.rate-limit}, e.g. {@code 60/min}. */
        public Builder rateLimit(String rate) {
            return set(() -> draft.rateLimit(rate));
        }

        /** Where the rate limit's buckets live; default {@link SharedState#memory()} (per instance). */
        public Builder state(SharedState state) {
            Objects.requireNonNull(state, "state");
            return set(() -> draft.state(state.engineOrNull(), state.localPermits()));
        }

        /** Caps on calls in flight, in all and per principal (or client address); defaults 256 and 16. */
        public Builder maxConcurrent(int total, int perUser) {
            return set(() -> draft.maxConcurrent(total, perUser));
        }

        /** Proxies whose {@code Forwarded}/{@code X-Forwarded-*} headers are believed, as the setting. */
        public Builder trustedProxies(String addresses) {
            return set(() -> draft.trustedProxies(addresses));
        }

        /**
         * Which of the trusted proxies' headers are believed, as {@code aigw.proxy.trusted-headers}: {@code forwarded},
         * {@code x-forwarded} or {@code any} (the default).
         */
        public Builder trustedHeaders(String headers) {
            return set(() -> draft.trustedHeaders(headers));
        }

        /** The URL clients use for the proxy, e.g. {@code https://app.example.com/replicate}. */
        public Builder publicUrl(String url) {
            return set(() -> draft.publicUrl(url));
        }

        /** More request headers to forward (never credentials, cookies, hop-by-hop or {@code cf-aig-*}). */
        public Builder forwardHeaders(String... names) {
            return set(() -> draft.forwardHeaders(names));
        }

        /** Time to the upstream's response head; default 120 s. */
        public Builder timeout(Duration timeout) {
            return set(() -> draft.timeout(timeout));
        }

        /** Longest time no byte of an answer moves (a stalled event stream); default 5 min. */
        public Builder idleTimeout(Duration timeout) {
            return set(() -> draft.idleTimeout(timeout));
        }

        public Builder connectTimeout(Duration timeout) {
            return set(() -> draft.connectTimeout(timeout));
        }

        public AigwProxyFilter build() {
            return new AigwProxyFilter(this);
        }

        private Builder set(Runnable change) {
            change.run(); // the draft checks each value as the setting of the same name
            return this;
        }
    }
}
