package dev.aigw.servlet;

import dev.aigw.CallOptions;
import dev.aigw.GatewayContext;
import dev.aigw.servlet.internal.ContextRequest;
import dev.aigw.servlet.internal.ServletSettings;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;

import java.io.IOException;

/**
 * Opens a {@link GatewayContext} for each incoming request, with metadata taken from the request by
 * {@link RequestMetadata} (default: the user's name and the trace id), and closes it when the request leaves the
 * filter. Every gateway call the request makes on its own thread carries that metadata.
 *
 * <p>Async-correct: the options are computed once per request and kept on a request attribute
 * ({@value #OPTIONS_ATTRIBUTE}), so async, error, forward and include dispatches (map the filter for them) run in the
 * same context; tasks given to {@code AsyncContext.start} and {@code AsyncListener} callbacks run in the context
 * current when {@code startAsync} was called; and nothing stays on a container thread after the filter returns.
 * Work the application hands to its own executors takes the context along only with
 * {@link GatewayContext#wrap(java.util.concurrent.Executor)}.
 *
 * <p>Register it async-supported, for dispatcher types REQUEST, ASYNC, ERROR, FORWARD and INCLUDE, ahead of the
 * application's servlets and after its authentication filters (so that the principal is known).
 */
public final class AigwRequestContextFilter implements Filter {
    /** Request attribute holding this request's {@link CallOptions}. */
    public static final String OPTIONS_ATTRIBUTE = "dev.aigw.servlet.context";

    private volatile RequestMetadata metadata;

    /** Reads {@code aigw.context.metadata} from the init-params in {@link #init}. */
    public AigwRequestContextFilter() {
    }

    public AigwRequestContextFilter(RequestMetadata metadata) {
        this.metadata = java.util.Objects.requireNonNull(metadata, "metadata");
    }

    @Override
    public void init(FilterConfig config) {
        if (metadata == null) {
            metadata = fromSettings(ServletSettings.of(config));
        }
    }

    /** The metadata configured by {@code aigw.context.metadata}, or the default. */
    static RequestMetadata fromSettings(ServletSettings s) {
        String spec = s.get("aigw.context.metadata");
        return spec == null ? RequestMetadata.defaults()
                : RequestMetadata.parse(spec, (value, allowed) -> s.invalid("aigw.context.metadata", spec, allowed));
    }

    public RequestMetadata metadata() {
        return metadata;
    }

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (!(request instanceof HttpServletRequest http)) {
            chain.doFilter(request, response);
            return;
        }
        CallOptions options = optionsFor(http);
        try (GatewayContext.Scope scope = GatewayContext.open(options)) {
            chain.doFilter(new ContextRequest(http), response);
        }
    }

    private CallOptions optionsFor(HttpServletRequest http) {
        Object kept = http.getAttribute(OPTIONS_ATTRIBUTE);
        if (kept instanceof CallOptions o) {
            return o;
        }
        RequestMetadata m = metadata != null ? metadata : RequestMetadata.defaults();
        CallOptions o = m.extract(http);
        http.setAttribute(OPTIONS_ATTRIBUTE, o);
        return o;
    }
}
