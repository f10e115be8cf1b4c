package dev.aigw.jaxrs.internal;

import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.client.jaxrs.ClientHttpEngine;
import org.jboss.resteasy.client.jaxrs.engines.AsyncClientHttpEngine;
import org.jboss.resteasy.client.jaxrs.engines.URLConnectionEngine;
import org.jboss.resteasy.client.jaxrs.internal.ClientInvocation;
import org.jboss.resteasy.client.jaxrs.internal.ClientRequestContextImpl;

import java.util.List;

/**
 * Sends a routed RESTEasy call from {@link ResteasyTransport}, through the engine the application configured (its
 * pool, timeouts, TLS: nothing is rebuilt), and hands the engine's response on as the request's aborted response,
 * which RESTEasy runs through the response filters and readers as it would have; its body is not buffered. A failed
 * send is recorded with its cause as it happens, and a call that never reached the gateway is resent directly when
 * {@code aigw.fallback} is on. The send is bracketed on this thread, so the exchange is
 * {@linkplain dev.aigw.Exchange#activate() active} around it.
 *
 * <p>Engines with a send of their own for async calls ({@link AsyncClientHttpEngine}: Vert.x, Jetty, Reactor Netty,
 * {@code useAsyncHttpEngine()}) keep it: an async call must not block a thread here. Their failures are recorded
 * when the unanswered request is collected.
 *
 * <p>Loaded only from {@link ResteasyTransport}, that is in a RESTEasy client.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ResteasySend {
    private ResteasySend() {
    }

    static void send(ClientRequestContext request, AigwFilter.Call call) {
        if (!(request instanceof ClientRequestContextImpl context)) {
            return;
        }
        ClientInvocation invocation = context.getInvocation();
        ClientHttpEngine engine = invocation.getClient().httpEngine();
        if (engine == null) {
            return;
        }
        if (engine.isFollowRedirects()) {
            Redirects.refuse(call, "this RESTEasy client's engine follows redirects", "Turn following off "
                    + "(ResteasyClientBuilder.setFollowRedirects(false), dev.resteasy.client.follow.redirects, "
                    + "MicroProfile's followRedirects) on clients that call Replicate");
        }
        if (engine instanceof URLConnectionEngine && HttpMethod.GET.equalsIgnoreCase(request.getMethod())) {
            Redirects.refuse(call, "RESTEasy's URLConnectionEngine follows the redirects of every GET",
                    "Use another engine (the default Apache one does not follow) for clients that call Replicate");
        }
        if (engine instanceof AsyncClientHttpEngine) {
            return;
        }
        Response answer;
        call.activate();
        try {
            answer = engine.invoke(invocation);
        } catch (RuntimeException e) {
            answer = failed(call, request, invocation, e);
        } finally {
            call.deactivate();
        }
        request.abortWith(answer);
    }

    /** The direct resend's response, or {@code error} rethrown once recorded. */
    private static Response failed(AigwFilter.Call call, ClientRequestContext request, ClientInvocation invocation,
                                   RuntimeException error) {
        if (DirectFallback.applies(call, request, List.of(error))) {
            call.resending = true;
            try {
                return resend(call, request, invocation);
            } catch (RuntimeException direct) {
                call.exchange.fail(direct); // the direct attempt's failure is the call's outcome
                error.addSuppressed(direct);
                throw error;
            } finally {
                call.resending = false;
            }
        }
        call.exchange.fail(error);
        throw error;
    }

    /**
     * The same invocation again, to {@code exchange.target()} (now the provider) without the gateway headers, through
     * RESTEasy's whole chain: the application's filters see it as they saw the first attempt, and MicroProfile's
     * filters find the invocation's interface method (a new request of the client would have none). aigw's filters
     * let it pass: it carries the call already, no longer via the gateway.
     */
    private static Response resend(AigwFilter.Call call, ClientRequestContext request, ClientInvocation invocation) {
        call.resent = true;
        request.setUri(call.exchange.target());
        request.getHeaders().keySet().removeIf(DirectFallback::gatewayHeader);
        return invocation.invoke();
    }
}
