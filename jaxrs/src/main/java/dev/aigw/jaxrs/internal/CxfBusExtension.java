package dev.aigw.jaxrs.internal;

import org.apache.cxf.Bus;
import org.apache.cxf.interceptor.MessageSenderInterceptor;
import org.apache.cxf.jaxrs.impl.PropertyHolderFactory;
import org.apache.cxf.message.Message;
import org.apache.cxf.message.MessageUtils;
import org.apache.cxf.phase.AbstractPhaseInterceptor;
import org.apache.cxf.phase.Phase;

import java.util.ArrayList;
import java.util.List;

/**
 * aigw in every Apache CXF JAX-RS client, without registration. CXF creates this extension for
 * each bus (listed in {@code META-INF/cxf/bus-extensions.txt}, optional so that a bus without
 * the JAX-RS frontend ignores it). It adds:
 * <ul>
 * <li>{@link DiscoveredFilter} to the bus-wide providers ({@code org.apache.cxf.jaxrs.bus.providers}),
 * which CXF gives every JAX-RS client of the bus (server endpoints skip it: it is constrained to
 * the client);</li>
 * <li>an out interceptor before the sender that allows a routed call no redirect target ({@link Redirects}: where
 * the application turned CXF's {@code AutoRedirect} on, a redirect then fails the call instead of taking the gateway
 * headers elsewhere), and records a transport failure (connection refused, reset before the response) with its
 * cause as the send fails: CXF unwinds the chain through {@code handleFault}, while JAX-RS response filters never
 * run.</li>
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
        bus.getOutInterceptors().add(new RoutedSend());
    }

    /** Sees the send of a routed call: no redirect, and its failure; other messages pass untouched. */
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
            if (routed(message) instanceof AigwFilter.Call call && !call.answered && error != null) {
                call.exchange.fail(error);
            }
        }

        private static Object routed(Message message) {
            return MessageUtils.isRequestor(message)
                    ? PropertyHolderFactory.getPropertyHolder(message).getProperty(AigwFilter.CALL) : null;
        }
    }
}
