package dev.aigw.bench;

import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * A per-hop timeline of one proxied request at a time, everything in this JVM on one clock ({@link System#nanoTime}):
 * a blocking socket client sends {@code GET /replicate/predictions/<id>} on a kept-alive connection; a filter in front
 * of the proxy stamps the request's entry into the container's filter chain; the upstream stamps its arrival. The
 * three hops — client to the proxy's filter chain (the container), the proxy to the upstream (request path: admission,
 * the upstream client, its hand-offs), the upstream back to the client (response path: the upstream client's receive,
 * the write to the client, completion) — are reported as medians and 90th percentiles, for aigw and Jetty's
 * {@code ProxyServlet} on each container. One request at a time is where hand-offs and polls show: each is a thread
 * wake-up on the request's path.
 *
 * <p>{@code java -cp ... dev.aigw.bench.Timeline [requests=3000] [rows=aigw-jetty,peer-jetty,aigw-tomcat,peer-tomcat]}
 */
public final class Timeline {
    private static volatile long enteredProxy;
    private static volatile long reachedUpstream;

    private Timeline() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 3000;
        List<String> rows = List.of((args.length > 1 ? args[1] : "aigw-jetty,peer-jetty,aigw-tomcat,peer-tomcat")
                .split(","));
        java.util.logging.Logger quiet = ClientOverheadBenchmark.quietLogger("dev.aigw.exchange");
        LoadServer.entryStamp = t -> enteredProxy = t;
        Handler stamped = new Handler.Wrapper(new UpstreamHandler()) {
            @Override
            public boolean handle(Request request, Response response, Callback callback) throws Exception {
                reachedUpstream = System.nanoTime();
                return super.handle(request, response, callback);
            }
        };
        LoadServer.Started upstream = LoadServer.start("upstream", 0, stamped);
        System.out.println("| server | client → proxy's filter chain, p50 / p90 µs | proxy → upstream, p50 / p90 µs "
                + "| upstream → client, p50 / p90 µs | whole request, p50 / p90 µs |");
        System.out.println("|---|---|---|---|---|");
        try {
            for (String row : rows) {
                LoadServer.Started server = LoadServer.start(row, upstream.port(), null);
                try {
                    long[][] hops = run(server.port(), n);
                    StringBuilder line = new StringBuilder("| " + row + " |");
                    for (long[] h : hops) {
                        Arrays.sort(h);
                        line.append(String.format(Locale.ROOT, " %d / %d |", h[h.length / 2] / 1000,
                                h[h.length * 9 / 10] / 1000));
                    }
                    System.out.println(line);
                } finally {
                    server.server().close();
                }
            }
        } finally {
            upstream.server().close();
            quiet.getName();
        }
    }

    /** {client → filter, filter → upstream, upstream → client, whole} per request, after as many warm-up requests. */
    private static long[][] run(int port, int n) throws IOException {
        byte[] request = ("GET /replicate/predictions/gm3qorzdhgbfurvjtvhg6dckhu HTTP/1.1\r\nHost: 127.0.0.1:" + port
                + "\r\nAuthorization: Bearer r8_clienttoken\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        long[][] hops = new long[4][n];
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setTcpNoDelay(true);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream());
            for (int i = -n; i < n; i++) {
                enteredProxy = 0;
                reachedUpstream = 0;
                long t0 = System.nanoTime();
                out.write(request);
                out.flush();
                int status = readResponse(in);
                long t3 = System.nanoTime();
                if (status != 200) {
                    throw new IllegalStateException("answered " + status);
                }
                if (i >= 0) {
                    hops[0][i] = enteredProxy - t0;
                    hops[1][i] = reachedUpstream - enteredProxy;
                    hops[2][i] = t3 - reachedUpstream;
                    hops[3][i] = t3 - t0;
                }
            }
        }
        return hops;
    }

    /** Reads one response (Content-Length or chunked); returns its status. */
    private static int readResponse(InputStream in) throws IOException {
        String statusLine = line(in);
        int status = Integer.parseInt(statusLine.split(" ")[1]);
        long length = -1;
        boolean chunked = false;
        for (String h; !(h = line(in)).isEmpty(); ) {
            String lower = h.toLowerCase(Locale.ROOT);
            if (lower.startsWith("content-length:")) {
                length = Long.parseLong(h.substring(15).strip());
            } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
                chunked = true;
            }
        }
        if (chunked) {
            for (long size; (size = Long.parseLong(line(in).split(";")[0].strip(), 16)) > 0; ) {
                skip(in, size);
                line(in);
            }
            while (!line(in).isEmpty()) {
                // trailers
            }
        } else if (length > 0) {
            skip(in, length);
        }
        return status;
    }

    private static void skip(InputStream in, long n) throws IOException {
        while (n > 0) {
            long k = in.skip(n);
            if (k <= 0) {
                if (in.read() < 0) {
                    throw new IOException("connection closed mid-body");
                }
                k = 1;
            }
            n -= k;
        }
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream(64);
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) {
                throw new IOException("connection closed");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.US_ASCII);
    }
}
