package dev.aigw.testkit.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A scripted model (mutable, guarded by {@code this}); predictions take a {@link Snapshot} when created.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ModelDef {
    public record FileOut(String contentType, byte[] bytes) {
    }

    /** One version of the model; the newest is the model's {@code latest_version}. */
    public record Version(String id, Instant createdAt) {
    }

    /** Model fields set by {@code POST/PATCH /models} (spec §2) and echoed in the model object. */
    public static final List<String> URL_FIELDS = List.of("github_url", "paper_url", "license_url",
            "cover_image_url", "weights_url");

    /** Immutable copy used by one prediction, so re-scripting never changes a running prediction. */
    public record Snapshot(String owner, String name, String version, Object output, boolean outputSet,
                           List<String> tokens, List<String> logs, Duration boot, Duration duration, String failure,
                           List<FileOut> files, boolean streaming, Set<String> requiredInputs) {
        public String fullName() {
            return owner + "/" + name;
        }
    }

    public final String owner;
    public final String name;
    public final Instant createdAt = Instant.now();
    /** Newest first. */
    private final List<Version> versions = new ArrayList<>();
    private Object output;
    private boolean outputSet;
    private List<String> tokens = List.of();
    private List<String> logs = List.of();
    private Duration boot = Duration.ofMillis(50);
    private Duration duration = Duration.ofMillis(100);
    private String failure;
    private final List<FileOut> files = new ArrayList<>();
    private boolean official = true;
    private boolean streaming = true;
    private String description = "A model scripted by aigw-testkit";
    private final Set<String> requiredInputs = new LinkedHashSet<>();
    private String visibility = "public";
    private String hardware = "cpu";
    private String readme;
    private final Map<String, String> urls = new LinkedHashMap<>();
    private final List<Map<String, Object>> examples = new ArrayList<>();

    /** A scripted model, with one version whose id is derived from the name. */
    public ModelDef(String fullName) {
        this(fullName, true);
    }

    /** {@code withVersion} false: a model made by {@code POST /models}, which has no version until one is pushed. */
    public ModelDef(String fullName, boolean withVersion) {
        int slash = fullName.indexOf('/');
        if (slash <= 0 || slash == fullName.length() - 1 || fullName.indexOf('/', slash + 1) >= 0
                || fullName.contains(":")) {
            throw new IllegalArgumentException("model name must be owner/name: " + fullName);
        }
        this.owner = fullName.substring(0, slash);
        this.name = fullName.substring(slash + 1);
        if (withVersion) {
            versions.add(new Version(sha256Hex(fullName), createdAt));
        }
    }

    public static String sha256Hex(String s) {
        try {
            return Ids.hex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String fullName() {
        return owner + "/" + name;
    }

    /** The latest version's id, or null when the model has none. */
    public synchronized String version() {
        return versions.isEmpty() ? null : versions.get(0).id();
    }

    /** Replaces the latest version's id (or adds the first version). */
    public synchronized void version(String v) {
        checkVersionId(v);
        Instant at = versions.isEmpty() ? Instant.now() : versions.remove(0).createdAt();
        versions.add(0, new Version(v, at));
    }

    /** Pushes a new latest version; older ones stay runnable by id. */
    public synchronized void addVersion(String v) {
        checkVersionId(v);
        versions.removeIf(x -> x.id().equals(v));
        versions.add(0, new Version(v, Instant.now()));
    }

    private static void checkVersionId(String v) {
        if (!v.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException("version must be 64 lowercase hex chars");
        }
    }

    public synchronized List<Version> versions() {
        return List.copyOf(versions);
    }

    public synchronized Version findVersion(String id) {
        return versions.stream().filter(v -> v.id().equals(id)).findFirst().orElse(null);
    }

    public synchronized boolean removeVersion(String id) {
        return versions.removeIf(v -> v.id().equals(id));
    }

    public synchronized String visibility() {
        return visibility;
    }

    public synchronized void visibility(String v) {
        if (!v.equals("public") && !v.equals("private")) {
            throw new IllegalArgumentException("visibility must be public or private: " + v);
        }
        visibility = v;
    }

    public synchronized String hardware() {
        return hardware;
    }

    public synchronized void hardware(String sku) {
        hardware = sku;
    }

    public synchronized String readme() {
        return readme;
    }

    public synchronized void readme(String markdown) {
        readme = markdown;
    }

    /** One of {@link #URL_FIELDS}, or null. */
    public synchronized String url(String field) {
        return urls.get(field);
    }

    public synchronized void url(String field, String value) {
        if (!URL_FIELDS.contains(field)) {
            throw new IllegalArgumentException("not a model URL field: " + field);
        }
        urls.put(field, value);
    }

    /** Adds an example prediction (already in the prediction object's JSON shape). */
    public synchronized void addExample(Map<String, Object> prediction) {
        examples.add(prediction);
    }

    public synchronized List<Map<String, Object>> examples() {
        return List.copyOf(examples);
    }

    public synchronized void output(Object o) {
        output = o;
        outputSet = true;
    }

    public synchronized void tokens(List<String> t) {
        tokens = List.copyOf(t);
    }

    public synchronized void logs(List<String> l) {
        logs = List.copyOf(l);
    }

    public synchronized void boot(Duration d) {
        boot = d;
    }

    public synchronized void duration(Duration d) {
        duration = d;
    }

    public synchronized void failure(String f) {
        failure = f;
    }

    public synchronized void addFile(String contentType, byte[] bytes) {
        files.add(new FileOut(contentType, bytes.clone()));
    }

    public synchronized void official(boolean b) {
        official = b;
    }

    public synchronized boolean official() {
        return official;
    }

    public synchronized void streaming(boolean b) {
        streaming = b;
    }

    public synchronized void description(String d) {
        description = d;
    }

    public synchronized String description() {
        return description;
    }

    public synchronized void requireInput(String field) {
        requiredInputs.add(field);
    }

    /** A snapshot running the latest version. */
    public synchronized Snapshot snapshot() {
        return snapshot(version());
    }

    public synchronized Snapshot snapshot(String versionId) {
        return new Snapshot(owner, name, versionId, output, outputSet, tokens, logs, boot, duration, failure,
                List.copyOf(files), streaming, Set.copyOf(requiredInputs));
    }
}
