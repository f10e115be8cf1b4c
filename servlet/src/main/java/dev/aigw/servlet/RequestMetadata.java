package dev.aigw.servlet;

import dev.aigw.CallOptions;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.servlet.internal.KeyedHash;
import dev.aigw.servlet.internal.TraceParent;
import jakarta.servlet.http.HttpServletMapping;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;

import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.function.Function;

/**
 * Which {@code cf-aig-metadata} entries {@link AigwRequestContextFilter} takes from each incoming request: metadata
 * key → where the value comes from. At most five entries (the gateway keeps five); a source that finds nothing
 * adds no entry; values are cut to 1024 characters. Extraction never throws into a request.
 *
 * <p>In settings ({@code aigw.context.metadata}) as a comma-separated list of {@code key=source}:
 * <pre>
 * user_id=principal, tenant=header:X-Tenant-Id, request=header:X-Request-Id, trace_id=traceparent, session=session, route=route
 * </pre>
 * Sources: {@code principal} (the container's authenticated user name), {@code anonymous} (for a request without
 * one, a keyed hash of the client's address), {@code header:<name>}, {@code traceparent} (the W3C trace id),
 * {@code session} (a keyed hash of the session id, never the id; no session is created), {@code route} (the servlet
 * mapping pattern, e.g. {@code /api/*}), {@code attribute:<name>} (a request attribute set by earlier filters).
 * Default: {@code user_id=principal, client=anonymous, trace_id=traceparent}, so that every request's calls carry who
 * made them, a signed-in user by name and anyone else by a pseudonym; {@code none} for nothing. The default key names
 * are the ones the gateway's own features look for: User Insights groups calls by a per-user key named
 * {@code user_id}, and Policies ({@code actor: user:{metadata.user_id}}) and spend limits split by a metadata key, so
 * the same key serves all three; {@code trace_id} lets gateway logs be filtered by the trace.
 *
 * <p>Header values come from the client: only use headers your own edge sets or validates (a tenant header a client
 * can choose lets it tag its calls as another tenant's).
 */
public final class RequestMetadata {
    /** The default: {@code user_id=principal, client=anonymous, trace_id=traceparent}. */
    public static final String DEFAULT_SPEC = "user_id=principal, client=anonymous, trace_id=traceparent";

    private static final int MAX_VALUE = 1024;

    /** Where one value comes from. Returning {@code null} adds no entry. */
    @FunctionalInterface
    public interface Source {
        String value(HttpServletRequest request);
    }

    private final Map<String, Source> sources;
    private final String description;

    private RequestMetadata(Map<String, Source> sources, String description) {
        this.sources = Collections.unmodifiableMap(new LinkedHashMap<>(sources));
        this.description = description;
    }

    /** No metadata. */
    public static RequestMetadata none() {
        return new RequestMetadata(Map.of(), "none");
    }

