package dev.aigw;

import dev.aigw.internal.CachePolicy;
import dev.aigw.internal.GatewayHeaders;
import dev.aigw.internal.Observers;
import dev.aigw.internal.Problems;
import dev.aigw.internal.RecordDispatcher;
import dev.aigw.internal.Redactor;
import dev.aigw.internal.Router;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * aigw's one entry point: the routing rule, the gateway's controls and the record listeners, for
 * one Cloudflare AI Gateway. Immutable and thread-safe; adapters hold one and call
 * {@link #exchange(String, URI, CallOptions)} for every outgoing request.
 *
 * <p>Unconfigured (no account and gateway id, no custom-domain base URL) or switched off
 * ({@code aigw.enabled=false}) it is {@linkplain #enabled() disabled}: every call passes through
 * untouched and nothing is recorded. A half-configured or invalid setting fails {@code build()}
 * with one line naming the key, the value (secrets masked) and what is allowed.
 *
 * <p>{@link #close()} delivers the records still queued and stops the listener thread.
 */
public final class Gateway implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger("dev.aigw");

    /** Cloudflare's gateway host, the default base. */
    public static final String DEFAULT_BASE_URL = "https://gateway.ai.cloudflare.com/v1";

    /** The built-in listener chosen by {@code aigw.log}. */
    public enum Log {
        OFF, SUMMARY, JSON
    }

    private final boolean enabled;
    private final String accountId;
    private final String gatewayId;
    private final String token;
    private final String authorization;
    private final String root;
    private final List<Provider> providers;
    private final CallOptions defaults;
    private final boolean fallback;
    private final Log log;
    private final Router router;
    private final Redactor redactor;
    private final RecordDispatcher dispatcher;
    private final List<ExchangeObserver> observers;
    // {effective options, their headers with the token} for the last two options seen; see headers()
    private volatile Object[] lastHeaders;
    private volatile Object[] previousHeaders;

    private Gateway(Builder b, boolean enabled, String accountId, String gatewayId, String token, String baseUrl,
                    List<Provider> providers, CallOptions defaults, boolean fallback, Log log,
                    List<ExchangeObserver> observers) {
        this.enabled = enabled;
        this.accountId = accountId;
        this.gatewayId = gatewayId;
        this.token = token;
        this.authorization = token == null ? null : "Bearer " + token;
        this.root = accountId == null ? baseUrl : baseUrl + "/" + accountId + "/" + gatewayId;
        this.providers = List.copyOf(providers);
        this.defaults = defaults;
        this.fallback = fallback;
        this.log = log;
        this.router = new Router(root, this.providers);
        List<String> secrets = new ArrayList<>(b.secrets);
        secrets.add(token);
        this.redactor = new Redactor(secrets);
        List<ExchangeListener> listeners = new ArrayList<>(b.listeners);
        if (enabled && log == Log.SUMMARY) {
            listeners.add(ExchangeListener.summaryLog());
        } else if (enabled && log == Log.JSON) {
            listeners.add(ExchangeListener.jsonLog());
        }
        List<ExchangeObserver> watching = enabled ? List.copyOf(observers) : List.of();
        this.observers = watching;
        // the dispatcher's thread is a GC root while it runs and must not hold this gateway (so: no `this` here):
        // nothing may close a gateway (a Jakarta REST client has no close hook), and an idle thread ends by itself
        this.dispatcher = new RecordDispatcher(listeners, b.queueCapacity,
                watching.isEmpty() ? null : r -> Observers.dropped(watching, r));
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A gateway configured from system properties and the environment. */
    public static Gateway fromEnvironment() {
        return builder().settings(Settings.system()).build();
    }

    /** A gateway configured from {@code settings}. */
    public static Gateway fromSettings(Settings settings) {
        return builder().settings(settings).build();
    }

    /** Whether provider calls are routed through the gateway. */
    public boolean enabled() {
        return enabled;
    }

    /** The gateway root provider slugs are appended to, e.g. {@code https://gateway.ai.cloudflare.com/v1/<acct>/<gw>}. */
    public URI root() {
        return URI.create(root);
    }

    public List<Provider> providers() {
        return providers;
    }

    /** Default options for every call (from {@code aigw.cache-ttl} etc. and code). */
    public CallOptions defaults() {
        return defaults;
    }

    /** Whether a call that could not reach the gateway may go to the provider directly. */
    public boolean fallback() {
        return fallback;
    }

    /** The route for {@code uri}, or {@code null} when disabled or not a routed provider URL. */
    public Route route(URI uri) {
        return enabled ? router.route(uri) : null;
    }

    /**
     * Starts an exchange for a call, or returns {@code null} when the call is not routed (gateway
     * disabled, or {@code uri} not under a routed provider prefix): the adapter then leaves the
     * call alone. Options are {@code perCall} over the current {@link GatewayContext} over
     * {@link #defaults()}.
     */
    public Exchange exchange(String method, URI uri, CallOptions perCall) {
        Route route = route(uri);
        if (route == null) {
            return null;
        }
        return exchange(method, route, perCall);
    }

    /** As {@link #exchange(String, URI, CallOptions)} for an already computed route. */
    public Exchange exchange(String method, Route route, CallOptions perCall) {
        return call(method, route, perCall, false);
    }

    /**
     * As {@link #exchange(String, Route, CallOptions)} for a request that a proxy forwards for a client outside the
     * application: its exchange is {@link Exchange#forwarded()}, so observers know that the model it names is that
     * client's choice.
     */
    public Exchange forward(String method, Route route, CallOptions perCall) {
        return call(method, route, perCall, true);
    }

    private Exchange call(String method, Route route, CallOptions perCall, boolean forwarded) {
        Objects.requireNonNull(method, "method");
        CallOptions callerLayer = callerLayer(perCall);
        CallOptions effective = callerLayer.over(defaults);
        if (callerLayer.skipCache() == null && callerLayer.cacheKey() == null
                && CachePolicy.mustSkipCache(route.provider(), method, route.rest())) {
            effective = effective.withSkipCache();
        }
        return start(route, upper(method), effective, false, forwarded);
    }

    /**
     * Starts the record of a webhook delivery the application received and verified, with the options of the call
     * that created the resource ({@code creatorOptions}, may be null): method {@code WEBHOOK}, via
     * {@link ExchangeRecord.Via#WEBHOOK}, URL the provider's resource ({@code rest} under its prefix, e.g.
     * {@code /predictions/abc}), routed URL {@code receivedAt}. The adapter reports the application's answer as the
     * response head and the delivered body as the response body, then completes it. It is never sent anywhere: it
     * has no gateway headers.
     */
    public Exchange webhook(Provider provider, String rest, URI receivedAt, CallOptions creatorOptions) {
        Route route = new Route(provider, URI.create(provider.upstreamPrefix() + rest), receivedAt, rest);
        return start(route, "WEBHOOK", callerLayer(creatorOptions).over(defaults), true, false);
    }

    private static CallOptions callerLayer(CallOptions perCall) {
        return perCall == null ? GatewayContext.current() : perCall.over(GatewayContext.current());
    }

    private Exchange start(Route route, String method, CallOptions effective, boolean webhook, boolean forwarded) {
        Exchange x = new Exchange(this, route, method, effective, headers(effective), webhook, forwarded);
        x.observe(observers);
        return x;
    }

    /** The observers of this gateway's exchanges: those given to the builder, then the discovered ones. */
    public List<ExchangeObserver> observers() {
        return observers;
    }

    /**
     * The token header followed by the options' headers, as an unmodifiable map. The effective options are mostly the
     * same object call after call (defaults, memoised layers), so the maps of the last two are kept and reused: two,
     * because reads and writes of one client alternate between the defaults and the defaults with the cache skipped
     * (a Replicate read), and one kept map was made again at every switch.
     */
    private Map<String, String> headers(CallOptions effective) {
        Map<String, String> optionHeaders = effective.headers();
        if (authorization == null) {
            return optionHeaders;
        }
        Object[] last = lastHeaders;
        if (last != null && last[0] == effective) {
            return kept(last);
        }
        Object[] previous = previousHeaders;
        if (previous != null && previous[0] == effective) {
            return kept(previous);
        }
        Map<String, String> h = new LinkedHashMap<>(8);
        h.put(GatewayHeaders.AUTHORIZATION, authorization);
        h.putAll(optionHeaders);
        h = Collections.unmodifiableMap(h);
        previousHeaders = last;
        lastHeaders = new Object[] {effective, h};
        return h;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, String> kept(Object[] entry) {
        return (Map<String, String>) entry[1];
    }

    private static String upper(String method) {
        for (int i = 0; i < method.length(); i++) {
            char c = method.charAt(i);
            if (c >= 'a' && c <= 'z') {
                return method.toUpperCase(Locale.ROOT);
            }
        }
        return method;
    }

    /** Removes this gateway's secrets, tokens and credential-looking values from {@code text}. */
    public String redact(String text) {
        return redactor.text(text);
    }

    Redactor redactor() {
        return redactor;
    }

    void emit(ExchangeRecord r) {
        dispatcher.dispatch(r);
    }

    /** Records dropped because listeners fell more than the queue's capacity behind. */
    public long droppedRecords() {
        return dispatcher.dropped();
    }

    /** Delivers queued records (waiting up to two seconds) and stops the listener thread. */
    @Override
    public void close() {
        dispatcher.close();
    }

    @Override
    public String toString() {
        if (!enabled) {
            return "Gateway{disabled}";
        }
        return "Gateway{root=" + root + ", providers=" + providers.stream().map(Provider::slug).toList()
                + ", token=" + (token == null ? "none" : "set") + ", defaults=" + defaults + ", fallback=" + fallback
                + ", log=" + log.name().toLowerCase(Locale.ROOT) + "}";
    }

    /**
     * Builds a {@link Gateway}. Values set in code win over {@link #settings(Settings)}, whatever
     * the order of the calls.
     */
    public static final class Builder {
        private static final Pattern ACCOUNT = Pattern.compile("[0-9a-fA-F]{32}");
        private static final Pattern GATEWAY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
        private static final Pattern TOKEN = Pattern.compile("[\\x21-\\x7e]{1,4096}");

        private Settings settings;
        private Boolean enabled;
        private String accountId;
        private String gatewayId;
        private String token;
        private String baseUrl;
        private List<Provider> providers;
        private CallOptions defaults;
        private Boolean fallback;
        private Log log;
        private final List<ExchangeListener> listeners = new ArrayList<>();
        private final List<ExchangeObserver> observers = new ArrayList<>();
        private Boolean discoverObservers;
        private final List<String> secrets = new ArrayList<>();
        private int queueCapacity = 8192;

        private Builder() {
        }

        /** Reads every setting not set in code from {@code settings}. */
        public Builder settings(Settings settings) {
            this.settings = Objects.requireNonNull(settings, "settings");
            return this;
        }

        public Builder enabled(boolean enabled) {
            this.enabled = enabled;
            return this;
        }

        /** Cloudflare account id, 32 hexadecimal characters. */
        public Builder accountId(String accountId) {
            this.accountId = accountId;
            return this;
        }

        /** Gateway name, at most 64 characters. */
        public Builder gatewayId(String gatewayId) {
            this.gatewayId = gatewayId;
            return this;
        }

        /** The gateway token, sent as {@code cf-aig-authorization: Bearer <token>}. */
        public Builder token(String token) {
            this.token = token;
            return this;
        }

        /**
         * Gateway base URL, default {@value #DEFAULT_BASE_URL}. With an account and gateway id the
         * root is {@code <base>/<account>/<gateway>}; without them the base is a custom domain whose
         * host names the gateway, and the root is the base itself.
         */
        public Builder baseUrl(String baseUrl) {
            this.baseUrl = baseUrl;
            return this;
        }

        /** Which providers to route; default Replicate only. */
        public Builder providers(Provider... providers) {
            this.providers = List.of(providers);
            return this;
        }

        /** Default options for every call. */
        public Builder defaults(CallOptions defaults) {
            this.defaults = defaults;
            return this;
        }

        /** Call the provider directly when the gateway cannot be reached. */
        public Builder fallback(boolean fallback) {
            this.fallback = fallback;
            return this;
        }

        /** The built-in listener; default {@link Log#SUMMARY}. */
        public Builder log(Log log) {
            this.log = log;
            return this;
        }

        /** Adds a listener for the records of every call. */
        public Builder listener(ExchangeListener listener) {
            listeners.add(Objects.requireNonNull(listener, "listener"));
            return this;
        }

        /** Adds an observer of every exchange's start and end (tracing, metrics); see {@link ExchangeObserver}. */
        public Builder observer(ExchangeObserver observer) {
            observers.add(Objects.requireNonNull(observer, "observer"));
            return this;
        }

        /**
         * Whether the observers listed as services ({@code META-INF/services/dev.aigw.ExchangeObserver}) are added;
         * default: setting {@code aigw.observers} ({@code auto} or {@code none}), else yes.
         */
        public Builder discoverObservers(boolean discover) {
            this.discoverObservers = discover;
            return this;
        }

        /** Another secret to keep out of records and logs (e.g. the provider token). */
        public Builder secret(String secret) {
            if (secret != null) {
                secrets.add(secret);
            }
            return this;
        }

        /** How many records may wait for slow listeners before new ones are dropped; default 8192. */
        public Builder recordQueueCapacity(int capacity) {
            if (capacity < 1) {
                throw Problems.invalid("record-queue-capacity", Integer.toString(capacity), "code", "at least 1");
            }
            this.queueCapacity = capacity;
            return this;
        }

        /**
         * @throws GatewayConfigurationException for a bad or half-configured setting
         */
        public Gateway build() {
            Settings s = settings != null ? settings : Settings.of(Map.of());
            Resolver r = new Resolver(s);

            String account = r.string("aigw.account-id", accountId);
            String gateway = r.string("aigw.gateway-id", gatewayId);
            String tok = r.string("aigw.token", token);
            String base = r.string("aigw.base-url", baseUrl);
            if (account != null && !ACCOUNT.matcher(account).matches()) {
                throw r.invalid("aigw.account-id", account, "a Cloudflare account id: 32 hexadecimal characters");
            }
            if (gateway != null && !GATEWAY.matcher(gateway).matches()) {
                throw r.invalid("aigw.gateway-id", gateway,
                        "a gateway name of 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit");
            }
            if (tok != null && !TOKEN.matcher(tok).matches()) {
                throw r.invalid("aigw.token", tok, "the token alone (no 'Bearer ' prefix, no spaces or control characters), at most 4096 characters");
            }
            if ((account == null) != (gateway == null)) {
                String missing = account == null ? "aigw.account-id" : "aigw.gateway-id";
                String present = account == null ? "aigw.gateway-id" : "aigw.account-id";
                throw r.invalid(missing, null, "a value, because " + present + " is set: set both, or neither to switch aigw off");
            }
            boolean configured = account != null || base != null;
            Boolean en = r.bool("aigw.enabled", enabled);
            if (Boolean.TRUE.equals(en) && !configured) {
                throw r.invalid("aigw.account-id", null,
                        "a value, because aigw.enabled is true: set aigw.account-id and aigw.gateway-id (or a custom-domain aigw.base-url)");
            }
            boolean on = en == null ? configured : en;

            List<Provider> provs = providers != null ? new ArrayList<>(providers) : r.providers();
            String baseUrlValue = normaliseBase(r, base == null ? DEFAULT_BASE_URL : base, provs);

            CallOptions fromSettings = OptionSettings.read(s::get, key -> s.lookup(key).origin());
            CallOptions defs = defaults == null ? fromSettings : defaults.over(fromSettings);
            boolean fb = Boolean.TRUE.equals(r.bool("aigw.fallback", fallback));
            Log lg = log != null ? log : r.log();

            List<ExchangeObserver> obs = new ArrayList<>(observers);
            if (discoverObservers != null ? discoverObservers : r.observers()) {
                for (ExchangeObserver o : Observers.discovered()) {
                    // one observer of a kind: one given in code replaces the discovered one of its class
                    if (obs.stream().noneMatch(e -> e.getClass() == o.getClass())) {
                        obs.add(o);
                    }
                }
            }

            Gateway g = new Gateway(this, on, account, gateway, tok, baseUrlValue, provs, defs, fb, lg, obs);
            if (on) {
                LOG.log(System.Logger.Level.INFO, "aigw: routing " + provs.stream().map(Provider::slug).toList()
                        + " through " + g.root + (tok == null ? " (no aigw.token: authenticated gateways will answer 401/2009)" : ""));
            } else {
                LOG.log(System.Logger.Level.DEBUG, "aigw: not configured; provider calls pass through unchanged");
            }
            return g;
        }

        private static String normaliseBase(Resolver r, String base, List<Provider> provs) {
            URI u;
            try {
                u = new URI(base);
            } catch (URISyntaxException e) {
                throw r.invalid("aigw.base-url", base, "an absolute http(s) URL such as " + DEFAULT_BASE_URL);
            }
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("https") || scheme.equals("http")) || u.getHost() == null || u.getRawQuery() != null
                    || u.getRawFragment() != null || u.getRawUserInfo() != null) {
                throw r.invalid("aigw.base-url", base,
                        "an absolute http(s) URL without user info, query or fragment, such as " + DEFAULT_BASE_URL);
            }
            String b = base;
            while (b.endsWith("/")) {
                b = b.substring(0, b.length() - 1);
            }
            Router probe = new Router("", provs);
            boolean provider;
            try {
                provider = probe.route(URI.create(b + "/")) != null;
            } catch (GatewayConfigurationException e) {
                provider = true; // a spelling of a provider URL the router refuses (//v1, %2F): no gateway either
            }
            if (provider) {
                throw r.invalid("aigw.base-url", base, "a gateway URL, not a provider's own URL (calls would loop)");
            }
            return b;
        }
    }

    /** Reads each setting once: code value first, then the settings; knows where a value came from. */
    private static final class Resolver {
        private final Settings settings;

        Resolver(Settings settings) {
            this.settings = settings;
        }

        String string(String key, String code) {
            if (code != null) {
                String t = code.strip();
                return t.isEmpty() ? null : t;
            }
            return settings.get(key);
        }

        Boolean bool(String key, Boolean code) {
            if (code != null) {
                return code;
            }
            Settings.Value v = settings.lookup(key);
            if (v == null) {
                return null;
            }
            try {
                return OptionSettings.bool(key, v.value());
            } catch (GatewayConfigurationException e) {
                throw Problems.invalid(key, v.shown(), v.origin(), e.allowed());
            }
        }

        List<Provider> providers() {
            Settings.Value v = settings.lookup("aigw.providers");
            if (v == null) {
                return new ArrayList<>(List.of(Provider.REPLICATE));
            }
            List<Provider> out = new ArrayList<>();
            for (String slug : v.value().split("[,\\s]+")) {
                if (slug.isEmpty()) {
                    continue;
                }
                Provider p = Provider.bySlug(slug.toLowerCase(Locale.ROOT));
                if (p == null) {
                    throw Problems.invalid("aigw.providers", v.shown(), v.origin(), "a comma-separated list of "
                            + Provider.known().stream().map(Provider::slug).toList() + "; '" + slug + "' is unknown");
                }
                if (!out.contains(p)) {
                    out.add(p);
                }
            }
            if (out.isEmpty()) {
                throw Problems.invalid("aigw.providers", v.shown(), v.origin(), "at least one provider slug");
            }
            return out;
        }

        boolean observers() {
            Settings.Value v = settings.lookup("aigw.observers");
            if (v == null || v.value().equalsIgnoreCase("auto")) {
                return true;
            }
            if (v.value().equalsIgnoreCase("none")) {
                return false;
            }
            throw Problems.invalid("aigw.observers", v.shown(), v.origin(),
                    "auto (every exchange observer on the class path, e.g. aigw-opentelemetry) or none");
        }

        Log log() {
            Settings.Value v = settings.lookup("aigw.log");
            if (v == null) {
                return Log.SUMMARY;
            }
            for (Log l : Log.values()) {
                if (l.name().equalsIgnoreCase(v.value())) {
                    return l;
                }
            }
            throw Problems.invalid("aigw.log", v.shown(), v.origin(), "off, summary or json");
        }

        GatewayConfigurationException invalid(String key, String value, String allowed) {
            return settings.invalid(key, value, allowed);
        }
    }
}
