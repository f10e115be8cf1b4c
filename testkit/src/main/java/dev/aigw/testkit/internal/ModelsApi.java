package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

import static dev.aigw.testkit.internal.Replies.field;
import static dev.aigw.testkit.internal.Replies.notFound;
import static dev.aigw.testkit.internal.Replies.problem;
import static dev.aigw.testkit.internal.Replies.validationFailed;

/**
 * {@code /models...} of the fake Replicate: catalogue, model management, versions, and the two creates.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ModelsApi {
    /** Owner and model names: path-safe, as Replicate's own (letters, digits, dot, dash, underscore). */
    static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Set<String> CREATE_FIELDS = Set.of("owner", "name", "visibility", "hardware", "description",
            "github_url", "paper_url", "license_url", "cover_image_url");
    private static final Set<String> UPDATE_FIELDS = Set.of("description", "readme", "github_url", "paper_url",
            "license_url", "weights_url");

    private final ReplicateEngine engine;
    private final ReplicateCatalog catalog;
    private final Replies replies;
    private final PredictionsApi predictions;

    ModelsApi(ReplicateEngine engine, Replies replies, PredictionsApi predictions) {
        this.engine = engine;
        this.catalog = engine.catalog();
        this.replies = replies;
        this.predictions = predictions;
    }

    boolean route(Request req, Response resp, Callback cb, byte[] body, String method, List<String> s)
            throws InterruptedException {
        String query = req.getHttpURI().getQuery();
        if (s.size() == 1) {
            switch (method) {
                case "GET" -> Http.sendJson(resp, cb, 200, replies.page("/models", query, sorted(query),
                        catalog::modelJson));
                case "POST" -> create(resp, cb, body);
                case "QUERY" -> {
                    String text = Http.utf8(body).trim().replaceAll("^\"|\"$", "").toLowerCase(Locale.ROOT);
                    Http.sendJson(resp, cb, 200, replies.page("/models", query, search(text), catalog::modelJson));
                }
                default -> {
                    return false;
                }
            }
            return true;
        }
        if (s.size() < 3) {
            return false;
        }
        String fullName = s.get(1) + "/" + s.get(2);
        String sub = method + " " + String.join("/", s.subList(3, Math.min(s.size(), 4))) + "/" + s.size();
        if (sub.equals("POST predictions/4")) { // an unknown model is an invalid version here (spec §7), not a 404
            predictions.create(req, resp, cb, body, false,
                    json -> PredictionsApi.officialLatest(catalog.findModel(fullName)), null);
            return true;
        }
        if (sub.equals("POST versions/6") && s.get(5).equals("trainings")) {
            predictions.createTraining(resp, cb, body, catalog.findModel(fullName), s.get(4));
            return true;
        }
        if (!Set.of("GET /3", "PATCH /3", "DELETE /3", "GET examples/4", "GET readme/4", "GET versions/4",
                "GET versions/5", "DELETE versions/5").contains(sub)) {
            return false;
        }
        ModelDef m = catalog.findModel(fullName);
        if (m == null) {
            notFound(resp, cb, "Model");
            return true;
        }
        String path = "/models/" + fullName;
        switch (sub) {
            case "GET /3" -> Http.sendJson(resp, cb, 200, catalog.modelJson(m));
            case "PATCH /3" -> update(resp, cb, body, m);
            case "DELETE /3" -> delete(resp, cb, m);
            case "GET examples/4" -> Http.sendJson(resp, cb, 200, replies.page(path + "/examples", query,
                    m.examples(), e -> e));
            case "GET readme/4" -> {
                String readme = m.readme();
                if (readme == null) {
                    notFound(resp, cb, "README");
                } else {
                    Http.send(resp, cb, 200, "text/plain; charset=UTF-8", readme.getBytes(StandardCharsets.UTF_8));
                }
            }
            case "GET versions/4" -> Http.sendJson(resp, cb, 200, replies.page(path + "/versions", query,
                    m.versions(), catalog::versionJson));
            case "GET versions/5" -> {
                ModelDef.Version v = m.findVersion(s.get(4));
                if (v == null) {
                    notFound(resp, cb, "Version");
                } else {
                    Http.sendJson(resp, cb, 200, catalog.versionJson(v));
                }
            }
            default -> deleteVersion(resp, cb, m, s.get(4));
        }
        return true;
    }

    /** Spec §2: {@code sort_by} model_created_at | latest_version_created_at (default), {@code sort_direction}. */
    private List<ModelDef> sorted(String query) {
        Map<String, String> q = Http.queryParams(query);
        Comparator<ModelDef> order = "model_created_at".equals(q.get("sort_by"))
                ? Comparator.comparing((ModelDef m) -> m.createdAt)
                : Comparator.comparing(ModelsApi::latestVersionAt);
        if (!"asc".equals(q.get("sort_direction"))) {
            order = order.reversed();
        }
        List<ModelDef> list = new ArrayList<>(publicModels());
        list.sort(order.thenComparing(ModelDef::fullName));
        return list;
    }

    private static Instant latestVersionAt(ModelDef m) {
        List<ModelDef.Version> versions = m.versions();
        return versions.isEmpty() ? Instant.EPOCH : versions.get(0).createdAt();
    }

    /** Listing and search show public models only (spec §2 models.list: "public models"). */
    private List<ModelDef> publicModels() {
        return catalog.models().stream().filter(m -> m.visibility().equals("public")).toList();
    }

    /** Models whose name or description contains {@code lowerCaseText}; shared with {@code GET /search}. */
    List<ModelDef> search(String lowerCaseText) {
        return publicModels().stream().filter(m -> (m.fullName() + " " + Objects.toString(m.description(), "")).toLowerCase(Locale.ROOT)
                .contains(lowerCaseText)).toList();
    }

    private void create(Response resp, Callback cb, byte[] body) {
        JsonNode json = Replies.jsonObject(resp, cb, body);
        if (json == null) {
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        fields(json, CREATE_FIELDS, invalid);
        for (String required : List.of("owner", "name", "visibility", "hardware")) {
            if (json.path(required).isMissingNode()) {
                invalid.add(field("required", required, required + " is required"));
            }
        }
        for (String name : List.of("owner", "name")) {
            if (json.path(name).isTextual() && !NAME.matcher(json.path(name).asText()).matches()) {
                invalid.add(field("format", name, name + " may use letters, digits, '.', '-' and '_' and must "
                        + "start with a letter or digit"));
            }
        }
        String visibility = json.path("visibility").asText();
        if (json.path("visibility").isTextual() && !visibility.equals("public") && !visibility.equals("private")) {
            invalid.add(field("enum", "visibility", "visibility must be one of the following: \"public\", \"private\""));
        }
        String hardware = json.path("hardware").asText();
        if (json.path("hardware").isTextual() && !ReplicateCatalog.hardwareSkus().contains(hardware)) {
            invalid.add(hardwareNotListed());
        }
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        ModelDef m = new ModelDef(json.path("owner").asText() + "/" + json.path("name").asText(), false);
        m.visibility(visibility);
        m.hardware(hardware);
        m.description(json.path("description").isTextual() ? json.path("description").asText() : null);
        for (String url : List.of("github_url", "paper_url", "license_url", "cover_image_url")) {
            if (json.path(url).isTextual()) {
                m.url(url, json.path(url).asText());
            }
        }
        if (!catalog.createModel(m)) {
            problem(resp, cb, 409, "Conflict", "A model named " + m.fullName() + " already exists", null);
            return;
        }
        Http.sendJson(resp, cb, 201, catalog.modelJson(m));
    }

    private void update(Response resp, Callback cb, byte[] body, ModelDef m) {
        JsonNode json = Replies.jsonObject(resp, cb, body);
        if (json == null) {
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        fields(json, UPDATE_FIELDS, invalid);
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            String value = json.path(f).asText();
            switch (f) {
                case "description" -> m.description(value);
                case "readme" -> m.readme(value);
                default -> m.url(f, value);
            }
        }
        Http.sendJson(resp, cb, 200, catalog.modelJson(m));
    }

    /** Every field must be one of {@code allowed} and a string (model fields are all strings). */
    private static void fields(JsonNode json, Set<String> allowed, List<Map<String, String>> invalid) {
        Replies.onlyFields(json, allowed, invalid);
        for (Iterator<String> it = json.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (allowed.contains(f) && !json.path(f).isTextual()) {
                invalid.add(field("type", f, "Invalid type. Expected: string"));
            }
        }
    }

    /** Spec §2: only a private model without versions can go. The fake's token owns every model. */
    private void delete(Response resp, Callback cb, ModelDef m) {
        if (!m.visibility().equals("private")) {
            conflict(resp, cb, "Only private models can be deleted; " + m.fullName() + " is public");
        } else if (!m.versions().isEmpty()) {
            conflict(resp, cb, "Models with versions cannot be deleted; delete the versions of " + m.fullName()
                    + " first");
        } else {
            catalog.removeModel(m.fullName());
            Http.send(resp, cb, 204, "text/plain; charset=UTF-8", new byte[0]);
        }
    }

    /** Spec §2 models.versions.delete: 202, and the version goes with its predictions, unless a rule keeps it. */
    private void deleteVersion(Response resp, Callback cb, ModelDef m, String id) {
        if (m.findVersion(id) == null) {
            notFound(resp, cb, "Version");
        } else if (!m.visibility().equals("private")) {
            conflict(resp, cb, "Only versions of private models can be deleted; " + m.fullName() + " is public");
        } else if (catalog.versionDeployed(m.fullName(), id)) {
            conflict(resp, cb, "Version " + id + " is used by a deployment");
        } else if (engine.trainedFrom(id)) {
            conflict(resp, cb, "Version " + id + " is the base of a training");
        } else {
            m.removeVersion(id);
            engine.removePredictionsOf(id);
            Http.send(resp, cb, 202, "text/plain; charset=UTF-8", new byte[0]);
        }
    }

    /** The {@code invalid_fields} entry for a hardware SKU that {@code GET /hardware} does not list. */
    static Map<String, String> hardwareNotListed() {
        return field("enum", "hardware", "hardware must be one of the following: "
                + String.join(", ", ReplicateCatalog.hardwareSkus()));
    }

    /** A rule of spec §2 forbids the change (the status is UNCONFIRMED; see README). */
    static void conflict(Response resp, Callback cb, String detail) {
        problem(resp, cb, 409, "Conflict", detail, null);
    }
}
