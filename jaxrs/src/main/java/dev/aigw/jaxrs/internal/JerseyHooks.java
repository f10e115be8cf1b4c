package dev.aigw.jaxrs.internal;

import dev.aigw.Exchange;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.Configuration;
import jakarta.ws.rs.core.GenericEntity;
import jakarta.ws.rs.core.Response;
import org.glassfish.jersey.client.ClientConfig;
import org.glassfish.jersey.client.ClientProperties;
import org.glassfish.jersey.client.ClientRequest;
import org.glassfish.jersey.client.spi.ConnectorProvider;
import org.glassfish.jersey.client.spi.InvocationBuilderListener;
import org.glassfish.jersey.client.spi.PostInvocationInterceptor;

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

    /** Connectors that take {@code FOLLOW_REDIRECTS} from the client's configuration only (on unless set off). */
    private static final Set<String> CLIENT_WIDE_REDIRECTS = Set.of(
            "org.glassfish.jersey.jdk.connector.JdkConnectorProvider",
            "org.glassfish.jersey.jnh.connector.JavaNetHttpConnectorProvider");

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

    /**
     * Jersey follows redirects by default ({@link Redirects}): turned off for this routed request, which every
     * connector but two reads per request; with those two, a client that does not turn it off is refused.
     */
    static void followNoRedirects(ClientRequestContext request, AigwFilter.Call call) {
        request.setProperty(ClientProperties.FOLLOW_REDIRECTS, Boolean.FALSE);
        Configuration c = request.getConfiguration();
        ConnectorProvider p = c instanceof ClientConfig cc ? cc.getConnectorProvider() : null;
        if (p != null && CLIENT_WIDE_REDIRECTS.contains(p.getClass().getName())
                && ClientProperties.getValue(c.getProperties(), ClientProperties.FOLLOW_REDIRECTS, Boolean.TRUE,
                Boolean.class)) {
            throw Redirects.refusal(call, "this Jersey client's connector (" + p.getClass().getSimpleName()
                    + ") follows redirects", "Set " + ClientProperties.FOLLOW_REDIRECTS
                    + " = false on clients that call Replicate");
        }
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
        if (context.getResponseContext().isEmpty() && DirectFallback.applies(call, request.getEntity(), context.getThrowables())) {
            try {
                context.resolve(resend(call, request));
                return;
            } catch (RuntimeException direct) {
                error.addSuppressed(direct); // the resend's own onException recorded the failure
                return;
            }
        }
        exchange.fail(error);
    }

    /**
     * Sends {@code request} again to {@code exchange.target()} (now the provider) as a new request of its client: same
     * properties (the {@link AigwFilter.Call} among them, so the resend is observed as this exchange and routed by
     * nobody), same headers but the gateway's and those the client derives, same entity.
     */
    private static Response resend(AigwFilter.Call call, ClientRequestContext request) {
        call.resent = true;
        Invocation.Builder b = request.getClient().target(call.exchange().target()).request();
        for (String name : request.getPropertyNames()) {
            b.property(name, request.getProperty(name));
        }
        for (Map.Entry<String, List<Object>> h : request.getHeaders().entrySet()) {
            String name = h.getKey().toLowerCase(Locale.ROOT);
            if (DirectFallback.gatewayHeader(name) || name.equals("host") || name.equals("content-type")
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
