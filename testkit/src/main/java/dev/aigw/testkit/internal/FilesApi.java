package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static dev.aigw.testkit.internal.Replies.field;
import static dev.aigw.testkit.internal.Replies.problem;
import static dev.aigw.testkit.internal.Replies.validationFailed;

/**
 * {@code /files...} of the fake Replicate (spec §2, file object in §2 details).
 *
 * <p>Internal: not API, may change in any release.
 */
final class FilesApi {
    private final ReplicateEngine engine;
    private final Replies replies;
    private final long maxFileSize;

    FilesApi(ReplicateEngine engine, Replies replies, long maxFileSize) {
        this.engine = engine;
        this.replies = replies;
        this.maxFileSize = maxFileSize;
    }

    /** Authenticated {@code /files...} routes (the signed download is routed before authentication). */
    boolean route(Request req, Response resp, Callback cb, byte[] body, String method, List<String> s) {
        switch (method + " " + s.size()) {
            case "GET 1" -> Http.sendJson(resp, cb, 200, replies.page("/files", req.getHttpURI().getQuery(),
                    engine.files(), engine::fileJson));
            case "POST 1" -> upload(req, resp, cb, body);
            case "GET 2" -> {
                ReplicateEngine.StoredFile f = engine.file(s.get(1));
                if (f == null) {
                    fileNotFound(resp, cb);
                } else {
                    Http.sendJson(resp, cb, 200, engine.fileJson(f));
                }
            }
            case "DELETE 2" -> {
                if (engine.deleteFile(s.get(1))) {
                    Http.send(resp, cb, 204, "text/plain; charset=UTF-8", new byte[0]);
                } else {
                    fileNotFound(resp, cb);
                }
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    private void upload(Request req, Response resp, Callback cb, byte[] body) {
        List<Multipart.Part> parts = Multipart.parse(Http.header(req, "Content-Type"), body);
        Multipart.Part content = parts == null ? null
                : parts.stream().filter(p -> "content".equals(p.name())).findFirst().orElse(null);
        if (content == null) {
            validationFailed(resp, cb, List.of(field("required", "content", "content is required")));
            return;
        }
        if (content.content().length > maxFileSize) {
            Replies.tooLarge(resp, cb);
            return;
        }
        String filename = content.filename() != null ? content.filename() : "file";
        String type = content.contentType() != null ? content.contentType() : "application/octet-stream";
        Object metadata = Map.of();
        for (Multipart.Part p : parts) {
            if ("filename".equals(p.name())) {
                filename = p.text();
            } else if ("type".equals(p.name())) {
                type = p.text();
            } else if ("metadata".equals(p.name())) {
                JsonNode meta = Json.parseOrNull(p.content());
                if (meta == null || !meta.isObject()) {
                    validationFailed(resp, cb, List.of(field("type", "metadata", "metadata must be a JSON object")));
                    return;
                }
                metadata = Json.toPlain(meta);
            }
        }
        ReplicateEngine.StoredFile f = engine.putFile(new ReplicateEngine.StoredFile(Ids.fileId(), filename, type,
                FileContent.of(content.content()), metadata, Instant.now()));
        Http.sendJson(resp, cb, 201, engine.fileJson(f));
    }

    void download(Request req, Response resp, Callback cb, String id) {
        Map<String, String> q = Http.queryParams(req.getHttpURI().getQuery());
        ReplicateEngine.StoredFile f = engine.file(id);
        // Signed URL: the three parameters are required; the fake does not check the signature value itself.
        if (f == null || !q.containsKey("owner") || !q.containsKey("expiry") || !q.containsKey("signature")) {
            fileNotFound(resp, cb);
            return;
        }
        f.content().send(resp, cb, "application/octet-stream");
    }

    private static void fileNotFound(Response resp, Callback cb) {
        problem(resp, cb, 404, null, "File not found", null);
    }
}
