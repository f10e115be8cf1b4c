package dev.aigw.jaxrs.internal;

import dev.aigw.Exchange;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.GenericEntity;
import jakarta.ws.rs.core.Configuration;
import jakarta.ws.rs.core.Response;
import org.glassfish.jersey.client.ClientConfig;
import org.glassfish.jersey.client.ClientRequest;
import org.glassfish.jersey.client.spi.ConnectorProvider;
import org.glassfish.jersey.client.spi.InvocationBuilderListener;
import org.glassfish.jersey.client.spi.PostInvocationInterceptor;

import java.io.InputStream;
import java.io.Reader;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What Jersey offers beyond the portable filters: {@link InvocationBuilderListener} runs on the
 * thread that calls {@code target.request()}, so an async or rx call carries that thread's
 * {@link dev.aigw.GatewayContext}; {@link PostInvocationInterceptor#onException} sees transport
 * failures (which skip response filters), so they are recorded, and a call that never reached
 * the gateway may be resent directly when {@code aigw.fallback} is on.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class JerseyHooks implements InvocationBuilderListener, PostInvocationInterceptor {
    /** Connectors whose asynchronous send answers on the calling thread (the request's own task). */
    private static final Set<String> SAME_THREAD_CONNECTORS = Set.of(
            "org.glassfish.jersey.client.HttpUrlConnectorProvider",
            "org.glassfish.jersey.apache5.connector.Apache5ConnectorProvider",
            "org.glassfish.jersey.apache.connector.ApacheConnectorProvider");

    @Override
    public void onNewBuilder(InvocationBuilderContext context) {
        context.property(AigwFilter.CAPTURED, AigwFilter.Captured.now());
    }

    /**
     * Whether the request filter, the connector's send and the response side of {@code request} run on this thread
     * in one bracket: a synchronous invocation (Jersey's runtime runs them and the post-invocation interceptors in
     * one {@code try/finally}), or an asynchronous one whose connector answers on the same task's thread.
     */
    static boolean bracketed(ClientRequestContext request) {
        if (!(request instanceof ClientRequest r)) {
            return false;
        }
        if (!r.isAsynchronous()) {
            return true;
        }
        Configuration c = r.getConfiguration();
        ConnectorProvider p = c instanceof ClientConfig cc ? cc.getConnectorProvider() : null;
        return p != null && SAME_THREAD_CONNECTORS.contains(p.getClass().getName());
    }

    @Override
    public void afterRequest(ClientRequestContext request, ClientResponseContext response) {
        // the response filter reports the head; the entity stream reports the rest
        if (request.getProperty(AigwFilter.CALL) instanceof AigwFilter.Call call) {
            call.deactivate(); // an aborted or filtered-out response never reached aigw's response filter
        }
    }

    @Override
    public void onException(ClientRequestContext request, ExceptionContext context) {
        if (!(request.getProperty(AigwFilter.CALL) instanceof AigwFilter.Call call)) {
            return;
        }
        try {
            failed(request, context, call);
        } finally {
            call.deactivate(); // after a direct resend, which nests under the same activation
        }
    }

    private static void failed(ClientRequestContext request, ExceptionContext context, AigwFilter.Call call) {
        Exchange exchange = call.exchange();
        if (exchange.isFinished() || context.getThrowables().isEmpty()) {
            return;
        }
        Throwable error = context.getThrowables().peekFirst();
        if (context.getResponseContext().isEmpty() && neverReachedGateway(context.getThrowables())
                && resendable(request) && exchange.fallBackToDirect()) {
            try {
                // Same client, same properties (the Call among them): the resend is observed as this exchange.
                call.resent = true;
                context.resolve(resend(request, exchange));
                return;
            } catch (RuntimeException direct) {
                error.addSuppressed(direct); // the resend's own onException recorded the failure
                return;
            }
        }
        exchange.fail(error);
    }

    /** Connection refused, no route, unknown host: the request provably never left for the gateway. */
    private static boolean neverReachedGateway(Iterable<Throwable> throwables) {
        for (Throwable t : throwables) {
            for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
                if (c instanceof ConnectException || c instanceof UnknownHostException
                        || c instanceof NoRouteToHostException) {
                    return true;
                }
            }
        }
        return false;
    }

    /** A stream entity was consumed by the first attempt and cannot be sent again. */
    private static boolean resendable(ClientRequestContext request) {
        Object entity = request.getEntity();
        return !(entity instanceof InputStream || entity instanceof Reader);
    }

    private static Response resend(ClientRequestContext request, Exchange exchange) {
        Invocation.Builder b = request.getClient().target(exchange.target()).request();
        for (String name : request.getPropertyNames()) {
            b.property(name, request.getProperty(name));
        }
        for (Map.Entry<String, List<Object>> h : request.getHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (name.startsWith("cf-aig-") || name.equals("host") || name.equals("content-type")
                    || name.equals("content-length")) {
                continue; // gateway headers stay off a direct call; the entity carries its own type
            }
            for (Object v : h.getValue()) {
                b.header(h.getKey(), v);
            }
        }
        if (!request.hasEntity()) {
            return b.method(request.getMethod());
        }
        Object entity = request.getEntity();
        if (!(entity instanceof GenericEntity) && request.getEntityType() != null
                && request.getEntityType() != entity.getClass()) {
            entity = new GenericEntity<>(entity, request.getEntityType());
        }
        return b.method(request.getMethod(), Entity.entity(entity, request.getMediaType(), request.getEntityAnnotations()));
    }

}
