package dev.aigw.jaxrs.internal;

import dev.aigw.CallOptions;
import dev.aigw.Exchange;
import dev.aigw.ExchangeObserver;
import dev.aigw.Gateway;
import dev.aigw.GatewayContext;
import dev.aigw.Route;
import dev.aigw.internal.Problems;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.core.Configuration;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.ext.WriterInterceptor;
import jakarta.ws.rs.ext.WriterInterceptorContext;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Map;

/**
 * Routes a provider call and feeds its {@link Exchange}: the request filter swaps the URI and
 * adds the {@code cf-aig-*} headers; the writer interceptor counts and sniffs the request entity
 * as it is written; the response filter reports the head and wraps the entity stream so that
 * bytes are observed as the caller reads them and the record is emitted at end of stream or
 * close (at once when there is no entity).
 *
 * <p>Per-call state lives in request properties, never in this (shared) instance.
 *
 * <p>On Jersey, where the request filter, the connector and the response side provably run on one thread, the
 * exchange is {@linkplain Exchange#activate() activated} from the request filter until the response filter (or
 * Jersey's post-invocation hook), so that transport instrumentation nests under aigw's span.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class AigwFilter implements ClientRequestFilter, ClientResponseFilter, WriterInterceptor {
    /** Request property: the {@link Call} of a routed request. */
    public static final String CALL = "dev.aigw.jaxrs.call";
    /** Request property: the caller's {@link Captured} context, set on the calling thread (Jersey). */
    public static final String CAPTURED = "dev.aigw.jaxrs.context";
    /** Request property: a token that lives as long as the request's properties, watched for a call never answered. */
    static final String WATCHED = "dev.aigw.jaxrs.watched";
    /** Configuration property set once {@code AigwFeature} is active in a client, so that nothing else routes it. */
    public static final String ACTIVE = "dev.aigw.jaxrs.active";

    private final Gateway gateway;
    /** Registered in the client by {@code AigwFeature} (false: made and driven by {@link DiscoveredFilter}). */
    final boolean registered;

    public AigwFilter(Gateway gateway) {
        this(gateway, true);
    }

    AigwFilter(Gateway gateway, boolean registered) {
        this.gateway = gateway;
        this.registered = registered;
    }

    /** One routed call: its exchange, which filter owns it, whether the request body was already counted. */
    public static final class Call {
        final Exchange exchange;
        final AigwFilter owner;
        volatile boolean bodyCounted;
        volatile boolean answered;
        /**
         * Resent directly after a fallback: the resend may run in another client runtime (Jersey
         * configures one per target configuration, as its MicroProfile client does), whose
         * aigw filter then observes it.
         */
        volatile boolean resent;
        /**
         * A direct resend is under way whose response reaches the caller as the original request's aborted response
         * (RESTEasy): that response, not the resend's own, is the one aigw observes.
         */
        volatile boolean resending;
        private ExchangeObserver.Scope active; // only touched on the thread that opened it
        private Thread activeOn;

        Call(Exchange exchange, AigwFilter owner) {
            this.exchange = exchange;
            this.owner = owner;
        }

        public Exchange exchange() {
            return exchange;
        }

        void activate() {
            active = exchange.activate();
            activeOn = Thread.currentThread();
        }

        /** Ends the activation, on the thread that opened it; elsewhere, and a second time, does nothing. */
        public void deactivate() {
            if (activeOn == Thread.currentThread() && active != null) {
                ExchangeObserver.Scope s = active;
                active = null;
                s.close();
            }
        }
    }

    /** The context of the thread that built the invocation. */
    public record Captured(GatewayContext.Snapshot snapshot, long threadId) {
        public static Captured now() {
            return new Captured(GatewayContext.capture(), Thread.currentThread().getId());
        }
    }

    @Override
    public void filter(ClientRequestContext request) {
        if (request.getProperty(CALL) != null) {
            return; // already routed (a second aigw registration), or a direct fallback resend
        }
        Route route = gateway.route(request.getUri());
        if (route == null) {
            return; // not a provider URL: untouched
        }
        CallOptions perCall = perCallOptions(request);
        Exchange exchange;
        // Async and rx calls run filters on a pool thread: tag them with the context of the
        // thread that built the invocation, unless the pool thread carries one of its own.
        Object captured = request.getProperty(CAPTURED);
        if (captured instanceof Captured c && c.threadId() != Thread.currentThread().getId()
                && GatewayContext.current().isEmpty()) {
            try (GatewayContext.Scope s = c.snapshot().apply()) {
                exchange = gateway.exchange(request.getMethod(), route, perCall);
            }
        } else {
            exchange = gateway.exchange(request.getMethod(), route, perCall);
        }
        Call call = new Call(exchange, this);
        request.setProperty(CALL, call);
        // Where no hook reports a transport failure (RESTEasy's async engines), the call's properties
        // becoming unreachable without a response is the only sign: record the failure then. Watched
        // through a property, not the request context: CXF makes a context per filter run.
        Object watched = new Object();
        request.setProperty(WATCHED, watched);
        ObservedInputStream.CLEANER.register(watched, new Unanswered(call));
        request.setUri(exchange.target());
        // The connector derives Host from the new URI; a Host copied from the caller would name Replicate.
        request.getHeaders().remove(HttpHeaders.HOST);
        for (Map.Entry<String, String> h : exchange.gatewayHeaders().entrySet()) {
            request.getHeaders().putSingle(h.getKey(), h.getValue());
        }
        request.getHeaders().putSingle(HttpHeaders.USER_AGENT,
                exchange.userAgent(request.getHeaderString(HttpHeaders.USER_AGENT)));
        if (captured instanceof Captured) { // captured by JerseyHooks: this is Jersey
            JerseyHooks.followNoRedirects(request, call);
            if (JerseyHooks.bracketed(request)) {
                call.activate(); // closed by the response filter or Jersey's post-invocation hook, on this thread
            }
        }
    }

    /**
     * The gateway a client's configuration asks for: a typed {@code AigwFeature.GATEWAY} property,
     * else the {@code aigw.*} client properties over system properties and the environment
     * (those two alone where the client has no configuration).
     */
    public static Gateway gatewayFor(Configuration config) {
        if (config == null) {
            return Gateways.forProperties(Map.of()); // a client without a Jakarta REST configuration (CXF's WebClient)
        }
        Object typed = config.getProperty(GATEWAY);
        if (typed == null) {
            return Gateways.forProperties(config.getProperties());
        }
        if (!(typed instanceof Gateway g)) {
            throw Problems.invalid(GATEWAY, "a " + typed.getClass().getName(), "client property",
                    "a dev.aigw.Gateway");
        }
        return g;
    }

    /** The client property of a typed {@code Gateway}; published as {@code AigwFeature.GATEWAY}. */
    public static final String GATEWAY = "aigw.gateway";

    /** aigw's filter priority, above {@code Priorities.USER}; published as {@code AigwFeature.PRIORITY}. */
    public static final int PRIORITY = 10_000;

    /** The request property of a typed {@link CallOptions}; published as {@code AigwFeature.CALL_OPTIONS}. */
    public static final String CALL_OPTIONS = "aigw.call-options";

    /** Request properties named as the settings, under the typed {@link #CALL_OPTIONS}. */
    static CallOptions perCallOptions(ClientRequestContext request) {
        if (!hasAigwProperty(request)) {
            return null; // the common case: one pass over the names instead of a lookup per settings key
        }
        CallOptions fromStrings = CallOptions.fromSettings(key -> {
            Object v = request.getProperty(key);
            return v == null ? null : v.toString();
        });
        Object typed = request.getProperty(CALL_OPTIONS);
        if (typed == null) {
            return fromStrings;
        }
        if (!(typed instanceof CallOptions options)) {
            throw Problems.invalid(CALL_OPTIONS, "a " + typed.getClass().getName(), "request property",
                    "a dev.aigw.CallOptions");
        }
        return options.over(fromStrings);
    }

    private static boolean hasAigwProperty(ClientRequestContext request) {
        for (String name : request.getPropertyNames()) {
            if (name.startsWith("aigw.")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void aroundWriteTo(WriterInterceptorContext context) throws IOException {
        Call call = ownCall(context.getProperty(CALL));
        if (call == null || call.bodyCounted) {
            context.proceed(); // not ours, or the same entity resent directly after a fallback
            return;
        }
        OutputStream original = context.getOutputStream();
        context.setOutputStream(new ObservedOutputStream(original, call.exchange));
        try {
            context.proceed();
        } finally {
            call.bodyCounted = true;
            context.setOutputStream(original);
        }
    }

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) {
        Call call = ownCall(request.getProperty(CALL));
        if (call != null) {
            call.deactivate(); // the transport is done with the request: its spans have ended
        }
        if (call == null || call.resending || call.answered || call.exchange.isFinished()) {
            return; // answered: a direct resend's response, reported by the resend's own filters
        }
        call.answered = true;
        Exchange exchange = call.exchange;
        int status = response.getStatus();
        MultivaluedMap<String, String> headers = response.getHeaders(); // once: some clients copy it per call
        exchange.responseHead(status, name -> first(headers, name), all(headers, HttpHeaders.CONTENT_ENCODING));
        InputStream entity = response.getEntityStream();
        if (entity == null || status == 204 || status == 304 || zero(first(headers, HttpHeaders.CONTENT_LENGTH))
                || HttpMethod.HEAD.equalsIgnoreCase(request.getMethod())) {
            exchange.complete();
            return;
        }
        response.setEntityStream(new ObservedInputStream(entity, exchange));
    }

    /**
     * The first value of a response header, by a scan of the head's few entries: Jersey's case-insensitive lookup
     * lower-cases the name and joins the values on every call, and the exchange reads six headers per response (the
     * one-pass scan was a measured part of aigw's caller-thread cost; docs/PERFORMANCE.md).
     */
    public static String first(MultivaluedMap<String, String> headers, String name) {
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (name.equalsIgnoreCase(h.getKey())) {
                List<String> values = h.getValue();
                return values == null || values.isEmpty() ? null : values.get(0);
            }
        }
        return null;
    }

    /** Every value of a response header, whatever the case of the names it was stored under (null: none). */
    public static List<String> all(MultivaluedMap<String, String> headers, String name) {
        List<String> all = null;
        for (Map.Entry<String, List<String>> h : headers.entrySet()) {
            if (name.equalsIgnoreCase(h.getKey()) && h.getValue() != null) {
                if (all == null) {
                    all = new java.util.ArrayList<>(h.getValue());
                } else {
                    all.addAll(h.getValue());
                }
            }
        }
        return all;
    }

    /** Whether a {@code Content-Length} says the body is empty. */
    private static boolean zero(String contentLength) {
        if (contentLength == null) {
            return false;
        }
        try {
            return Long.parseLong(contentLength.strip()) == 0;
        } catch (NumberFormatException e) {
            return false;
        }
    }

    /** Holds the call only, never the watched token. */
    private record Unanswered(Call call) implements Runnable {
        @Override
        public void run() {
            if (!call.answered) {
                call.exchange.fail(new jakarta.ws.rs.ProcessingException(
                        "no response (transport failure; this client does not report its cause to filters)"));
            }
        }
    }

    private Call ownCall(Object property) {
        return property instanceof Call c && (c.owner == this || c.resent) ? c : null;
    }
}
