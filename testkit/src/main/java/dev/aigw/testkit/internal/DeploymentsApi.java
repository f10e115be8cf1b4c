package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static dev.aigw.testkit.internal.Replies.field;
import static dev.aigw.testkit.internal.Replies.invalidVersion;
import static dev.aigw.testkit.internal.Replies.notFound;
import static dev.aigw.testkit.internal.Replies.validationFailed;

/**
 * {@code /deployments...} of the fake Replicate: management (spec §2) and deployment predictions.
 *
 * <p>Internal: not API, may change in any release.
 */
final class DeploymentsApi {
    private static final List<String> CREATE_REQUIRED = List.of("name", "model", "version", "hardware",
            "min_instances", "max_instances");
    private static final Set<String> UPDATE_FIELDS = Set.of("hardware", "min_instances", "max_instances", "version");
    /** Spec §2 (OAS): {@code min_instances} 0..5, {@code max_instances} 0..20. */
    private static final Map<String, Integer> MAX_INSTANCES = Map.of("min_instances", 5, "max_instances", 20);

    private final ReplicateEngine engine;
    private final ReplicateCatalog catalog;
    private final Replies replies;
    private final PredictionsApi predictions;
    private final Duration idleBeforeDelete;

    DeploymentsApi(ReplicateEngine engine, Replies replies, PredictionsApi predictions, Duration idleBeforeDelete) {
        this.engine = engine;
        this.catalog = engine.catalog();
        this.replies = replies;
        this.predictions = predictions;
        this.idleBeforeDelete = idleBeforeDelete;
    }

    boolean route(Request req, Response resp, Callback cb, byte[] body, String method, List<String> s)
            throws InterruptedException {
        if (s.size() == 1) {
            switch (method) {
                case "GET" -> Http.sendJson(resp, cb, 200, replies.page("/deployments", req.getHttpURI().getQuery(),
                        catalog.deployments(), catalog::deploymentJson));
                case "POST" -> create(resp, cb, body);
                default -> {
                    return false;
                }
            }
            return true;
        }
        boolean run = s.size() == 4 && method.equals("POST") && s.get(3).equals("predictions");
        if (!run && !(s.size() == 3 && Set.of("GET", "PATCH", "DELETE").contains(method))) {
            return false;
        }
        Deployment d = catalog.findDeployment(s.get(1) + "/" + s.get(2));
        if (d == null) {
            notFound(resp, cb, "Deployment");
            return true;
        }
        switch (run ? "RUN" : method) {
            case "RUN" -> predictions.create(req, resp, cb, body, false, json -> {
                ModelDef m = catalog.findModel(d.release().model());
                String version = catalog.deployedVersion(d);
                if (m == null || version == null || m.findVersion(version) == null) {
                    return null;
                }
                d.used();
                return m.snapshot(version);
            }, d.fullName());
            case "GET" -> Http.sendJson(resp, cb, 200, catalog.deploymentJson(d));
            case "PATCH" -> update(resp, cb, body, d);
            default -> delete(resp, cb, d);
        }
        return true;
    }

