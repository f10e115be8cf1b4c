package dev.aigw.jaxrs.internal;

import dev.aigw.Exchange;
import dev.aigw.internal.ConnectFailure;

import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.client.Invocation;
import jakarta.ws.rs.core.GenericEntity;
import jakarta.ws.rs.core.Response;

import java.io.InputStream;
import java.io.Reader;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code aigw.fallback} on a Jakarta REST client, for the stacks whose hooks see a failed send (Jersey's
 * post-invocation interceptor, RESTEasy's {@link ResteasyTransport}): whether a failed call may go to the provider
 * directly, and the resend itself — through the same client, so that the application's own filters see it as they
 * saw the first attempt.
 *
 * <p>Internal: not API, may change in any release.
 */
final class DirectFallback {
    private DirectFallback() {
    }

    /**
     * Whether {@code call} failed with {@code errors} (no response) should be resent directly, and if so switches its
     * exchange to the provider: only when fallback is on, the gateway provably never received the request (a failure
     * to connect) and the entity can be written again (a stream was consumed by the first attempt).
     */
    static boolean applies(AigwFilter.Call call, ClientRequestContext request, Iterable<Throwable> errors) {
        Object entity = request.getEntity();
        if (entity instanceof InputStream || entity instanceof Reader || !neverConnected(errors)) {
            return false;
        }
        return call.exchange().fallBackToDirect();
    }

    private static boolean neverConnected(Iterable<Throwable> errors) {
        for (Throwable t : errors) {
            if (ConnectFailure.neverConnected(t)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Sends {@code request} again to {@code exchange.target()} (now the provider) through its own client: same
     * properties (the {@link AigwFilter.Call} among them, so the resend is observed as this exchange and routed by
     * nobody), same headers but the gateway's and those the client derives, same entity.
     */
    static Response resend(AigwFilter.Call call, ClientRequestContext request) {
        call.resent = true;
        Invocation.Builder b = request.getClient().target(call.exchange().target()).request();
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
