package dev.aigw.bench;

import dev.aigw.Exchange;
import dev.aigw.Gateway;
import dev.aigw.Route;
import dev.aigw.jaxrs.internal.AigwFilter;
import dev.aigw.jaxrs.internal.JerseyHooks;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.client.ClientResponseContext;
import jakarta.ws.rs.client.ClientResponseFilter;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MultivaluedMap;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.WriterInterceptor;
import jakarta.ws.rs.ext.WriterInterceptorContext;
import org.glassfish.jersey.client.ClientProperties;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.lang.ref.Cleaner;
import java.util.Locale;
import java.util.Map;

/**
 * Where aigw's caller-thread CPU per JAX-RS call goes, step by step: a filter made of aigw's steps (through core's
 * public API), one more step per variant, measured as {@link ClientCpu} measures (interleaved rotated rounds, CPU time
 * on the calling thread, per-round ratio to {@code noAigw} with its 95 % interval), beside the real
 * {@code aigwNoListener}. Each variant's figure is cumulative; the step's own cost is the difference to the line above
 * it, which on a shared machine is often inside the intervals: read the trend, and repeat runs before naming a step.
 *
 * <p>{@code java -cp ... dev.aigw.bench.ClientCpuSteps [rounds=20] [calls per round=300]}
 */
public final class ClientCpuSteps {
    private ClientCpuSteps() {
    }

    /** The steps, cumulative: variant {@code k} runs steps 0..k. */
    static final String[] STEPS = {
            "route: route, exchange, gateway URI and headers, record at the response",
            "+ response head read by Jersey's getHeaderString (the lookup before this change)",
            "+ request body observed (writer interceptor wraps the entity stream)",
            "+ response body observed (entity stream wrapped, record at its end)",
            "+ User-Agent product token, Host removed",
            "+ last-resort watcher (a Cleaner per call)",
            "+ per-call options scan (request property names)",
            "+ redirects off for the request (Jersey's FOLLOW_REDIRECTS request property)",
            "+ Jersey's hooks registered (JerseyHooks: builder listener, post-invocation interceptor)",
    };

    private static final Cleaner CLEANER = Cleaner.create();
    private static final String EXCHANGE = "bench.exchange";

    /** aigw's steps up to {@code steps}; the head step reads like before or, with {@code scan}, as aigw now does. */
    static final class Steps implements ClientRequestFilter, ClientResponseFilter, WriterInterceptor {
        private final Gateway gateway;
        private final int steps;
        private final boolean scan;

        Steps(Gateway gateway, int steps, boolean scan) {
            this.gateway = gateway;
            this.steps = steps;
            this.scan = scan;
        }

        @Override
        public void filter(ClientRequestContext request) {
            Route route = gateway.route(request.getUri());
            if (steps >= 6) {
                for (String name : request.getPropertyNames()) {
                    if (name.startsWith("aigw.")) {
                        throw new IllegalStateException("the benchmark sets no aigw.* property");
                    }
                }
            }
            Exchange x = gateway.exchange(request.getMethod(), route, null);
            request.setProperty(EXCHANGE, x);
            if (steps >= 5) {
                Object watched = new Object();
                request.setProperty(EXCHANGE + ".watched", watched);
                CLEANER.register(watched, () -> { });
            }
            request.setUri(x.target());
            for (Map.Entry<String, String> h : x.gatewayHeaders().entrySet()) {
                request.getHeaders().putSingle(h.getKey(), h.getValue());
            }
            if (steps >= 7) {
                request.setProperty(ClientProperties.FOLLOW_REDIRECTS, Boolean.FALSE);
            }
            if (steps >= 4) {
                request.getHeaders().remove(HttpHeaders.HOST);
                request.getHeaders().putSingle(HttpHeaders.USER_AGENT,
                        x.userAgent(request.getHeaderString(HttpHeaders.USER_AGENT)));
            }
        }

        @Override
        public void aroundWriteTo(WriterInterceptorContext context) throws IOException {
            if (steps < 2) {
                context.proceed();
                return;
            }
            Exchange x = (Exchange) context.getProperty(EXCHANGE);
            OutputStream original = context.getOutputStream();
            context.setOutputStream(new FilterOutputStream(original) {
                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    out.write(b, off, len);
                    x.requestBody(b, off, len);
                }
            });
            try {
                context.proceed();
            } finally {
                context.setOutputStream(original);
            }
        }

