package dev.aigw.jaxrs.internal;

import org.apache.cxf.endpoint.Client;
import org.apache.cxf.endpoint.Retryable;
import org.apache.cxf.helpers.CastUtils;
import org.apache.cxf.interceptor.Fault;
import org.apache.cxf.message.Exchange;
import org.apache.cxf.message.ExchangeImpl;
import org.apache.cxf.message.Message;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code aigw.fallback} on Apache CXF: a synchronous routed call that never reached the gateway is sent again,
 * directly, while CXF unwinds the failed send ({@link CxfBusExtension}'s interceptor). The resend is CXF's own retry:
 * the {@link Retryable} its clients leave on every exchange for the failover feature, which invokes the same
 * invocation again (a {@code WebClient} method, or a proxy method with its arguments) through the client's whole
 * chain, the application's filters included. It carries the first attempt's request properties, aigw's call among
 * them, so aigw's filters observe it as the same exchange and route nothing; its result becomes the failed
 * exchange's result, as a failover's does.
 *
 * <p>Asynchronous calls are not resent: their failure reaches the caller's callback from CXF's fault chain, which has
 * no place for a result, and CXF's failover does not retry them either.
 *
 * <p>Loaded only from {@link CxfBusExtension}, that is where CXF is present.
 *
 * <p>Internal: not API, may change in any release.
 */
final class CxfFallback {
    /** CXF's exchange key of the request properties (its {@code PropertyHolderFactory}). */
    static final String PROPERTIES = "jaxrs.filter.properties";
    /** CXF's exchange mark that the response side is done, which its synchronous caller waits for. */
    private static final String IN_CHAIN_COMPLETE = "IN_CHAIN_COMPLETE";

    private CxfFallback() {
    }

    /**
     * Resends {@code call}, failed with {@code error} before any response, directly when {@link DirectFallback} allows
     * it. Returns whether its outcome is settled here: answered by the resend (the failure is then withdrawn from the
     * message), or failed by it (recorded; {@code error} stays the caller's, the resend's failure suppressed in it).
     */
    static boolean resent(Message message, AigwFilter.Call call, Exception error) {
        Exchange exchange = message.getExchange();
        Retryable retry = exchange.get(Retryable.class);
        Map<String, Object> context = CastUtils.cast((Map<?, ?>) message.get(Message.INVOCATION_CONTEXT));
        Map<String, Object> request = context == null ? null : CastUtils.cast((Map<?, ?>) context.get(Client.REQUEST_CONTEXT));
        List<?> params = message.getContent(List.class);
        Object entity = params == null || params.isEmpty() ? null : params.get(0);
        if (!exchange.isSynchronous() || exchange.isOneWay() || retry == null || request == null
                || !call.exchange.viaGateway() || !DirectFallback.applies(call, entity, List.of(error))) {
            return false;
        }
        prepare(message, call, request);
        Exchange again = new ExchangeImpl();
        try {
            retry.invoke(null, params == null ? new Object[0] : params.toArray(), context, again);
        } catch (Exception e) { // CXF's clients keep a retry's failure in its exchange; any other Retryable may throw
            again.put(Exception.class, e);
        }
        Exception direct = again.get(Exception.class);
        if (direct != null) {
            call.exchange.fail(direct); // the direct attempt's failure is the call's outcome
            (error instanceof Fault && error.getCause() != null ? error.getCause() : error).addSuppressed(direct);
            return true;
        }
        List<?> result = again.get(List.class);
        if (result == null) {
            return false; // nothing to answer with: the first failure stands
        }
        // The failure is withdrawn (no fault chain runs for it), and CXF's synchronous caller finds what it reads once
        // the out chain returns: the result, the status, the response side done.
        message.setContent(Exception.class, null);
        message.getInterceptorChain().setFaultObserver(null);
        exchange.put(List.class, result);
        exchange.put(Message.RESPONSE_CODE, status(again));
        exchange.put(IN_CHAIN_COMPLETE, Boolean.TRUE);
        return true;
    }

    /**
     * Makes the invocation's request context the resend's: from the invocation's own URI, with the client's base
     * address as the endpoint (so that CXF's retry leaves the client's base address as it was), without the gateway
     * headers, and with the first attempt's request properties (aigw's call among them).
     */
    private static void prepare(Message message, AigwFilter.Call call, Map<String, Object> request) {
        call.resent = true;
        Object base = message.get(Message.BASE_PATH);
        if (base != null) {
            request.put(Message.ENDPOINT_ADDRESS, base);
        }
        if (request.get(Message.PROTOCOL_HEADERS) instanceof Map<?, ?> headers) {
            for (Object name : new ArrayList<>(headers.keySet())) { // a case-insensitive map's key set is a copy
                if (name instanceof String s && DirectFallback.gatewayHeader(s)) {
                    headers.remove(name);
                }
            }
        }
        if (message.getExchange().get(PROPERTIES) instanceof Map<?, ?> properties) {
            request.put(PROPERTIES, new HashMap<>(properties));
        }
    }

    private static Object status(Exchange answered) {
        Object status = answered.get(Message.RESPONSE_CODE);
        Message in = answered.getInMessage();
        return status != null || in == null ? status : in.get(Message.RESPONSE_CODE);
    }
}
