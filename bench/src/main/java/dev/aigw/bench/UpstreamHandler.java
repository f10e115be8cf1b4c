package dev.aigw.bench;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * The one upstream of every load row: a minimal, non-blocking stand-in for the gateway's Replicate endpoint, under
 * {@value LoadServer#GATEWAY_PATH}:
 * <ul>
 *   <li>{@code GET /predictions/<id>}: a ~1 KB prediction (with {@code api.replicate.com} URLs, as Replicate sends);
 *   <li>{@code POST /predictions}: reads the body, answers 201 with the same prediction;
 *   <li>{@code GET /stream?events=N&interval=MS}: an event stream whose events carry their send time in epoch
 *       microseconds ({@code data: <micros>}), for the per-event delay;
 *   <li>{@code GET /download?bytes=N}: N bytes of {@code application/octet-stream}, written as the client takes them;
 *   <li>{@code POST /upload} and {@code POST /files}: reads and counts the body, answers {@code {"bytes":N}}.
 * </ul>
 */
final class UpstreamHandler extends Handler.Abstract.NonBlocking {
    static final byte[] PREDICTION = prediction();
    private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(64 * 1024).asReadOnlyBuffer();

    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "upstream-events");
        t.setDaemon(true);
        return t;
    });

    private static byte[] prediction() {
        String id = "gm3qorzdhgbfurvjtvhg6dckhu";
        String api = "https://api.replicate.com/v1/predictions/" + id;
        StringBuilder sb = new StringBuilder();
        sb.append("{\"id\":\"").append(id).append("\",\"model\":\"black-forest-labs/flux-schnell\",\"version\":")
                .append("\"5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa\",")
                .append("\"input\":{\"prompt\":\"a watercolour of a lighthouse at dawn\",\"num_outputs\":1,")
                .append("\"aspect_ratio\":\"1:1\",\"output_format\":\"webp\"},\"logs\":\"Using seed: 12345\\n")
                .append("0%|          | 0/4 [00:00<?, ?it/s]\\n100%|##########| 4/4 [00:00<00:00, 9.1it/s]\\n\",")
                .append("\"output\":[\"https://replicate.delivery/xezq/abcdefghijklmnopqrstuvwxyz0123456789/out-0.webp\"],")
                .append("\"data_removed\":false,\"error\":null,\"status\":\"succeeded\",")
                .append("\"created_at\":\"2026-11-24T10:00:00.000Z\",\"started_at\":\"2026-11-24T10:00:00.100Z\",")
                .append("\"completed_at\":\"2026-11-24T10:00:01.300Z\",\"metrics\":{\"predict_time\":1.2,")
                .append("\"total_time\":1.3},\"urls\":{\"cancel\":\"").append(api).append("/cancel\",\"get\":\"")
                .append(api).append("\",\"stream\":\"https://stream.replicate.com/v1/files/qoxq-abcdefghij\",")
                .append("\"web\":\"https://replicate.com/p/").append(id).append("\"}}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        String path = request.getHttpURI().getPath();
        if (!path.startsWith(LoadServer.GATEWAY_PATH)) {
            return false;
        }
        String rest = path.substring(LoadServer.GATEWAY_PATH.length());
        String method = request.getMethod();
        if (method.equals("GET") && rest.startsWith("/predictions/")) {
            json(response, 200, PREDICTION, callback);
        } else if (method.equals("POST") && rest.equals("/predictions")) {
            Content.Source.consumeAll(request, Callback.from(() -> json(response, 201, PREDICTION, callback),
                    callback::failed));
        } else if (method.equals("GET") && rest.equals("/stream")) {
            events(response, (int) param(request, "events", 100), param(request, "interval", 20), callback);
        } else if (method.equals("GET") && rest.equals("/download")) {
            download(response, param(request, "bytes", 1 << 20), callback);
        } else if (method.equals("POST") && (rest.equals("/upload") || rest.equals("/files"))) {
            new Upload(request, response, callback).run();
        } else {
            return false;
        }
        return true;
    }

    private static long param(Request request, String name, long dflt) {
        String q = request.getHttpURI().getQuery();
        if (q == null) {
            return dflt;
        }
        for (String pair : q.split("&")) {
            if (pair.startsWith(name + "=")) {
                return Long.parseLong(pair.substring(name.length() + 1));
            }
        }
        return dflt;
    }

    private static void json(Response response, int status, byte[] body, Callback callback) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json; charset=utf-8");
        response.getHeaders().put("cf-aig-log-id", "01JADMCQQQBWH3NXZ5GCRN98DP");
        response.getHeaders().put("cf-aig-cache-status", "MISS");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
        response.write(true, ByteBuffer.wrap(body), callback);
    }

    /** Epoch microseconds: the same clock in every process of the machine. */
    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    }

    private void events(Response response, int events, long intervalMs, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
        Runnable[] next = new Runnable[1];
        int[] sent = {0};
        next[0] = () -> {
            int n = ++sent[0];
            boolean last = n == events;
            byte[] e = ("id: " + n + "\nevent: output\ndata: " + nowMicros() + "\n\n").getBytes(StandardCharsets.UTF_8);
            response.write(last, ByteBuffer.wrap(e), last ? callback : Callback.from(
                    () -> timer.schedule(next[0], intervalMs, TimeUnit.MILLISECONDS), callback::failed));
        };
        // the head goes out at once, as an event stream's does; the first event follows after one interval
        response.write(false, ByteBuffer.allocate(0), Callback.from(
                () -> timer.schedule(next[0], intervalMs, TimeUnit.MILLISECONDS), callback::failed));
    }

    private static void download(Response response, long bytes, Callback callback) {
        response.setStatus(200);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/octet-stream");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes);
        new IteratingCallback() {
            long left = bytes;

            @Override
            protected Action process() {
                if (left == 0) {
                    return Action.SUCCEEDED;
                }
                int n = (int) Math.min(left, ZEROS.capacity());
                left -= n;
                response.write(left == 0, ZEROS.slice(0, n), this);
                return Action.SCHEDULED;
            }

            @Override
            protected void onCompleteSuccess() {
                callback.succeeded();
            }

            @Override
            protected void onCompleteFailure(Throwable cause) {
                callback.failed(cause);
            }
        }.iterate();
    }

    /** Reads the body chunk by chunk as it arrives (never blocking), counting it. */
    private static final class Upload implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private long bytes;

        Upload(Request request, Response response, Callback callback) {
            this.request = request;
            this.response = response;
            this.callback = callback;
        }

        @Override
        public void run() {
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    callback.failed(chunk.getFailure());
                    return;
                }
                bytes += chunk.remaining();
                chunk.release();
                if (chunk.isLast()) {
                    json(response, 200, ("{\"bytes\":" + bytes + "}").getBytes(StandardCharsets.UTF_8), callback);
                    return;
                }
            }
        }
    }
}