        @Override
        public void filter(ClientRequestContext request, ClientResponseContext response) {
            Exchange x = (Exchange) request.getProperty(EXCHANGE);
            if (steps >= 1 || scan) {
                // every Content-Encoding field, as the adapters hand them over; only the first-value lookup varies
                MultivaluedMap<String, String> headers = response.getHeaders();
                x.responseHead(response.getStatus(), scan ? name -> AigwFilter.first(headers, name)
                        : response::getHeaderString, AigwFilter.all(headers, HttpHeaders.CONTENT_ENCODING));
            }
            if (steps < 3) {
                x.complete();
                return;
            }
            response.setEntityStream(new FilterInputStream(response.getEntityStream()) {
                @Override
                public int read(byte[] b, int off, int len) throws IOException {
                    int n = super.read(b, off, len);
                    if (n > 0) {
                        x.responseBody(b, off, n);
                    } else if (n < 0) {
                        x.complete();
                    }
                    return n;
                }
            });
        }
    }

    private static String call(Client client, String url) {
        try (Response r = client.target(url).request().header("Authorization", "Bearer r8_benchmarktoken")
                .post(Entity.json(ClientOverheadBenchmark.CREATE))) {
            return r.readEntity(String.class);
        }
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
        int calls = args.length > 1 ? Integer.parseInt(args[1]) : 300;
        ClientOverheadBenchmark.Setup3 s = new ClientOverheadBenchmark.Setup3();
        s.start();
        try {
            String replicate = "https://api.replicate.com/v1/predictions";
            int n = STEPS.length + 3;
            String[] names = new String[n];
            Client[] clients = new Client[n];
            String[] urls = new String[n];
            names[0] = "noAigw";
            clients[0] = s.plain;
            urls[0] = s.upstreamUrl;
            for (int k = 0; k < STEPS.length; k++) {
                names[k + 1] = STEPS[k];
                clients[k + 1] = ClientBuilder.newClient().register(new Steps(s.quietGateway, k, false), 10_000);
                if (k >= 8) {
                    clients[k + 1].register(new JerseyHooks(), 10_000);
                }
                urls[k + 1] = replicate;
            }
            names[n - 2] = "route + response head read in one scan of its entries (aigw now)";
            clients[n - 2] = ClientBuilder.newClient().register(new Steps(s.quietGateway, 0, true), 10_000);
            urls[n - 2] = replicate;
            names[n - 1] = "aigwNoListener (the real filter, hooks and streams)";
            clients[n - 1] = s.aigwNoLog;
            urls[n - 1] = replicate;
            for (int k = 0; k < n; k++) {
                for (int i = 0; i < 2_000; i++) {
                    call(clients[k], urls[k]);
                }
            }
            ThreadMXBean mx = ManagementFactory.getThreadMXBean();
            double[][] cpu = new double[n][rounds];
            for (int r = 0; r < rounds; r++) {
                for (int j = 0; j < n; j++) {
                    int k = (j + r) % n;
                    long t0 = mx.getCurrentThreadCpuTime();
                    for (int i = 0; i < calls; i++) {
                        call(clients[k], urls[k]);
                    }
                    cpu[k][r] = (mx.getCurrentThreadCpuTime() - t0) / 1000.0 / calls;
                }
            }
            System.out.println("| variant | caller-thread CPU µs/call (median) | vs noAigw: mean [95 % interval] |");
            System.out.println("|---|---|---|");
            for (int k = 0; k < n; k++) {
                double[] q = ClientCpu.ratio(cpu[k], cpu[0]);
                System.out.printf(Locale.ROOT, "| %s | %.1f | %+.1f %% [%+.1f, %+.1f] |%n", names[k],
                        ClientCpu.median(cpu[k]), q[0], q[1], q[2]);
            }
            for (int k = 1; k < n - 1; k++) {
                clients[k].close();
            }
        } finally {
            s.stop();
        }
    }
}
