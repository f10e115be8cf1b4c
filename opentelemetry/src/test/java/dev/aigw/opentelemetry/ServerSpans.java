package dev.aigw.opentelemetry;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import java.io.IOException;
import java.util.Collections;

/**
 * What a container's tracing does for incoming requests (MicroProfile Telemetry, the Java agent's servlet
 * instrumentation): continue the caller's {@code traceparent}, open a SERVER span current for the request, end it
 * when the response is done (for async requests, when the async context completes).
 */
final class ServerSpans implements Filter {
    private static final TextMapGetter<HttpServletRequest> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(HttpServletRequest r) {
            return Collections.list(r.getHeaderNames());
        }

        @Override
        public String get(HttpServletRequest r, String key) {
            return r == null ? null : r.getHeader(key);
        }
    };

    private final OpenTelemetry otel;

    ServerSpans(OpenTelemetry otel) {
        this.otel = otel;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest req = (HttpServletRequest) request;
        HttpServletResponse resp = (HttpServletResponse) response;
        if (req.getDispatcherType() != jakarta.servlet.DispatcherType.REQUEST) {
            chain.doFilter(request, response); // as server instrumentation does: one span per request, not per dispatch
            return;
        }
        Context remote = otel.getPropagators().getTextMapPropagator().extract(Context.root(), req, HEADERS);
        Span span = otel.getTracer("test-server").spanBuilder(req.getMethod() + " " + req.getRequestURI())
                .setSpanKind(SpanKind.SERVER).setParent(remote).startSpan();
        try (Scope s = remote.with(span).makeCurrent()) {
            chain.doFilter(request, response);
        } finally {
            if (req.isAsyncStarted()) {
                req.getAsyncContext().addListener(new AsyncListener() {
                    @Override
                    public void onComplete(AsyncEvent event) {
                        end(span, resp);
                    }

                    @Override
                    public void onTimeout(AsyncEvent event) {
                        end(span, resp);
                    }

                    @Override
                    public void onError(AsyncEvent event) {
                        end(span, resp);
                    }

                    @Override
                    public void onStartAsync(AsyncEvent event) {
                        event.getAsyncContext().addListener(this); // the request went async again: stay informed
                    }
                });
            } else {
                end(span, resp);
            }
        }
    }

    private static void end(Span span, HttpServletResponse resp) {
        span.setAttribute("http.response.status_code", (long) resp.getStatus());
        if (resp.getStatus() >= 500) {
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
    }
}
