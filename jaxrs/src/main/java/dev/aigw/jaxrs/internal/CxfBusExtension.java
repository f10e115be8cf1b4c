package dev.aigw.jaxrs.internal;

import org.apache.cxf.Bus;
import org.apache.cxf.interceptor.MessageSenderInterceptor;
import org.apache.cxf.jaxrs.impl.PropertyHolderFactory;
import org.apache.cxf.message.Exchange;
import org.apache.cxf.message.Message;
import org.apache.cxf.message.MessageUtils;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;

import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.core.Configuration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * aigw in every Apache CXF JAX-RS client, without registration. CXF creates this extension for
 * each bus (listed in {@code META-INF/cxf/bus-extensions.txt}, optional so that a bus without
 * the JAX-RS frontend ignores it). It adds:
 * <ul>
 * <li>{@link DiscoveredFilter} to the bus-wide providers ({@code org.apache.cxf.jaxrs.bus.providers}),
 * which CXF gives every JAX-RS client of the bus (server endpoints skip it: it is constrained to
 * the client);</li>
 * <li>an out interceptor before the filters that gives each exchange of a routed client its own request
 * properties ({@link OwnProperties});</li>
 * <li>an out interceptor before the sender that allows a routed call no redirect target ({@link Redirects}: where
 * the application turned CXF's {@code AutoRedirect} on, a redirect then fails the call instead of taking the gateway
 * headers elsewhere), and records a transport failure (connection refused, reset before the response) with its
 * cause as the send fails: CXF unwinds the chain through {@code handleFault}, while JAX-RS response filters never
 * run. There, with {@code aigw.fallback}, a call that never reached the gateway is resent directly
 * ({@link CxfFallback}).</li>
 * </ul>
 *
 * <p>Internal: not API, may change in any release.
 */
public final class CxfBusExtension {
    /** The bus property CXF's provider factories read for providers of every endpoint and client. */
    static final String BUS_PROVIDERS = "org.apache.cxf.jaxrs.bus.providers";
    /** The message property whose value every redirect target must start with, when the conduit follows them. */
    static final String REDIRECT_ALLOWED_URI = "http.redirect.allowed.uri";

    public CxfBusExtension(Bus bus) {
        List<Object> providers = new ArrayList<>();
        if (bus.getProperty(BUS_PROVIDERS) instanceof List<?> existing) {
            providers.addAll(existing);
        }
        providers.add(new DiscoveredFilter());
        bus.setProperty(BUS_PROVIDERS, providers);
        bus.getOutInterceptors().add(new OwnProperties());
        bus.getOutInterceptors().add(new RoutedSend());
    }

    /**
     * Gives each exchange of a client aigw routes its own copy of the request properties, before the filters run. CXF
     * keeps the properties set with {@code Invocation.Builder.property} in its target's request context and hands that
     * one map to every exchange of the target, so what a filter sets on one call is seen by the target's next calls
     * and by concurrent ones: aigw's call handle made the next call look routed already, and it went out unrouted.
     * Builder properties still apply as CXF applies them; clients aigw does not route are left as they are.
     */
    static final class OwnProperties extends AbstractPhaseInterceptor<Message> {
        OwnProperties() {
            super(Phase.SETUP);
        }

        @Override
        public void handleMessage(Message message) {
            Exchange exchange = message.getExchange();
            if (MessageUtils.isRequestor(message) && exchange != null
                    && exchange.get(CxfFallback.PROPERTIES) instanceof Map<?, ?> shared && routedClient(message)) {
                exchange.put(CxfFallback.PROPERTIES, new HashMap<>(shared));
            }
        }

        private static boolean routedClient(Message message) {
            Object client = message.getContextualProperty(Client.class.getName());
            Object config = message.getContextualProperty(Configuration.class.getName());
            try {
                return DiscoveredFilter.routes(client instanceof Client c ? c : null,
                        config instanceof Configuration c ? c : null);
            } catch (RuntimeException badSettings) {
                return true; // aigw's filter reports them, as it does for a call without properties
            }
        }
    }

    /** Sees the send of a routed call: no redirect, and its failure (and fallback); other messages pass untouched. */
    static final class RoutedSend extends AbstractPhaseInterceptor<Message> {
        /** The conduit follows only redirects whose target starts with this: no URL starts with it. */
        static final String NO_REDIRECT_TARGET = "aigw: no redirect for a call to the gateway";

        RoutedSend() {
            super(Phase.PREPARE_SEND);
            addBefore(MessageSenderInterceptor.class.getName());
        }

        @Override
        public void handleMessage(Message message) {
            if (routed(message) instanceof AigwFilter.Call call && call.exchange.viaGateway()) {
                message.put(REDIRECT_ALLOWED_URI, NO_REDIRECT_TARGET);
            }
        }

        @Override
        public void handleFault(Message message) {
            Exception error = message.getContent(Exception.class);
            if (routed(message) instanceof AigwFilter.Call call && !call.answered && error != null
                    && !CxfFallback.resent(message, call, error)) {
                call.exchange.fail(error);
            }
        }

        private static Object routed(Message message) {
            return MessageUtils.isRequestor(message)
                    ? PropertyHolderFactory.getPropertyHolder(message).getProperty(AigwFilter.CALL) : null;
        }
    }
}