    private void create(Response resp, Callback cb, byte[] body) {
        JsonNode json = Replies.jsonObject(resp, cb, body);
        if (json == null) {
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        Replies.onlyFields(json, CREATE_REQUIRED, invalid);
        fields(json, CREATE_REQUIRED, invalid);
        for (String required : CREATE_REQUIRED) {
            if (json.path(required).isMissingNode()) {
                invalid.add(field("required", required, required + " is required"));
            }
        }
        String name = json.path("name").asText();
        if (json.path("name").isTextual() && !ModelsApi.NAME.matcher(name).matches()) {
            invalid.add(field("format", "name", "name may use letters, digits, '.', '-' and '_' and must start with "
                    + "a letter or digit"));
        }
        hardware(json, invalid);
        instanceRange(json.path("min_instances").asInt(), json.path("max_instances").asInt(), invalid);
        String model = json.path("model").asText();
        if (json.path("model").isTextual() && !model.matches("[^/]+/[^/]+")) {
            invalid.add(field("format", "model", "model must be owner/name"));
        }
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        String version = json.path("version").asText();
        ModelDef m = catalog.findModel(model);
        if (m == null || m.findVersion(version) == null) {
            invalidVersion(resp, cb);
            return;
        }
        // The fake has one account: every deployment belongs to it (spec §2: the owner is the token's account).
        Deployment d = new Deployment(catalog.account().get("username") + "/" + name, model, version,
                json.path("hardware").asText(), json.path("min_instances").asInt(), json.path("max_instances").asInt());
        if (!catalog.createDeployment(d)) {
            ModelsApi.conflict(resp, cb, "A deployment named " + d.fullName() + " already exists");
            return;
        }
        Http.sendJson(resp, cb, 200, catalog.deploymentJson(d)); // spec §2: 200, not 201
    }

    /** Spec §2: any of hardware, min/max instances, version; every change is a new release. */
    private void update(Response resp, Callback cb, byte[] body, Deployment d) {
        JsonNode json = Replies.jsonObject(resp, cb, body);
        if (json == null) {
            return;
        }
        List<Map<String, String>> invalid = new ArrayList<>();
        Replies.onlyFields(json, UPDATE_FIELDS, invalid);
        fields(json, List.copyOf(UPDATE_FIELDS), invalid);
        Deployment.Release r = d.release();
        hardware(json, invalid);
        int min = json.path("min_instances").asInt(r.minInstances());
        int max = json.path("max_instances").asInt(r.maxInstances());
        instanceRange(min, max, invalid);
        if (!invalid.isEmpty()) {
            validationFailed(resp, cb, invalid);
            return;
        }
        String version = json.path("version").isTextual() ? json.path("version").asText() : null;
        ModelDef m = catalog.findModel(r.model());
        if (version != null && (m == null || m.findVersion(version) == null)) {
            invalidVersion(resp, cb);
            return;
        }
        d.update(null, version, json.path("hardware").isTextual() ? json.path("hardware").asText() : null,
                json.has("min_instances") ? min : null, json.has("max_instances") ? max : null);
        Http.sendJson(resp, cb, 200, catalog.deploymentJson(d));
    }

    /** Spec §2: 204 only when offline (no minimum instances, nothing running) and unused long enough. */
    private void delete(Response resp, Callback cb, Deployment d) {
        if (!d.deletable(idleBeforeDelete, engine.running(d.fullName()))) {
            ModelsApi.conflict(resp, cb, "Deployment " + d.fullName() + " can only be deleted once it has been "
                    + "offline (min_instances 0) and unused for at least " + (idleBeforeDelete.toSeconds() % 60 == 0
                    ? idleBeforeDelete.toMinutes() + " minutes" : idleBeforeDelete.toSeconds() + " seconds"));
            return;
        }
        catalog.removeDeployment(d.fullName());
        Http.send(resp, cb, 204, "text/plain; charset=UTF-8", new byte[0]);
    }

    private static void hardware(JsonNode json, List<Map<String, String>> invalid) {
        JsonNode v = json.path("hardware");
        if (v.isTextual() && !ReplicateCatalog.hardwareSkus().contains(v.asText())) {
            invalid.add(ModelsApi.hardwareNotListed());
        }
    }

    private static void instanceRange(int min, int max, List<Map<String, String>> invalid) {
        if (invalid.isEmpty() && min > max) {
            invalid.add(field("number_lte", "min_instances", "min_instances must be less than or equal to "
                    + "max_instances (" + max + ")"));
        }
    }

    /** Types and ranges of the fields present: hardware and version strings, instances integers in range. */
    private static void fields(JsonNode json, List<String> names, List<Map<String, String>> invalid) {
        for (String f : names) {
            JsonNode v = json.path(f);
            if (v.isMissingNode()) {
                continue;
            }
            Integer top = MAX_INSTANCES.get(f);
            if (top == null && !v.isTextual()) {
                invalid.add(field("type", f, "Invalid type. Expected: string"));
            } else if (top != null && !v.isIntegralNumber()) {
                invalid.add(field("type", f, "Invalid type. Expected: integer"));
            } else if (top != null && (v.asInt() < 0 || v.asInt() > top)) {
                invalid.add(field("number_" + (v.asInt() < 0 ? "gte" : "lte"), f, "Must be " + (v.asInt() < 0
                        ? "greater than or equal to 0" : "less than or equal to " + top)));
            }
        }
    }
}
