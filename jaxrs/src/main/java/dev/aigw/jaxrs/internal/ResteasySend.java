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
 * <p>A routed call follows no redirect ({@link Redirects}). Following is a setting of the engine, not of one
 * request, so an engine that follows redirects or does not say is refused (the asynchronous Apache engine of
 * {@code useAsyncHttpEngine()} and Jetty's do not say, and follow by default; Vert.x's does not say), as is the
 * {@link URLConnectionEngine} for GETs.
 *
 * <p>An asynchronous engine that says it does not follow keeps its own send for async calls: an async call must not
 * block a thread here. Its failures are recorded when the unanswered call is collected.
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
        Boolean follows = follows(engine);
        if (follows == null) {
            throw Redirects.refusal(call, "this RESTEasy client's engine (" + engine.getClass().getName()
                    + ") does not say whether it follows redirects (ClientHttpEngine.isFollowRedirects)", "Use "
                    + "RESTEasy's default engine, or one whose isFollowRedirects() says false, for clients that call "
                    + "Replicate");
        }
        if (follows) {
            throw Redirects.refusal(call, "this RESTEasy client's engine follows redirects", "Turn following off "
                    + "(ResteasyClientBuilder.setFollowRedirects(false), dev.resteasy.client.follow.redirects, "
                    + "MicroProfile's followRedirects) on clients that call Replicate");
        }
        if (engine instanceof URLConnectionEngine && HttpMethod.GET.equalsIgnoreCase(request.getMethod())) {
            throw Redirects.refusal(call, "RESTEasy's URLConnectionEngine follows the redirects of every GET",
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

    /**
     * Whether the engine follows redirects; null when it does not say (the interface's default throws). Engines that
     * do not say include the asynchronous Apache engine, which follows them.
     */
    private static Boolean follows(ClientHttpEngine engine) {
        try {
            return engine.isFollowRedirects();
        } catch (UnsupportedOperationException e) {
            return null;
        }
    }

    /** The direct resend's response, or {@code error} rethrown once recorded. */
    private static Response failed(AigwFilter.Call call, ClientRequestContext request, ClientInvocation invocation,
                                   RuntimeException error) {
        if (DirectFallback.applies(call, request.getEntity(), List.of(error))) {
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
