package dev.aigw.servlet.internal;

import dev.aigw.GatewayContext;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;

/**
 * An {@link AsyncContext} that runs {@code start} tasks and listener callbacks in a captured gateway context.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ContextAsyncContext implements AsyncContext {
    private final AsyncContext delegate;
    private final GatewayContext.Snapshot snapshot;

    ContextAsyncContext(AsyncContext delegate, GatewayContext.Snapshot snapshot) {
        this.delegate = delegate;
        this.snapshot = snapshot;
    }

    AsyncContext delegate() {
        return delegate;
    }

    @Override
    public void start(Runnable run) {
        delegate.start(snapshot.wrap(run));
    }

    @Override
    public void addListener(AsyncListener listener) {
        delegate.addListener(new ContextListener(listener, snapshot));
    }

    @Override
    public void addListener(AsyncListener listener, ServletRequest request, ServletResponse response) {
        delegate.addListener(new ContextListener(listener, snapshot), request, response);
    }

    @Override
    public ServletRequest getRequest() {
        return delegate.getRequest();
    }

    @Override
    public ServletResponse getResponse() {
        return delegate.getResponse();
    }

    @Override
    public boolean hasOriginalRequestAndResponse() {
        return delegate.hasOriginalRequestAndResponse();
    }

    @Override
    public void dispatch() {
        delegate.dispatch();
    }

    @Override
    public void dispatch(String path) {
        delegate.dispatch(path);
    }

    @Override
    public void dispatch(ServletContext context, String path) {
        delegate.dispatch(context, path);
    }

    @Override
    public void complete() {
        delegate.complete();
    }

    @Override
    public <T extends AsyncListener> T createListener(Class<T> clazz) throws ServletException {
        return delegate.createListener(clazz);
    }

    @Override
    public void setTimeout(long timeout) {
        delegate.setTimeout(timeout);
    }

    @Override
    public long getTimeout() {
        return delegate.getTimeout();
    }

    private record ContextListener(AsyncListener listener, GatewayContext.Snapshot snapshot) implements AsyncListener {
        @Override
        public void onComplete(AsyncEvent event) throws IOException {
            try (GatewayContext.Scope s = snapshot.apply()) {
                listener.onComplete(event);
            }
        }

        @Override
        public void onTimeout(AsyncEvent event) throws IOException {
            try (GatewayContext.Scope s = snapshot.apply()) {
                listener.onTimeout(event);
            }
        }

        @Override
        public void onError(AsyncEvent event) throws IOException {
            try (GatewayContext.Scope s = snapshot.apply()) {
                listener.onError(event);
            }
        }

        @Override
        public void onStartAsync(AsyncEvent event) throws IOException {
            try (GatewayContext.Scope s = snapshot.apply()) {
                listener.onStartAsync(event);
            }
        }
    }
}
