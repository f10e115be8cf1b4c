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
 * <li>an out interceptor that records a transport failure (connection refused, reset before the
 * response) with its cause as the send fails: CXF unwinds the chain through
 * {@code handleFault}, while JAX-RS response filters never run.</li>
 * </ul>
 *
 * <p>Internal: not API, may change in any release.
 */
public final class CxfBusExtension {
    /** The bus property CXF's provider factories read for providers of every endpoint and client. */
    static final String BUS_PROVIDERS = "org.apache.cxf.jaxrs.bus.providers";

    public CxfBusExtension(Bus bus) {
        List<Object> providers = new ArrayList<>();
        if (bus.getProperty(BUS_PROVIDERS) instanceof List<?> existing) {
            providers.addAll(existing);
        }
        providers.add(new DiscoveredFilter());
        bus.setProperty(BUS_PROVIDERS, providers);
        bus.getOutInterceptors().add(new TransportFailures());
    }

    /** Sees a failed send of a routed call; does nothing on the way out or for other messages. */
    static final class TransportFailures extends AbstractPhaseInterceptor<Message> {
        TransportFailures() {
            super(Phase.PREPARE_SEND);
            addBefore(MessageSenderInterceptor.class.getName());
        }

        @Override
        public void handleMessage(Message message) {
        }

        @Override
        public void handleFault(Message message) {
            if (!MessageUtils.isRequestor(message)) {
                return;
            }
            Object property = PropertyHolderFactory.getPropertyHolder(message).getProperty(AigwFilter.CALL);
            Exception error = message.getContent(Exception.class);
            if (property instanceof AigwFilter.Call call && !call.answered && error != null) {
                call.exchange.fail(error);
            }
        }
    }
}
