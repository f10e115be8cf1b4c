package dev.aigw.testkit.internal;

import dev.aigw.testkit.RecordedRequest;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.FutureCallback;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URLDecoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;

/**
 * Small blocking helpers over Jetty's core API; every fake handler runs on a blocking server thread.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Http {
    /** Hop-by-hop headers (RFC 9110 §7.6.1) plus those the HTTP stack recomputes itself. */
    public static final Set<String> HOP_BY_HOP = Set.of("connection", "keep-alive", "proxy-connection",
            "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host",
            "content-length", "expect");

    private Http() {
    }

    /** Body read fully up to {@code max}; {@code truncated} means more bytes were left unread on the wire. */
    public record Body(byte[] bytes, InputStream rest, boolean truncated) {
    }

    public static Body readBody(Request request, long max) throws IOException {
        InputStream in = Content.Source.asInputStream(request);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buf = new byte[16 * 1024];
        long total = 0;
        while (total <= max) {
            int n = in.read(buf, 0, (int) Math.min(buf.length, max + 1 - total));
            if (n < 0) {
                return new Body(out.toByteArray(), null, false);
            }
            out.write(buf, 0, n);
            total += n;
        }
        return new Body(out.toByteArray(), in, true);
    }

    public static Map<String, List<String>> headers(Request request) {
        Map<String, List<String>> map = new LinkedHashMap<>();
        for (HttpField f : request.getHeaders()) {
            map.computeIfAbsent(f.getName(), k -> new ArrayList<>()).add(f.getValue());
        }
        return map;
    }

    public static RecordedRequest record(Request request, byte[] body, long size, int cap) {
        byte[] kept = body.length > cap ? java.util.Arrays.copyOf(body, cap) : body;
        return new RecordedRequest(request.getMethod(), request.getHttpURI().getPath(), request.getHttpURI().getQuery(),
                headers(request), kept, size, Instant.now());
    }

    public static Map<String, String> queryParams(String query) {
        Map<String, String> params = new LinkedHashMap<>();
        if (query == null || query.isEmpty()) {
            return params;
        }
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String k = eq < 0 ? pair : pair.substring(0, eq);
            String v = eq < 0 ? "" : pair.substring(eq + 1);
            params.putIfAbsent(URLDecoder.decode(k, StandardCharsets.UTF_8), URLDecoder.decode(v, StandardCharsets.UTF_8));
        }
        return params;
    }

    public static String header(Request request, String name) {
        return request.getHeaders().get(name);
    }

    /** Completes the exchange with a full body (the callback is completed by Jetty). */
    public static void send(Response response, Callback callback, int status, String contentType, byte[] body) {
        response.setStatus(status);
        if (contentType != null) {
            response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        }
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    public static void sendJson(Response response, Callback callback, int status, Object body) {
        send(response, callback, status, "application/json; charset=UTF-8", Json.bytes(body));
    }

    /** Writes one chunk and waits for it to be on the wire, so streams stay streams. */
    public static void writeBlocking(Response response, boolean last, ByteBuffer chunk) throws IOException {
        FutureCallback done = new FutureCallback();
        response.write(last, chunk, done);
        try {
            done.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        }
    }

    /** Drops the TCP connection without a proper HTTP ending (fault injection, broken upstreams). */
    public static void abortConnection(Request request, Callback callback, String why) {
        EndPoint endPoint = request.getConnectionMetaData().getConnection().getEndPoint();
        endPoint.close();
        callback.failed(new IOException(why));
    }

    public static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}
