package dev.aigw.jaxrs.internal;

import dev.aigw.Gateway;

import jakarta.annotation.Priority;
import jakarta.ws.rs.ConstrainedTo;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.core.Configuration;
import jakarta.ws.rs.ext.Provider;
import jakarta.ws.rs.ext.WriterInterceptor;
import jakarta.ws.rs.ext.WriterInterceptorContext;

import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * aigw in a client that never registered it, where the implementation installs one provider
 * instance in every client: RESTEasy (its built-in providers, listed in
 * {@code META-INF/services/jakarta.ws.rs.ext.Providers}) and Apache CXF (bus-wide providers, set by
 * {@link CxfBusExtension}). Jersey gets {@code AigwFeature} per client from
 * {@link JerseyAutoDiscoverable} instead, so this class never acts there.
 *
 * <p>The shared instance holds no call state. At a client's first call it resolves that client's
 * gateway from its configuration ({@link AigwFilter#gatewayFor}) and keeps one {@link AigwFilter}
 * for it; a client whose aigw is off (unconfigured, {@code aigw.enabled=false}) is left alone, and
 * a client where {@code AigwFeature} is registered is routed by that registration only.
 *
 * <p>Internal: not API, may change in any release.
 */
@Provider
@ConstrainedTo(RuntimeType.CLIENT)
@Priority(AigwFilter.PRIORITY)
public final class DiscoveredFilter implements ClientRequestFilter, ClientResponseFilter, WriterInterceptor {
    /** Per client, its filter, or {@link #OFF}. Weak keys: a dropped client takes its entry with it. */
    private static final Map<Client, AigwFilter> FILTERS = Collections.synchronizedMap(new WeakHashMap<>());
    private static final AigwFilter OFF = new AigwFilter(null, false);

    @Override
    public void filter(ClientRequestContext request) {
        if (registered(request.getConfiguration())) {
            return;
        }
        AigwFilter filter = filterFor(request.getClient(), request.getConfiguration());
        if (filter != OFF) {
            filter.filter(request);
        }
    }

    /**
     * Whether aigw routes the calls of {@code client} with {@code config}: through a registered {@code AigwFeature}, or
     * through this filter. {@code client} is null for a client without a Jakarta REST client object (CXF's
     * {@code WebClient} and proxies), resolved per call.
     */
    static boolean routes(Client client, Configuration config) {
        return registered(config) || filterFor(client, config) != OFF;
    }

    /** The client's filter, or {@link #OFF}; resolved at its first call. */
    private static AigwFilter filterFor(Client client, Configuration config) {
        AigwFilter filter = client == null ? null : FILTERS.get(client);
        if (filter == null) {
            filter = resolve(config);
            if (client != null) {
                AigwFilter raced = FILTERS.putIfAbsent(client, filter);
                filter = raced != null ? raced : filter;
            }
        }
        return filter;
    }

    /** A bad setting fails this call (and the next: nothing is kept). */
    private static AigwFilter resolve(Configuration config) {
        Gateway g = AigwFilter.gatewayFor(config);
        return g.enabled() ? new AigwFilter(g, false) : OFF;
    }

    @Override
    public void aroundWriteTo(WriterInterceptorContext context) throws IOException {
        if (context.getProperty(AigwFilter.CALL) instanceof AigwFilter.Call call && !call.owner.registered) {
            call.owner.aroundWriteTo(context);
        } else {
            context.proceed();
        }
    }

    @Override
    public void filter(ClientRequestContext request, ClientResponseContext response) {
        if (request.getProperty(AigwFilter.CALL) instanceof AigwFilter.Call call && !call.owner.registered) {
            call.owner.filter(request, response);
        }
    }

    private static boolean registered(Configuration config) {
        return config != null && config.getProperty(AigwFilter.ACTIVE) != null;
    }
}
