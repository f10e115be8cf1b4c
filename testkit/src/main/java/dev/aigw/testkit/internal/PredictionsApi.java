package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.aigw.testkit.internal.Replies.field;
import static dev.aigw.testkit.internal.Replies.invalidVersion;
import static dev.aigw.testkit.internal.Replies.notFound;
import static dev.aigw.testkit.internal.Replies.problem;
import static dev.aigw.testkit.internal.Replies.validationFailed;

/**
 * Predictions and trainings of the fake Replicate: {@code /predictions}, {@code /trainings}, the create endpoints
 * the model and deployment families hand over, the SSE stream and output file delivery.
 *
 * <p>Internal: not API, may change in any release.
 */
final class PredictionsApi {
    private static final Pattern PREFER = Pattern.compile("^wait(=([1-9]|[1-9][0-9]))?$");
    private static final Pattern CANCEL_AFTER = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s?)?$");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Set<String> CREATE_FIELDS = Set.of("input", "webhook", "webhook_events_filter",
            "webhook_completed", "stream");
    private static final Set<String> EVENTS = Set.of("start", "output", "logs", "completed");

    private final ReplicateEngine engine;
    private final ReplicateCatalog catalog;
    private final Replies replies;
    private final Duration minCancelAfter;

    PredictionsApi(ReplicateEngine engine, Replies replies, Duration minCancelAfter) {
        this.engine = engine;
        this.catalog = engine.catalog();
        this.replies = replies;
        this.minCancelAfter = minCancelAfter;
    }

    /** {@code /predictions...} and {@code /trainings...}; false when no route matches. */
    boolean route(Request req, Response resp, Callback cb, byte[] body, String method, List<String> s)
            throws InterruptedException {
        Prediction.Kind kind = s.get(0).equals("trainings") ? Prediction.Kind.TRAINING : Prediction.Kind.PREDICTION;
        String query = req.getHttpURI().getQuery();
        switch (method + " " + s.size()) {
            case "GET 1" -> {
                List<Prediction> list = engine.list(kind);
                Http.sendJson(resp, cb, 200, replies.page("/" + s.get(0), query,
                        kind == Prediction.Kind.PREDICTION ? filterByDate(list, query) : list, engine::json));
            }
            case "POST 1" -> {
                if (kind == Prediction.Kind.TRAINING) {
                    return false;
                }
                create(req, resp, cb, body, true, json -> resolveVersion(json.path("version").asText()), null);
            }
            case "GET 2" -> showPrediction(resp, cb, s.get(1), kind, false);
            case "POST 3" -> {
                if (!s.get(2).equals("cancel")) {
                    return false;
                }
                showPrediction(resp, cb, s.get(1), kind, true);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /**
     * Shared by the three create endpoints. {@code withVersion}: the body names the model by its {@code version}
     * field ({@code POST /predictions}); {@code resolve} finds what runs once the body is valid (null: 422).
     */
    void create(Request req, Response resp, Callback cb, byte[] body, boolean withVersion,
                Function<JsonNode, ModelDef.Snapshot> resolve, String deployment) throws InterruptedException {
        JsonNode json = Replies.jsonObject(resp, cb, body);
        if (json == null) {
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        Set<String> allowed = new LinkedHashSet<>(CREATE_FIELDS);
        if (withVersion) {
            allowed.add("version");
        }
        Replies.onlyFields(json, allowed, invalid);
        if (withVersion && !json.path("version").isTextual()) {
            invalid.add(field("required", "version", "version is required"));
        }
        Set<String> filter = inputAndWebhook(json, invalid);
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        ModelDef.Snapshot spec = resolve.apply(json);
        if (spec == null) {
            invalidVersion(resp, cb);
            return;
        }
        for (String required : spec.requiredInputs()) {
            if (!json.path("input").has(required)) {
                invalid.add(field("required", "input", required + " is required"));
            }
        }
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        String preferHeader = Http.header(req, "Prefer");
        Duration wait = null;
        if (preferHeader != null) {
            Matcher pm = PREFER.matcher(preferHeader.trim());
            // wait=N for N in 1..60; anything else is ignored (UNCONFIRMED, see README) and the create is async.
            if (pm.matches() && (pm.group(2) == null || Integer.parseInt(pm.group(2)) <= 60)) {
                wait = Duration.ofSeconds(pm.group(2) == null ? 60 : Integer.parseInt(pm.group(2)));
            }
        }
        Duration cancelAfter = null;
        String cancelHeader = Http.header(req, "Cancel-After");
        if (cancelHeader != null) {
            cancelAfter = parseCancelAfter(cancelHeader.trim());
            if (cancelAfter == null || cancelAfter.compareTo(minCancelAfter) < 0) {
                problem(resp, cb, 400, "Invalid Cancel-After header", "Cancel-After must be a duration like 30s, "
                        + "5m or 1h30m and at least " + minCancelAfter.toSeconds() + "s", null);
                return;
            }
        }
        String webhook = json.path("webhook").isTextual() ? json.path("webhook").asText()
                : json.path("webhook_completed").isTextual() ? json.path("webhook_completed").asText() : null;
        if (webhook != null && json.path("webhook").isMissingNode()) {
            filter = Set.of("completed"); // legacy webhook_completed only fires on completion
        }
        Prediction p = engine.create(Prediction.Kind.PREDICTION, spec, Json.toPlain(json.path("input")), deployment,
                cancelAfter, webhook, filter, wait != null, null);
        if (wait != null) {
            engine.awaitTerminal(p, wait);
            resp.getHeaders().put("Preference-Applied", preferHeader.trim());
        }
        sendCreated(resp, cb, p);
    }

    private void sendCreated(Response resp, Callback cb, Prediction p) {
        Map<String, Object> j = engine.json(p);
        @SuppressWarnings("unchecked")
        Map<String, Object> urls = (Map<String, Object>) j.get("urls");
        resp.getHeaders().put(HttpHeader.LOCATION, (String) urls.get("get"));
        Http.sendJson(resp, cb, 201, j);
    }

    /** Checks {@code input} (required object) and the webhook fields; returns the events filter (null: default). */
    private Set<String> inputAndWebhook(JsonNode json, List<Map<String, String>> invalid) {
        if (!json.path("input").isObject()) {
            invalid.add(field("required", "input", "input is required"));
        }
        JsonNode hook = json.path("webhook");
        if (!hook.isMissingNode() && !hook.isNull()) {
            String text = hook.asText("");
            if (!hook.isTextual() || !(text.startsWith("http://") || text.startsWith("https://"))) {
                invalid.add(field("format", "webhook", "Does not match format 'uri'"));
            }
        }
        JsonNode f = json.path("webhook_events_filter");
        if (f.isMissingNode() || f.isNull()) {
            return null;
        }
        Set<String> events = new LinkedHashSet<>();
        if (!f.isArray()) {
            invalid.add(field("type", "webhook_events_filter", "Invalid type. Expected: array"));
            return null;
        }
        for (JsonNode e : f) {
            if (EVENTS.contains(e.asText())) {
                events.add(e.asText());
            } else {
                invalid.add(field("enum", "webhook_events_filter", "webhook_events_filter must be one of the "
                        + "following: \"start\", \"output\", \"logs\", \"completed\""));
            }
        }
        return events;
    }

    /** The three {@code version} forms of spec §2: owner/name (official only), owner/name:hex, hex. */
    ModelDef.Snapshot resolveVersion(String version) {
        if (HEX64.matcher(version).matches()) {
            ModelDef m = catalog.findByVersion(version);
            return m == null ? null : m.snapshot(version);
        }
        int colon = version.indexOf(':');
        if (colon > 0) {
            ModelDef m = catalog.findModel(version.substring(0, colon));
            String id = version.substring(colon + 1);
            return m != null && m.findVersion(id) != null ? m.snapshot(id) : null;
        }
        return officialLatest(catalog.findModel(version));
    }

    /** {@code owner/name} runs an official model's latest version (spec §2); a model without versions cannot run. */
    static ModelDef.Snapshot officialLatest(ModelDef m) {
        return m != null && m.official() && m.version() != null ? m.snapshot() : null;
    }

    static Duration parseCancelAfter(String value) {
        Matcher m = CANCEL_AFTER.matcher(value);
        if (value.isEmpty() || !m.matches()) {
            return null;
        }
        long seconds = 0;
        seconds += m.group(1) == null ? 0 : Long.parseLong(m.group(1)) * 3600;
        seconds += m.group(2) == null ? 0 : Long.parseLong(m.group(2)) * 60;
        seconds += m.group(3) == null ? 0 : Long.parseLong(m.group(3));
        return Duration.ofSeconds(seconds);
    }

    private void showPrediction(Response resp, Callback cb, String id, Prediction.Kind kind, boolean cancel) {
        Prediction p = engine.get(id, kind);
        if (p == null) {
            notFound(resp, cb);
            return;
        }
        if (cancel) {
            engine.cancel(p);
        }
        Http.sendJson(resp, cb, 200, engine.json(p));
    }

    /** {@code POST /models/{o}/{n}/versions/{id}/trainings}; {@code model} null when unknown (422). */
    void createTraining(Response resp, Callback cb, byte[] body, ModelDef model, String versionId) {
        JsonNode json = Replies.jsonObject(resp, cb, body);
        if (json == null) {
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        if (!json.path("destination").isTextual()) {
            invalid.add(field("required", "destination", "destination is required"));
        }
        Set<String> filter = inputAndWebhook(json, invalid);
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        if (model == null || model.findVersion(versionId) == null) {
            invalidVersion(resp, cb);
            return;
        }
        String destination = json.path("destination").asText();
        if (catalog.findModel(destination) == null) {
            problem(resp, cb, 404, null, "The specified training destination does not exist", null);
            return;
        }
        Prediction p = engine.create(Prediction.Kind.TRAINING, model.snapshot(versionId), Json.toPlain(json.path("input")),
                null, null, json.path("webhook").isTextual() ? json.path("webhook").asText() : null, filter, false,
                destination);
        sendCreated(resp, cb, p);
    }

    // ---- streaming and delivery ------------------------------------------------------------------------------

    void stream(Request req, Response resp, Callback cb, String id) throws IOException, InterruptedException {
        Prediction p = engine.get(id, Prediction.Kind.PREDICTION);
        if (p == null || !p.spec.streaming()) {
            notFound(resp, cb);
            return;
        }
        int index = 0;
        String lastId = Http.header(req, "Last-Event-ID");
        if (lastId != null) {
            synchronized (p) {
                for (int i = 0; i < p.events.size(); i++) {
                    if (p.events.get(i).id().equals(lastId)) {
                        index = i + 1;
                    }
                }
            }
        }
        resp.setStatus(200);
        resp.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream");
        resp.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        // Commit the headers now so clients (and the gateway's first-byte timeout) see the stream open at once.
        Http.writeBlocking(resp, false, ByteBuffer.allocate(0));
        while (true) {
            Prediction.Event e = engine.awaitEvent(p, index++);
            if (e == null) {
                break;
            }
            StringBuilder sb = new StringBuilder("event: ").append(e.type()).append("\nid: ").append(e.id()).append('\n');
            for (String line : e.data().split("\n", -1)) {
                sb.append("data: ").append(line).append('\n');
            }
            Http.writeBlocking(resp, false, ByteBuffer.wrap(sb.append('\n').toString().getBytes(StandardCharsets.UTF_8)));
            if (e.type().equals("done")) {
                break;
            }
        }
        Http.writeBlocking(resp, true, ByteBuffer.allocate(0));
        cb.succeeded();
    }

    void delivery(Response resp, Callback cb, String id, String name) {
        Prediction p = engine.get(id, Prediction.Kind.PREDICTION);
        if (p == null) {
            p = engine.get(id, Prediction.Kind.TRAINING);
        }
        if (p != null && name.equals("weights.tar")) {
            Http.send(resp, cb, 200, "application/x-tar", ("weights of " + id).getBytes(StandardCharsets.UTF_8));
            return;
        }
        if (p != null) {
            List<ModelDef.FileOut> files = p.spec.files();
            for (int i = 0; i < files.size(); i++) {
                if (ReplicateEngine.fileName(i, files.get(i).contentType()).equals(name)) {
                    Http.send(resp, cb, 200, files.get(i).contentType(), files.get(i).bytes());
                    return;
                }
            }
        }
        notFound(resp, cb);
    }

    private static List<Prediction> filterByDate(List<Prediction> list, String query) {
        Map<String, String> q = Http.queryParams(query);
        Predicate<Prediction> keep = p -> true;
        try {
            if (q.containsKey("created_after")) {
                Instant after = Instant.parse(q.get("created_after"));
                keep = keep.and(p -> p.createdAt.isAfter(after));
            }
            if (q.containsKey("created_before")) {
                Instant before = Instant.parse(q.get("created_before"));
                keep = keep.and(p -> p.createdAt.isBefore(before));
            }
        } catch (RuntimeException ignored) {
            // Unparseable dates are ignored rather than rejected (UNCONFIRMED real behaviour).
        }
        return list.stream().filter(keep).toList();
    }
}
