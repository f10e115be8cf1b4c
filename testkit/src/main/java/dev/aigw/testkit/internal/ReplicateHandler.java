package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import dev.aigw.testkit.RecordedRequest;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * HTTP surface of the fake Replicate (spec §2), routed by hand over Jetty's core API.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ReplicateHandler extends Handler.Abstract {
    public record Config(Set<String> tokens, String webhookSecret, int pageSize, long maxFileSize,
                         Duration minCancelAfter, int bodyCap, boolean retryAfterHeader) {
    }

    private static final Pattern PREFER = Pattern.compile("^wait(=([1-9]|[1-9][0-9]))?$");
    private static final Pattern CANCEL_AFTER = Pattern.compile("^(?:(\\d+)h)?(?:(\\d+)m)?(?:(\\d+)s?)?$");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");
    private static final Set<String> CREATE_FIELDS = Set.of("input", "webhook", "webhook_events_filter",
            "webhook_completed", "stream");
    private static final Set<String> EVENTS = Set.of("start", "output", "logs", "completed");
    private static final List<Map<String, String>> HARDWARE = List.of(
            Map.of("name", "CPU", "sku", "cpu"),
            Map.of("name", "Nvidia T4 GPU", "sku", "gpu-t4"),
            Map.of("name", "Nvidia A40 GPU", "sku", "gpu-a40-small"),
            Map.of("name", "Nvidia A40 (Large) GPU", "sku", "gpu-a40-large"));

    private final Config config;
    private final ReplicateEngine engine;
    private final FaultPlan faults;
    private final RequestJournal<RecordedRequest> journal;
    private final java.util.function.Supplier<String> publicBase;
    private final AtomicInteger throttleAll = new AtomicInteger();
    private final AtomicInteger throttleCreates = new AtomicInteger();
    private volatile int retryAfterSeconds = 5;
    private volatile boolean billingRequired;

    public ReplicateHandler(Config config, ReplicateEngine engine, FaultPlan faults,
                            RequestJournal<RecordedRequest> journal, java.util.function.Supplier<String> publicBase) {
        this.config = config;
        this.engine = engine;
        this.faults = faults;
        this.journal = journal;
        this.publicBase = publicBase;
    }

    public void throttle(int n, Duration retryAfter, boolean createsOnly) {
        retryAfterSeconds = (int) Math.max(1, retryAfter.toSeconds());
        (createsOnly ? throttleCreates : throttleAll).set(n);
    }

    public void billingRequired(boolean on) {
        billingRequired = on;
    }

    public void reset() {
        throttleAll.set(0);
        throttleCreates.set(0);
        billingRequired = false;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        try {
            long declared = request.getHeaders().getLongField(HttpHeader.CONTENT_LENGTH);
            long limit = config.maxFileSize() + 64 * 1024; // multipart framing on top of the file itself
            if (declared > limit) {
                journal.add(Http.record(request, new byte[0], declared, 0));
                tooLarge(response, callback);
                return true;
            }
            Http.Body body = Http.readBody(request, limit);
            journal.add(Http.record(request, body.bytes(), body.bytes().length, config.bodyCap()));
            if (body.truncated()) {
                tooLarge(response, callback);
                return true;
            }
            Response out = faults.apply(request, response, callback,
                    (r, c, status) -> problem(r, c, status, "Internal Server Error", "Injected fault", null));
            if (out != null) {
                route(request, out, callback, body.bytes());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            callback.failed(e);
        } catch (Throwable t) {
            callback.failed(t);
        }
        return true;
    }

    private void tooLarge(Response response, Callback callback) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        problem(response, callback, 413, null, "Files must be less than 100MB in size", null);
    }

    private void route(Request req, Response resp, Callback cb, byte[] body) throws Exception {
        String path = req.getHttpURI().getPath();
        String method = req.getMethod();
        List<String> seg = segments(path);
        if (seg.size() == 3 && seg.get(0).equals("delivery") && method.equals("GET")) {
            delivery(resp, cb, seg.get(1), seg.get(2));
            return;
        }
        if (seg.size() == 4 && seg.get(0).equals("stream") && seg.get(2).equals("predictions")) {
            stream(req, resp, cb, seg.get(3));
            return;
        }
        if (seg.isEmpty() || !seg.get(0).equals("v1")) {
            notFound(resp, cb);
            return;
        }
        seg = seg.subList(1, seg.size());
        if (seg.size() == 3 && seg.get(0).equals("files") && seg.get(2).equals("download") && method.equals("GET")) {
            download(req, resp, cb, seg.get(1));
            return;
        }
        if (!authorized(req)) {
            problem(resp, cb, 401, "Unauthenticated", "You did not pass a valid authentication token", null);
            return;
        }
        boolean isCreate = method.equals("POST") && (path.equals("/v1/predictions")
                || (seg.size() == 4 && seg.get(3).equals("predictions")
                && (seg.get(0).equals("models") || seg.get(0).equals("deployments"))));
        resp.getHeaders().put("ratelimit-remaining", isCreate ? "599" : "2999");
        resp.getHeaders().put("ratelimit-reset", "1");
        if (takeOne(throttleAll) || (isCreate && takeOne(throttleCreates))) {
            int s = retryAfterSeconds;
            resp.getHeaders().put("ratelimit-remaining", "0");
            resp.getHeaders().put("ratelimit-reset", Integer.toString(s));
            if (config.retryAfterHeader()) {
                resp.getHeaders().put(HttpHeader.RETRY_AFTER, Integer.toString(s));
            }
            problem(resp, cb, 429, null, "Request was throttled. Your rate limit resets in ~" + s + "s.",
                    Map.of("retry_after", s));
            return;
        }
        if (isCreate && billingRequired) {
            problem(resp, cb, 402, "Billing required", "You need to set up billing to run this model. Go to "
                    + "https://replicate.com/account/billing#billing to set it up. If you have recently set up "
                    + "billing, please wait a few minutes before trying again.", null);
            return;
        }
        dispatch(req, resp, cb, body, method, seg);
    }

    private static boolean takeOne(AtomicInteger counter) {
        return counter.getAndUpdate(n -> n > 0 ? n - 1 : 0) > 0;
    }

    private void dispatch(Request req, Response resp, Callback cb, byte[] body, String method, List<String> s)
            throws Exception {
        String first = s.isEmpty() ? "" : s.get(0);
        int n = s.size();
        String query = req.getHttpURI().getQuery();
        switch (method + " " + first + "/" + n) {
            case "GET account/1" -> Http.sendJson(resp, cb, 200, account());
            case "GET hardware/1" -> Http.sendJson(resp, cb, 200, HARDWARE);
            case "GET webhooks/3" -> {
                if (s.get(1).equals("default") && s.get(2).equals("secret")) {
                    Http.sendJson(resp, cb, 200, Map.of("key", config.webhookSecret()));
                } else {
                    notFound(resp, cb);
                }
            }
            case "GET predictions/1" -> Http.sendJson(resp, cb, 200, page("/predictions", query,
                    filterByDate(engine.list(Prediction.Kind.PREDICTION), query), engine::json));
            case "POST predictions/1" -> create(req, resp, cb, body, null, null);
            case "GET predictions/2" -> showPrediction(resp, cb, s.get(1), Prediction.Kind.PREDICTION, false);
            case "POST predictions/3" -> showPrediction(resp, cb, s.get(1), Prediction.Kind.PREDICTION,
                    s.get(2).equals("cancel"));
            case "GET trainings/1" -> Http.sendJson(resp, cb, 200, page("/trainings", query,
                    engine.list(Prediction.Kind.TRAINING), engine::json));
            case "GET trainings/2" -> showPrediction(resp, cb, s.get(1), Prediction.Kind.TRAINING, false);
            case "POST trainings/3" -> showPrediction(resp, cb, s.get(1), Prediction.Kind.TRAINING,
                    s.get(2).equals("cancel"));
            case "POST models/4", "POST deployments/4" -> {
                if (!s.get(3).equals("predictions")) {
                    notFound(resp, cb);
                } else if (first.equals("models")) {
                    create(req, resp, cb, body, s.get(1) + "/" + s.get(2), null);
                } else {
                    String model = engine.deploymentModel(s.get(1) + "/" + s.get(2));
                    if (model == null) {
                        problem(resp, cb, 404, "Not found", "Deployment not found", null);
                    } else {
                        create(req, resp, cb, body, model, s.get(1) + "/" + s.get(2));
                    }
                }
            }
            case "GET models/1" -> Http.sendJson(resp, cb, 200, page("/models", query, engine.models(),
                    engine::modelJson));
            case "QUERY models/1" -> {
                String text = Http.utf8(body).trim().replaceAll("^\"|\"$", "").toLowerCase(Locale.ROOT);
                List<ModelDef> hits = engine.models().stream().filter(m -> (m.fullName() + " " + m.description())
                        .toLowerCase(Locale.ROOT).contains(text)).toList();
                Http.sendJson(resp, cb, 200, page("/models", query, hits, engine::modelJson));
            }
            case "GET models/3" -> withModel(resp, cb, s, m -> Http.sendJson(resp, cb, 200, engine.modelJson(m)));
            case "GET models/4" -> withModel(resp, cb, s, m -> {
                if (s.get(3).equals("versions")) {
                    Http.sendJson(resp, cb, 200, page("/models/" + m.fullName() + "/versions", query, List.of(m),
                            engine::versionJson));
                } else {
                    notFound(resp, cb);
                }
            });
            case "GET models/5" -> withModel(resp, cb, s, m -> {
                if (s.get(3).equals("versions") && s.get(4).equals(m.version())) {
                    Http.sendJson(resp, cb, 200, engine.versionJson(m));
                } else {
                    notFound(resp, cb);
                }
            });
            case "POST models/6" -> createTraining(req, resp, cb, body, s);
            case "GET deployments/3" -> {
                String model = engine.deploymentModel(s.get(1) + "/" + s.get(2));
                if (model == null) {
                    problem(resp, cb, 404, "Not found", "Deployment not found", null);
                } else {
                    Http.sendJson(resp, cb, 200, deploymentJson(s.get(1), s.get(2), engine.findModel(model)));
                }
            }
            case "GET files/1" -> Http.sendJson(resp, cb, 200, page("/files", query, engine.files(), engine::fileJson));
            case "POST files/1" -> upload(req, resp, cb, body);
            case "GET files/2" -> {
                ReplicateEngine.StoredFile f = engine.file(s.get(1));
                if (f == null) {
                    problem(resp, cb, 404, null, "File not found", null);
                } else {
                    Http.sendJson(resp, cb, 200, engine.fileJson(f));
                }
            }
            case "DELETE files/2" -> {
                if (engine.deleteFile(s.get(1))) {
                    Http.send(resp, cb, 204, "text/plain; charset=UTF-8", new byte[0]);
                } else {
                    problem(resp, cb, 404, null, "File not found", null);
                }
            }
            default -> notFound(resp, cb);
        }
    }

    private interface ModelAction {
        void run(ModelDef m) throws Exception;
    }

    private void withModel(Response resp, Callback cb, List<String> s, ModelAction action) throws Exception {
        ModelDef m = engine.findModel(s.get(1) + "/" + s.get(2));
        if (m == null) {
            problem(resp, cb, 404, "Not found", "Model not found", null);
        } else {
            action.run(m);
        }
    }

    // ---- predictions -----------------------------------------------------------------------------------------

    /**
     * Shared by the three create endpoints. {@code modelName} is null for {@code POST /predictions}, where the
     * {@code version} field picks the model in one of its three forms.
     */
    private void create(Request req, Response resp, Callback cb, byte[] body, String modelName, String deployment)
            throws InterruptedException {
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject()) {
            problem(resp, cb, 400, "Bad request", "Request body must be a JSON object", null);
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        Set<String> allowed = new LinkedHashSet<>(CREATE_FIELDS);
        if (modelName == null) {
            allowed.add("version");
        }
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!allowed.contains(f)) {
                invalid.add(field("additional_property_not_allowed", "", "Additional property " + f + " is not allowed"));
            }
        }
        if (modelName == null && !json.path("version").isTextual()) {
            invalid.add(field("required", "version", "version is required"));
        }
        if (!json.path("input").isObject()) {
            invalid.add(field("required", "input", "input is required"));
        }
        Set<String> filter = webhookFields(json, invalid);
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        ModelDef model = modelName != null ? engine.findModel(modelName) : resolveVersion(json.path("version").asText());
        if (model == null || (modelName != null && deployment == null && !model.official())) {
            invalidVersion(resp, cb);
            return;
        }
        ModelDef.Snapshot spec = model.snapshot();
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
            if (cancelAfter == null || cancelAfter.compareTo(config.minCancelAfter()) < 0) {
                problem(resp, cb, 400, "Invalid Cancel-After header", "Cancel-After must be a duration like 30s, "
                        + "5m or 1h30m and at least " + config.minCancelAfter().toSeconds() + "s", null);
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

    private Set<String> webhookFields(JsonNode json, List<Map<String, String>> invalid) {
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
    private ModelDef resolveVersion(String version) {
        if (HEX64.matcher(version).matches()) {
            return engine.findByVersion(version);
        }
        int colon = version.indexOf(':');
        if (colon > 0) {
            ModelDef m = engine.findModel(version.substring(0, colon));
            return m != null && m.version().equals(version.substring(colon + 1)) ? m : null;
        }
        ModelDef m = engine.findModel(version);
        return m != null && m.official() ? m : null;
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
            problem(resp, cb, 404, "Not found", "Not found.", null);
            return;
        }
        if (cancel) {
            engine.cancel(p);
        }
        Http.sendJson(resp, cb, 200, engine.json(p));
    }

    private void createTraining(Request req, Response resp, Callback cb, byte[] body, List<String> s) {
        if (!s.get(3).equals("versions") || !s.get(5).equals("trainings")) {
            notFound(resp, cb);
            return;
        }
        JsonNode json = Json.parseOrNull(body);
        if (json == null || !json.isObject()) {
            problem(resp, cb, 400, "Bad request", "Request body must be a JSON object", null);
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        if (!json.path("destination").isTextual()) {
            invalid.add(field("required", "destination", "destination is required"));
        }
        if (!json.path("input").isObject()) {
            invalid.add(field("required", "input", "input is required"));
        }
        Set<String> filter = webhookFields(json, invalid);
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        ModelDef model = engine.findModel(s.get(1) + "/" + s.get(2));
        if (model == null || !model.version().equals(s.get(4))) {
            invalidVersion(resp, cb);
            return;
        }
        String destination = json.path("destination").asText();
        if (engine.findModel(destination) == null) {
            problem(resp, cb, 404, null, "The specified training destination does not exist", null);
            return;
        }
        Prediction p = engine.create(Prediction.Kind.TRAINING, model.snapshot(), Json.toPlain(json.path("input")),
                null, null, json.path("webhook").isTextual() ? json.path("webhook").asText() : null, filter, false,
                destination);
        sendCreated(resp, cb, p);
    }

    // ---- streaming and delivery ------------------------------------------------------------------------------

    private void stream(Request req, Response resp, Callback cb, String id) throws IOException, InterruptedException {
        Prediction p = engine.get(id, Prediction.Kind.PREDICTION);
        if (p == null || !p.spec.streaming()) {
            problem(resp, cb, 404, "Not found", "Not found.", null);
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

    private void delivery(Response resp, Callback cb, String id, String name) {
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

    // ---- files -----------------------------------------------------------------------------------------------

    private void upload(Request req, Response resp, Callback cb, byte[] body) {
        List<Multipart.Part> parts = Multipart.parse(Http.header(req, "Content-Type"), body);
        Multipart.Part content = parts == null ? null
                : parts.stream().filter(p -> "content".equals(p.name())).findFirst().orElse(null);
        if (content == null) {
            validationFailed(resp, cb, List.of(field("required", "content", "content is required")));
            return;
        }
        if (content.content().length > config.maxFileSize()) {
            tooLarge(resp, cb);
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

    private void download(Request req, Response resp, Callback cb, String id) {
        Map<String, String> q = Http.queryParams(req.getHttpURI().getQuery());
        ReplicateEngine.StoredFile f = engine.file(id);
        // Signed URL: the three parameters are required; the fake does not check the signature value itself.
        if (f == null || !q.containsKey("owner") || !q.containsKey("expiry") || !q.containsKey("signature")) {
            problem(resp, cb, 404, null, "File not found", null);
            return;
        }
        f.content().send(resp, cb, "application/octet-stream");
    }

    // ---- helpers ---------------------------------------------------------------------------------------------

    private boolean authorized(Request req) {
        String auth = Http.header(req, "Authorization");
        if (auth == null) {
            return false;
        }
        int space = auth.indexOf(' ');
        if (space < 0) {
            return false;
        }
        String scheme = auth.substring(0, space);
        return (scheme.equalsIgnoreCase("Bearer") || scheme.equalsIgnoreCase("Token"))
                && config.tokens().contains(auth.substring(space + 1).trim());
    }

    private Map<String, Object> account() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("type", "user");
        a.put("username", "testkit");
        a.put("name", "aigw testkit");
        a.put("github_url", null);
        a.put("avatar_url", null);
        return a;
    }

    private Map<String, Object> deploymentJson(String owner, String name, ModelDef m) {
        Map<String, Object> release = new LinkedHashMap<>();
        release.put("number", 1);
        release.put("model", m.fullName());
        release.put("version", m.version());
        release.put("created_at", m.createdAt.toString());
        release.put("created_by", Map.of("type", "user", "username", "testkit"));
        release.put("configuration", Map.of("hardware", "gpu-t4", "min_instances", 0, "max_instances", 1));
        return Map.of("owner", owner, "name", name, "current_release", release);
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

    /** Cursor pagination with absolute next/previous URLs (spec §8); the cursor is base64 of an offset. */
    private <T> Map<String, Object> page(String path, String query, List<T> items,
                                         java.util.function.Function<T, Object> render) {
        int offset = 0;
        String cursor = Http.queryParams(query).get("cursor");
        if (cursor != null) {
            try {
                offset = Integer.parseInt(new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8)
                        .substring(2));
            } catch (RuntimeException e) {
                offset = 0;
            }
        }
        int size = config.pageSize();
        int from = Math.min(Math.max(offset, 0), items.size());
        int to = Math.min(from + size, items.size());
        List<Object> results = new ArrayList<>();
        for (T item : items.subList(from, to)) {
            results.add(render.apply(item));
        }
        Map<String, Object> page = new LinkedHashMap<>();
        page.put("previous", from > 0 ? cursorUrl(path, Math.max(0, from - size)) : null);
        page.put("next", to < items.size() ? cursorUrl(path, to) : null);
        page.put("results", results);
        return page;
    }

    private String cursorUrl(String path, int offset) {
        String cursor = Base64.getUrlEncoder().withoutPadding().encodeToString(("o=" + offset).getBytes(StandardCharsets.UTF_8));
        return publicBase.get() + path + "?cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8);
    }

    private static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static Map<String, String> field(String type, String field, String description) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("type", type);
        m.put("field", field);
        m.put("description", description);
        return m;
    }

    private void validationFailed(Response resp, Callback cb, List<Map<String, String>> invalid) {
        StringBuilder detail = new StringBuilder();
        for (Map<String, String> f : invalid) {
            detail.append("- ").append(f.get("field").isEmpty() ? "(root)" : f.get("field")).append(": ")
                    .append(f.get("description")).append('\n');
        }
        problem(resp, cb, 422, "Input validation failed", detail.toString(), Map.of("invalid_fields", invalid));
    }

    /** Spec §7: unknown or forbidden version (also what real accounts without billing sometimes see). */
    private static void invalidVersion(Response resp, Callback cb) {
        problem(resp, cb, 422, "Invalid version or not permitted", "The specified version does not exist (or "
                + "perhaps you don't have permission to use it?)", null);
    }

    private void notFound(Response resp, Callback cb) {
        problem(resp, cb, 404, "Not found", "Not found.", null);
    }

    /** RFC 7807 body as Replicate sends it (spec §7). */
    static void problem(Response resp, Callback cb, int status, String title, String detail, Map<String, Object> extra) {
        Map<String, Object> body = new LinkedHashMap<>();
        if (title != null) {
            body.put("title", title);
        }
        body.put("detail", detail);
        body.put("status", status);
        if (extra != null) {
            body.putAll(extra);
        }
        Http.send(resp, cb, status, "application/problem+json", Json.bytes(body));
    }
}