    public static RequestMetadata defaults() {
        return parse(DEFAULT_SPEC);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The authenticated user's name ({@link HttpServletRequest#getUserPrincipal()}). */
    public static Source principal() {
        return r -> {
            Principal p = r.getUserPrincipal();
            return p == null ? null : p.getName();
        };
    }

    /** The first value of a request header. */
    public static Source header(String name) {
        Objects.requireNonNull(name, "name");
        return r -> r.getHeader(name);
    }

    /** The trace id of a valid W3C {@code traceparent} header. */
    public static Source traceId() {
        return r -> TraceParent.traceId(r.getHeader("traceparent"));
    }

    /**
     * A keyed hash of the session id (HMAC-SHA256 with a random per-process key, 16 hex characters): requests of one
     * session share it, the id itself never leaves the application, and no session is created.
     */
    public static Source sessionHash() {
        KeyedHash hash = new KeyedHash();
        return r -> {
            HttpSession s = r.getSession(false);
            return s == null ? null : hash.of(s.getId());
        };
    }

    /**
     * For a request without an authenticated user (no {@link #principal()}), a keyed hash of the client's address
     * (HMAC-SHA256 of {@code getRemoteAddr()} with a random per-process key, 16 hex characters): calls of one client
     * correlate within one instance, and the address itself never leaves the application. Behind a load balancer,
     * let the container resolve the forwarded client address (Tomcat's {@code RemoteIpValve}, Jetty's
     * {@code http-forwarded} module); otherwise every anonymous client looks like the balancer.
     */
    public static Source anonymousClient() {
        KeyedHash hash = new KeyedHash();
        return r -> r.getUserPrincipal() != null ? null : hash.of(r.getRemoteAddr());
    }

    /** The servlet mapping pattern the request matched ({@code /api/*}, {@code *.do}, {@code /}): low cardinality. */
    public static Source route() {
        return r -> {
            HttpServletMapping m = r.getHttpServletMapping();
            String p = m == null ? null : m.getPattern();
            return p == null || p.isEmpty() ? null : p;
        };
    }

    /** A request attribute (its {@code toString()}), e.g. set by an authentication filter before this one. */
    public static Source attribute(String name) {
        Objects.requireNonNull(name, "name");
        return r -> {
            Object v = r.getAttribute(name);
            return v == null ? null : v.toString();
        };
    }

    /**
     * Parses the settings form (see the class comment).
     *
     * @throws GatewayConfigurationException for a bad entry (key {@code aigw.context.metadata})
     */
    public static RequestMetadata parse(String spec) {
        return parse(spec, (value, allowed) -> dev.aigw.internal.Problems.invalid("aigw.context.metadata", value, null,
                allowed));
    }

    static RequestMetadata parse(String spec, java.util.function.BiFunction<String, String, GatewayConfigurationException> invalid) {
        String s = spec == null ? "" : spec.strip();
        if (s.isEmpty() || s.equalsIgnoreCase("none") || s.equalsIgnoreCase("off")) {
            return none();
        }
        String allowed = "a comma-separated list of key=source, source one of principal, anonymous, header:<name>, "
                + "traceparent, session, route, attribute:<name>; at most 5 entries (or none)";
        Builder b = builder();
        for (String entry : s.split(",")) {
            String e = entry.strip();
            int eq = e.indexOf('=');
            if (eq <= 0) {
                throw invalid.apply(spec, allowed + "; '" + e + "' has no key=");
            }
            String key = e.substring(0, eq).strip();
            String src = e.substring(eq + 1).strip();
            String lower = src.toLowerCase(Locale.ROOT);
            Source source;
            if (lower.equals("principal")) {
                source = principal();
            } else if (lower.equals("anonymous")) {
                source = anonymousClient();
            } else if (lower.startsWith("header:") && src.length() > 7) {
                source = header(src.substring(7).strip());
            } else if (lower.equals("traceparent")) {
                source = traceId();
            } else if (lower.equals("session")) {
                source = sessionHash();
            } else if (lower.equals("route")) {
                source = route();
            } else if (lower.startsWith("attribute:") && src.length() > 10) {
                source = attribute(src.substring(10).strip());
            } else {
                throw invalid.apply(spec, allowed + "; '" + src + "' is not a source");
            }
            try {
                b.put(key, source);
            } catch (GatewayConfigurationException ex) {
                throw invalid.apply(spec, allowed + "; " + ex.allowed());
            }
        }
        RequestMetadata m = b.build();
        return new RequestMetadata(m.sources, s);
    }

    /** The metadata keys, in order. */
    public List<String> keys() {
        return new ArrayList<>(sources.keySet());
    }

    public boolean isEmpty() {
        return sources.isEmpty();
    }

    /** The options for one request: one metadata entry per source that found a value. Never throws. */
    public CallOptions extract(HttpServletRequest request) {
        if (sources.isEmpty()) {
            return CallOptions.NONE;
        }
        CallOptions.Builder b = CallOptions.builder();
        for (Map.Entry<String, Source> e : sources.entrySet()) {
            String v;
            try {
                v = e.getValue().value(request);
            } catch (RuntimeException ex) {
                continue; // a broken source never breaks the request
            }
            if (v == null) {
                continue;
            }
            v = cut(v);
            b.metadata(e.getKey(), v);
        }
        return b.build();
    }

    /** At most 1024 characters, never ending in half a surrogate pair (strict JSON parsers refuse a lone one). */
    static String cut(String v) {
        if (v.length() <= MAX_VALUE) {
            return v;
        }
        return v.substring(0, Character.isHighSurrogate(v.charAt(MAX_VALUE - 1)) ? MAX_VALUE - 1 : MAX_VALUE);
    }

    @Override
    public String toString() {
        return description;
    }

    /** Builds a {@link RequestMetadata}; keys are checked as the gateway requires (1–128 chars, no {@code cf.}). */
    public static final class Builder {
        private final LinkedHashMap<String, Source> sources = new LinkedHashMap<>();
        private final List<String> described = new ArrayList<>();

        private Builder() {
        }

        /**
         * @throws GatewayConfigurationException for a reserved or overlong key, or a sixth entry
         */
        public Builder put(String key, Source source) {
            Objects.requireNonNull(source, "source");
            CallOptions.builder().metadata(key, "x"); // validates the key
            if (!sources.containsKey(key) && sources.size() >= CallOptions.MAX_METADATA) {
                throw dev.aigw.internal.Problems.invalid("aigw.context.metadata", key, null,
                        "at most 5 entries (the gateway keeps 5); already have " + sources.keySet());
            }
            sources.put(key, source);
            described.add(key);
            return this;
        }

        /** Adds an entry computed by any function of the request. */
        public Builder put(String key, Function<HttpServletRequest, String> source) {
            return put(key, (Source) source::apply);
        }

        public RequestMetadata build() {
            return new RequestMetadata(sources, "keys " + sources.keySet());
        }
    }
}
