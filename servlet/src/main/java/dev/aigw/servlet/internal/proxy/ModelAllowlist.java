package dev.aigw.servlet.internal.proxy;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which Replicate models a proxy client may run. Entries, separated by commas or spaces:
 * <ul>
 *   <li>{@code owner/name} — that model, any version;</li>
 *   <li>{@code owner/*} — every model of that owner;</li>
 *   <li>a 64-hex version id — that version (needed for creates that name only a version id);</li>
 *   <li>{@code deployments/owner/name} — predictions on that deployment.</li>
 * </ul>
 * Only runs are checked: prediction and training creates. Where the model is:
 * {@code POST /models/{o}/{n}/predictions} and {@code POST /models/{o}/{n}/versions/{v}/trainings} name it in the
 * path, {@code POST /deployments/{o}/{n}/predictions} names a deployment, and {@code POST /predictions} names it in
 * the body's {@code version} ({@code owner/name}, {@code owner/name:<version>} or a bare version id). Names compare
 * case-insensitively.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ModelAllowlist {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "a comma-separated list of owner/name, owner/*, 64-hex version ids or "
            + "deployments/owner/name";

    /** What a request needs checked. */
    public enum Kind {
        /** not a run: nothing to check */
        NONE,
        /** the model is in the path */
        PATH_MODEL,
        /** a deployment is in the path */
        DEPLOYMENT,
        /** the model is the body's {@code version} field */
        BODY_VERSION
    }

    /**
     * What {@link #classify} found: the kind, for path kinds {@code owner/name} and maybe the version, and the root
     * field of the JSON body that names a model too ({@code version}, or a training's {@code destination}), if any.
     */
    public record Target(Kind kind, String name, String version, String bodyField) {
        static final Target NONE = new Target(Kind.NONE, null, null, null);
    }

    private final Set<String> models;
    private final Set<String> owners;
    private final Set<String> versions;
    private final Set<String> deployments;

    private ModelAllowlist(Set<String> models, Set<String> owners, Set<String> versions, Set<String> deployments) {
        this.models = models;
        this.owners = owners;
        this.versions = versions;
        this.deployments = deployments;
    }

    /**
     * @throws IllegalArgumentException naming the first entry that is not of an accepted form
     */
    public static ModelAllowlist parse(String spec) {
        Set<String> models = new LinkedHashSet<>();
        Set<String> owners = new LinkedHashSet<>();
        Set<String> versions = new LinkedHashSet<>();
        Set<String> deployments = new LinkedHashSet<>();
        for (String raw : spec.strip().split("[\\s,]+")) {
            if (raw.isEmpty()) {
                continue;
            }
            String e = raw.toLowerCase(Locale.ROOT);
            String[] seg = e.split("/", -1);
            if (seg.length == 1 && HEX64.matcher(e).matches()) {
                versions.add(e);
            } else if (seg.length == 2 && NAME.matcher(seg[0]).matches() && seg[1].equals("*")) {
                owners.add(seg[0]);
            } else if (seg.length == 2 && NAME.matcher(seg[0]).matches() && NAME.matcher(seg[1]).matches()) {
                models.add(e);
            } else if (seg.length == 3 && seg[0].equals("deployments") && NAME.matcher(seg[1]).matches()
                    && NAME.matcher(seg[2]).matches()) {
                deployments.add(seg[1] + "/" + seg[2]);
            } else {
                throw new IllegalArgumentException("'" + raw + "' is not an allowlist entry");
            }
        }
        if (models.isEmpty() && owners.isEmpty() && versions.isEmpty() && deployments.isEmpty()) {
            throw new IllegalArgumentException("the allowlist is empty");
        }
        return new ModelAllowlist(Set.copyOf(models), Set.copyOf(owners), Set.copyOf(versions),
                Set.copyOf(deployments));
    }

    /**
     * Classifies a request by method and canonical path after {@code /v1} (e.g. {@code /predictions}; see
     * {@link CanonicalRequest}: no empty segments, no trailing slash, Replicate's words in lower case).
     */
    public static Target classify(String method, String path) {
        if (!"POST".equals(method)) {
            return Target.NONE;
        }
        String[] seg = path.substring(1).split("/", -1);
        if (seg.length == 1 && seg[0].equals("predictions")) {
            return new Target(Kind.BODY_VERSION, null, null, "version");
        }
        if (seg.length == 4 && seg[0].equals("models") && seg[3].equals("predictions")) {
            return new Target(Kind.PATH_MODEL, lower(seg[1] + "/" + seg[2]), null, null);
        }
        if (seg.length == 6 && seg[0].equals("models") && seg[3].equals("versions") && seg[5].equals("trainings")) {
            return new Target(Kind.PATH_MODEL, lower(seg[1] + "/" + seg[2]), lower(seg[4]), "destination");
        }
        if (seg.length == 4 && seg[0].equals("deployments") && seg[3].equals("predictions")) {
            return new Target(Kind.DEPLOYMENT, lower(seg[1] + "/" + seg[2]), null, null);
        }
        return Target.NONE;
    }

    /** Whether a root body field ({@code version} or a training's {@code destination}) names a model that may run. */
    public boolean allowsBodyField(String field, String value) {
        if ("destination".equals(field)) {
            String d = lower(value);
            String[] seg = d.split("/", -1);
            return seg.length == 2 && NAME.matcher(seg[0]).matches() && NAME.matcher(seg[1]).matches()
                    && allowsModel(d, null);
        }
        return allowsVersionField(value);
    }

    /** Whether a path-classified target may run. */
    public boolean allows(Target t) {
        return switch (t.kind()) {
            case NONE -> true;
            case PATH_MODEL -> allowsModel(t.name(), t.version());
            case DEPLOYMENT -> deployments.contains(t.name());
            case BODY_VERSION -> false; // needs allowsVersionField
        };
    }

    /**
     * Whether a {@code POST /predictions} whose body's {@code version} is {@code version} may run. Only Replicate's
     * three forms are judged ({@code owner/name}, {@code owner/name:<64 hex>}, {@code <64 hex>}); anything else is
     * not allowed, whatever Replicate would make of it.
     */
    public boolean allowsVersionField(String version) {
        if (version == null) {
            return false;
        }
        String v = lower(version);
        int colon = v.indexOf(':');
        String model = colon < 0 ? v : v.substring(0, colon);
        String id = colon < 0 ? null : v.substring(colon + 1);
        if (id != null && !HEX64.matcher(id).matches()) {
            return false;
        }
        if (colon < 0 && HEX64.matcher(v).matches()) {
            return versions.contains(v);
        }
        String[] seg = model.split("/", -1);
        if (seg.length != 2 || !NAME.matcher(seg[0]).matches() || !NAME.matcher(seg[1]).matches()) {
            return false;
        }
        return allowsModel(model, id);
    }

    private boolean allowsModel(String ownerName, String version) {
        if (version != null && versions.contains(version)) {
            return true;
        }
        int slash = ownerName.indexOf('/');
        if (slash <= 0) {
            return false;
        }
        return models.contains(ownerName) || owners.contains(ownerName.substring(0, slash));
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        List<String> all = new ArrayList<>(models);
        owners.forEach(o -> all.add(o + "/*"));
        all.addAll(versions);
        deployments.forEach(d -> all.add("deployments/" + d));
        return String.join(",", all);
    }
}
