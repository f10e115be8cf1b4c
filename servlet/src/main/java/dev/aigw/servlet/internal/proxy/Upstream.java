package dev.aigw.servlet.internal.proxy;

import java.net.URI;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Flow;
import java.util.function.BiConsumer;

/**
 * The HTTP client a proxy filter sends its calls to the gateway with ({@code aigw.proxy.upstream}): Jetty's
 * {@code HttpClient} ({@link JettyUpstream}, the one Jetty's {@code ProxyServlet} uses) or the JDK's
 * ({@link JdkUpstream}). Both take the same request and report to the same {@link Listener}, so that everything else
 * in the call (admission, body gate, rewriting, records, timeouts) is one code path. An upstream is started on its
 * first call and stopped with the filter; it starts and owns its threads, all named {@code aigw-proxy-*}.
 *
 * <p>Internal: not API, may change in any release.
 */
public interface Upstream {
    /** Values of {@code aigw.proxy.upstream}. */
    String ALLOWED = "auto (jetty when org.eclipse.jetty:jetty-client is on the class path, else jdk), jetty or jdk";

    /** Starts one call; the listener hears of its head or its failure, from the client's threads. */
    Call send(Request request, Listener listener);

    /** {@code jetty} or {@code jdk}. */
    String name();

    /** Ends the client's threads and connections (calls in flight fail); idempotent. */
    void stop();

    /** A call in flight. */
    interface Call {
        /** Aborts the call (the upstream never sees the end of the body); a no-op once it ended. */
        void cancel(Throwable why);
    }

    /** One request as the proxy forwards it. */
    final class Request {
        final String method;
        final URI target;
        /** Name and value, alternating, in the order they are sent. */
        final List<String> headers = new ArrayList<>(24);
        Flow.Publisher<ByteBuffer> body;
        /** Of the body: -1 unknown (chunked), else exact; ignored without a body. */
        long length = -1;

        Request(String method, URI target) {
            this.method = method;
            this.target = target;
        }

        void header(String name, String value) {
            headers.add(name);
            headers.add(value);
        }
    }

    /** The upstream's response head. */
    interface Head {
        int status();

        /** The first value of a header, or null. */
        String first(String name);

        /** Every value of a header, one per field in arrival order (empty when there is none). */
        List<String> all(String name);

        /** Every header field in arrival order (a field listed twice comes twice). */
        void forEach(BiConsumer<String, String> field);
    }

    /** What the proxy call hears from the upstream. */
    interface Listener {
        /**
         * The response head arrived; returns the subscriber of the body, which asks for one item at a time and asks
         * for the next only when the previous one was written out (so an upstream may reuse the buffer then), or
         * null to discard the body.
         */
        Flow.Subscriber<List<ByteBuffer>> head(Head head);

        /** The call failed before its head (connect, reset, refused body), once; never after {@link #head}. */
        void failed(Throwable t);
    }

    /**
     * The upstream a setting names; {@code auto} takes Jetty's client when it can be loaded. The JDK client is taken
     * whatever the setting when the application wrapped it ({@code wrapJdk}, e.g. for OpenTelemetry).
     */
    static String resolve(String setting, boolean wrapJdk) {
        return resolve(setting, wrapJdk, Upstream.class.getClassLoader());
    }

    /** {@link #resolve(String, boolean)} with the class loader that must see Jetty's client. */
    static String resolve(String setting, boolean wrapJdk, ClassLoader loader) {
        String s = setting == null ? "auto" : setting.strip().toLowerCase(Locale.ROOT);
        switch (s) {
            case "jdk":
                return "jdk";
            case "jetty":
                if (wrapJdk) {
                    throw new IllegalArgumentException("the upstream client wrapper applies to the JDK client only");
                }
                if (!jettyLoadable(loader)) {
                    throw new IllegalArgumentException("jetty needs org.eclipse.jetty:jetty-client 12 on the class "
                            + "path");
                }
                return "jetty";
            case "auto":
                return !wrapJdk && jettyLoadable(loader) ? "jetty" : "jdk";
            default:
                throw new IllegalArgumentException("unknown upstream '" + setting + "'");
        }
    }

    private static boolean jettyLoadable(ClassLoader loader) {
        try {
            Class.forName("org.eclipse.jetty.client.HttpClient", false, loader);
            Class.forName("org.eclipse.jetty.io.Content$Source", false, loader); // jetty-client 12, not 9 to 11
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    /** The call could not be started (the client stopped with its filter, a task refused): nothing was sent. */
    final class NotStarted extends java.io.IOException {
        private static final long serialVersionUID = 1L;

        NotStarted(RuntimeException cause) {
            super("the call to the AI gateway could not be started: " + cause, cause);
        }
    }
}
