package dev.aigw.testkit.internal;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * The catalogue of the fake Replicate: models and their versions, deployments, collections, the account and the
 * hardware, with their JSON shapes (spec §2). Predictions, trainings and files live in {@link ReplicateEngine}.
 *
 * <p>Scripting calls go through {@link #script}, which applies them to what is served and records them;
 * {@link #restoreScript()} replays the record onto an empty catalogue. Replaying the calls, rather than keeping
 * copies of the entities, means no entity needs a copy of its field list, and what the API changed never leaks
 * into the script. Each call says how it stands to earlier ones ({@link Step}), so that the record keeps what the
 * replay needs: a setting scripted again replaces its earlier call, something made again is not recorded again. The
 * record grows with the scripted state, not with the number of calls (a test class that scripts the same model in
 * every test, for the life of the fake).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ReplicateCatalog {
    /** What {@code GET /hardware} lists, and the SKUs models and deployments may name. */
    public static final List<Map<String, String>> HARDWARE = List.of(
            Map.of("name", "CPU", "sku", "cpu"),
            Map.of("name", "Nvidia T4 GPU", "sku", "gpu-t4"),
            Map.of("name", "Nvidia A40 GPU", "sku", "gpu-a40-small"),
            Map.of("name", "Nvidia A40 (Large) GPU", "sku", "gpu-a40-large"));

    /** What is served; {@link #restoreScript()} swaps in a rebuilt one, so a request never sees it half built. */
    private volatile Entities live = new Entities();
    /** The scripting calls a replay needs, oldest first (guarded by {@code this}). */
    private final List<Recorded> script = new ArrayList<>();
    /** The latest recorded call of each key (guarded by {@code this}). */
    private final Map<String, Recorded> byKey = new HashMap<>();

    /**
     * How a scripting call stands to the calls before it. {@code key} names what it makes or sets (null: nothing a
     * later call replaces); {@code reads}, when not null, is the start of every key whose earlier calls its outcome
     * depends on, so those stay recorded.
     */
    public record Step(Kind kind, String key, String reads) {
        public enum Kind {
            /** Makes {@code key}'s thing if absent (a model, a collection, an input a model requires). */
            ENSURE,
            /** Sets {@code key}'s value, whatever it was (a field, a deployment's declaration). */
            SET,
            /** Adds to what is there (an example, a file output): always recorded. */
            ADD
        }

        /** Recorded once: replayed, its first call makes the thing and the later ones find it made. */
        public static Step ensure(String key) {
            return new Step(Kind.ENSURE, key, null);
        }

        /** Replaces the recorded call of the same key, unless a call recorded since reads it. */
        public static Step set(String key) {
            return new Step(Kind.SET, key, null);
        }

        /** {@link #set(String)} whose outcome also depends on the keys starting with {@code reads}. */
        public static Step set(String key, String reads) {
            return new Step(Kind.SET, key, reads);
        }

        /** Always recorded; depends on the keys starting with {@code reads}. */
        public static Step add(String reads) {
            return new Step(Kind.ADD, null, reads);
        }
    }

    /**
     * A {@link Step} key: the kind of thing ({@code model}, {@code collection}, {@code deployment}), its name, and
     * the part of it a call makes or sets. The parts are joined by a line break, which no name holds, so a key starts
     * with {@code key(kind, name, "")} only when it names part of that thing.
     */
    public static String key(String... parts) {
        return String.join("\n", parts);
    }

    /** A call in the record; compared by identity. */
    private static final class Recorded {
        final Step step;
        final Consumer<ReplicateCatalog> call;

        Recorded(Step step, Consumer<ReplicateCatalog> call) {
            this.step = step;
            this.call = call;
        }
    }

    private record Entities(Map<String, ModelDef> models, Map<String, Deployment> deployments,
                            Map<String, CollectionDef> collections) {
        Entities() {
            this(new ConcurrentHashMap<>(), new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
        }
    }

    public static List<String> hardwareSkus() {
        return HARDWARE.stream().map(h -> h.get("sku")).toList();
    }

    /**
     * Applies a scripting call to the served catalogue and records it for {@link #restoreScript()} as {@code step}
     * says; a call that throws (a bad argument) is not recorded. A call must reach entities only through this
     * catalogue's scripting methods ({@link #model}, {@link #deployment}, {@link #collection}) so that its replay
     * rebuilds them.
     */
    public synchronized void script(Step step, Consumer<ReplicateCatalog> call) {
        call.accept(this);
        Recorded earlier = step.key() == null ? null : byKey.get(step.key());
        if (earlier != null && step.kind() == Step.Kind.ENSURE) {
            return;
        }
        if (earlier != null && !readSince(earlier)) {
            script.remove(indexOf(earlier));
        }
        Recorded r = new Recorded(step, call);
        script.add(r);
        if (step.key() != null) {
            byKey.put(step.key(), r);
        }
    }

    /** Whether a call recorded after {@code earlier} depends on its key (then replaying without it could differ). */
    private boolean readSince(Recorded earlier) {
        for (int i = indexOf(earlier) + 1; i < script.size(); i++) {
            String reads = script.get(i).step.reads();
            if (reads != null && earlier.step.key().startsWith(reads)) {
                return true;
            }
        }
        return false;
    }

    private int indexOf(Recorded r) {
        for (int i = script.size() - 1; i >= 0; i--) {
            if (script.get(i) == r) {
                return i;
            }
        }
        throw new IllegalStateException("not recorded");
    }

    /** How many calls the record holds (what {@link #restoreScript()} replays). */
    public synchronized int recordedCalls() {
        return script.size();
    }

    /** Serves the script again: what the API created is gone, what it changed or deleted is back as scripted. */
    public synchronized void restoreScript() {
        ReplicateCatalog rebuilt = new ReplicateCatalog();
        script.forEach(r -> r.call.accept(rebuilt));
        live = rebuilt.live;
    }

    /** A scripted model (made with defaults if absent); only for {@link #script} calls. */
    public ModelDef model(String fullName) {
        return live.models().computeIfAbsent(fullName, ModelDef::new);
    }

    public ModelDef findModel(String fullName) {
        return live.models().get(fullName);
    }

    /** The model having a version of this id (any version, not only the latest). */
    public ModelDef findByVersion(String version) {
        return live.models().values().stream().filter(m -> m.findVersion(version) != null).findFirst().orElse(null);
    }

    /** Adds a model made by {@code POST /models}; false when the name is taken. */
    public boolean createModel(ModelDef m) {
        return live.models().putIfAbsent(m.fullName(), m) == null;
    }

    public void removeModel(String fullName) {
        live.models().remove(fullName);
    }

    public List<ModelDef> models() {
        List<ModelDef> list = new ArrayList<>(live.models().values());
        list.sort(Comparator.comparing((ModelDef m) -> m.createdAt).reversed());
        return list;
    }

    /** A scripted deployment, following its model's latest version until a PATCH pins one; only for {@link #script}. */
    public void deployment(String fullName, String modelName) {
        Deployment d = new Deployment(fullName, modelName, null, "gpu-t4", 0, 1); // checks the name before any change
        model(modelName);
        live.deployments().put(fullName, d);
    }

    /** Adds a deployment made by {@code POST /deployments}; false when the name is taken. */
    public boolean createDeployment(Deployment d) {
        return live.deployments().putIfAbsent(d.fullName(), d) == null;
    }

    public Deployment findDeployment(String fullName) {
        return live.deployments().get(fullName);
    }

    public boolean removeDeployment(String fullName) {
        return live.deployments().remove(fullName) != null;
    }

    /** Newest first (spec §2). */
    public List<Deployment> deployments() {
        List<Deployment> list = new ArrayList<>(live.deployments().values());
        list.sort(Comparator.comparing((Deployment d) -> d.createdAt).reversed().thenComparing(Deployment::fullName));
        return list;
    }

    /** The version id a deployment's current release runs. */
    public String deployedVersion(Deployment d) {
        Deployment.Release r = d.release();
        if (r.version() != null) {
            return r.version();
        }
        ModelDef m = findModel(r.model());
        return m == null ? null : m.version();
    }

    public Map<String, Object> deploymentJson(Deployment d) {
        return d.json(deployedVersion(d), account());
    }

    /** Whether any deployment's current release runs this version of the model. */
    public boolean versionDeployed(String model, String version) {
        return live.deployments().values().stream().anyMatch(d -> d.release().model().equals(model)
                && version.equals(deployedVersion(d)));
    }

    /** A scripted collection (made with defaults if absent); only for {@link #script} calls. */
    public CollectionDef collection(String slug) {
        return live.collections().computeIfAbsent(slug, CollectionDef::new);
    }

    public CollectionDef findCollection(String slug) {
        return live.collections().get(slug);
    }

    /** By slug, as a stable order. */
    public List<CollectionDef> collections() {
        List<CollectionDef> list = new ArrayList<>(live.collections().values());
        list.sort(Comparator.comparing(c -> c.slug));
        return list;
    }

    /** The account every token of the fake belongs to (spec §2 {@code GET /account}). */
    public Map<String, Object> account() {
        Map<String, Object> a = new LinkedHashMap<>();
        a.put("type", "user");
        a.put("username", "testkit");
        a.put("name", "aigw testkit");
        a.put("github_url", null);
        a.put("avatar_url", null);
        return a;
    }


    public Map<String, Object> versionJson(ModelDef.Version version) {
        Map<String, Object> v = new LinkedHashMap<>();
        v.put("id", version.id());
        v.put("created_at", version.createdAt().toString());
        v.put("cog_version", "0.14.0");
        v.put("openapi_schema", Map.of("openapi", "3.0.2", "info", Map.of("title", "Cog", "version", "0.1.0")));
        return v;
    }

    public Map<String, Object> modelJson(ModelDef m) {
        Map<String, Object> j = new LinkedHashMap<>();
        j.put("url", "https://replicate.com/" + m.fullName());
        j.put("owner", m.owner);
        j.put("name", m.name);
        j.put("description", m.description());
        j.put("visibility", m.visibility());
        j.put("github_url", m.url("github_url"));
        j.put("paper_url", m.url("paper_url"));
        j.put("license_url", m.url("license_url"));
        j.put("run_count", 0);
        j.put("cover_image_url", m.url("cover_image_url")); // weights_url is taken but, as on Replicate, not shown
        List<Map<String, Object>> examples = m.examples();
        j.put("default_example", examples.isEmpty() ? null : examples.get(0));
        ModelDef.Version latest = m.versions().stream().findFirst().orElse(null);
        j.put("latest_version", latest == null ? null : versionJson(latest));
        j.put("is_official", m.official());
        return j;
    }

}
