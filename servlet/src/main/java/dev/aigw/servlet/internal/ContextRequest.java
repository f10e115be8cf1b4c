package dev.aigw.servlet.internal;

import dev.aigw.GatewayContext;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

/**
 * The request as the application sees it behind the context filter: {@code startAsync} returns an
 * {@link AsyncContext} whose {@code start} tasks and listeners run in the gateway context current at
 * {@code startAsync}.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ContextRequest extends HttpServletRequestWrapper {
    private static final String ASYNC_ATTRIBUTE = "dev.aigw.servlet.async";

    public ContextRequest(HttpServletRequest request) {
        super(request);
    }

    @Override
    public AsyncContext startAsync() {
        return remember(super.startAsync());
    }

    @Override
    public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
        return remember(super.startAsync(request, response));
    }

    @Override
    public AsyncContext getAsyncContext() {
        AsyncContext ac = super.getAsyncContext();
        if (ac == null || ac instanceof ContextAsyncContext) {
            return ac;
        }
        Object kept = getAttribute(ASYNC_ATTRIBUTE);
        if (kept instanceof ContextAsyncContext c && c.delegate() == ac) {
            return c;
        }
        return ac;
    }

    private AsyncContext remember(AsyncContext ac) {
        if (ac instanceof ContextAsyncContext) {
            return ac;
        }
        ContextAsyncContext c = new ContextAsyncContext(ac, GatewayContext.capture());
        setAttribute(ASYNC_ATTRIBUTE, c);
        return c;
    }
}
