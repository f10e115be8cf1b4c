package dev.aigw.jaxrs;

import dev.aigw.CallOptions;
import dev.aigw.Gateway;
import dev.aigw.jaxrs.internal.AigwFilter;
import dev.aigw.jaxrs.internal.Gateways;
import dev.aigw.jaxrs.internal.ResteasyTransport;

import jakarta.ws.rs.core.Configuration;
import jakarta.ws.rs.core.Feature;
import jakarta.ws.rs.core.FeatureContext;

import java.util.Objects;

/**
 * Routes a Jakarta REST client's provider calls (Replicate by default) through Cloudflare AI
 * Gateway. Registering it is the whole integration:
 * <pre>{@code
 * Client client = ClientBuilder.newClient().register(AigwFeature.class);          // settings from properties/env
 * Client client = ClientBuilder.newClient().register(new AigwFeature(gateway));   // a Gateway built in code
 * }</pre>
 * On Jersey, RESTEasy and Apache CXF aigw is active in every client without it when aigw is
 * configured (see the module README); registering it as well does no harm: the registration wins.
 *
 * <p>The no-argument form reads the settings ({@code aigw.account-id}, {@code aigw.gateway-id},
 * {@code aigw.token}, ...) from the client's configuration properties first, then system
 * properties, then the environment ({@code AIGW_ACCOUNT_ID}, ...). When aigw is not configured
 * the feature does nothing.
 *
 * <p><b>Per request</b>, request properties named as the settings ({@code aigw.cache-ttl},
 * {@code aigw.metadata} as a JSON object, {@code aigw.skip-cache}, ...) and a typed
 * {@link CallOptions} under {@link #CALL_OPTIONS} override the caller's
 * {@link dev.aigw.GatewayContext} and the defaults; the typed options win over the string ones.
 *
 * <p><b>Priority</b>: aigw's request filter runs at {@link #PRIORITY}, after the filters of the
 * standard priorities ({@code AUTHENTICATION} ... {@code USER}), so those filters see and may
 * change the original {@code https://api.replicate.com/v1/...} URI, headers and properties, and
 * aigw routes what they leave. Its response filter, by the reverse order of response filters,
 * runs before theirs.
 */
public final class AigwFeature implements Feature {

    /**
     * Priority of aigw's filters and interceptors: {@value}, above {@code Priorities.USER} (5000),
     * so that every request filter of a standard priority runs before aigw routes the URI.
     */
    public static final int PRIORITY = AigwFilter.PRIORITY;

    /** Request property holding a typed {@link CallOptions} for this call. */
    public static final String CALL_OPTIONS = AigwFilter.CALL_OPTIONS;

    /**
     * Client property holding a typed {@link Gateway} (built in code, owned by the caller) for a
     * client that aigw configures by itself (Jersey, RESTEasy, CXF): it wins over the string
     * {@code aigw.*} settings, as {@link #CALL_OPTIONS} does for one call.
     */
    public static final String GATEWAY = AigwFilter.GATEWAY;

    private final Gateway gateway;

    /** The gateway from the client's {@code aigw.*} properties, system properties and environment. */
    public AigwFeature() {
        this.gateway = null;
    }

    /** Uses {@code gateway}; the caller keeps it and closes it when done. */
    public AigwFeature(Gateway gateway) {
        this.gateway = Objects.requireNonNull(gateway, "gateway");
    }

    @Override
    public boolean configure(FeatureContext context) {
        Configuration config = context.getConfiguration();
        if (config.getProperty(AigwFilter.ACTIVE) != null) {
            return true; // another registration (explicit or auto-discovered) is already active
        }
        Gateway g = gateway != null ? gateway : AigwFilter.gatewayFor(config);
        if (!g.enabled()) {
            return false;
        }
        context.property(AigwFilter.ACTIVE, Boolean.TRUE);
        AigwFilter filter = new AigwFilter(g);
        context.register(filter, PRIORITY);
        Object jersey = Gateways.jerseyHooks(config);
        if (jersey != null) {
            context.register(jersey, PRIORITY);
        }
        if (Gateways.resteasy(config) && !config.isRegistered(ResteasyTransport.class)) {
            context.register(ResteasyTransport.class); // a client without RESTEasy's built-in providers
        }
        return true;
    }
}
