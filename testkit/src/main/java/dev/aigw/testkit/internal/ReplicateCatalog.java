package dev.aigw.testkit.internal;

import java.util.ArrayList;
import java.util.Comparator;
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
 * into the script.
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
    /** Every scripting call that succeeded, oldest first (guarded by {@code this}). */
    private final List<Consumer<ReplicateCatalog>> script = new ArrayList<>();

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
     * Applies a scripting call to the served catalogue and records it for {@link #restoreScript()}; a call that
     * throws (a bad argument) is not recorded. A call must reach entities only through this catalogue's scripting
     * methods ({@link #model}, {@link #deployment}, {@link #collection}) so that its replay rebuilds them.
     */
    public synchronized void script(Consumer<ReplicateCatalog> call) {
        call.accept(this);
        script.add(call);
    }

    /** Serves the script again: what the API created is gone, what it changed or deleted is back as scripted. */
    public synchronized void restoreScript() {
        ReplicateCatalog rebuilt = new ReplicateCatalog();
        script.forEach(call -> call.accept(rebuilt));
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
