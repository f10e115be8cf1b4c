package dev.aigw.servlet.internal.proxy;

import dev.aigw.internal.CreateEndpoint;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Which Replicate models a proxy client may run. Entries, separated by commas or spaces:
 * <ul>
 *   <li>{@code owner/name} — that model unpinned ({@code POST /models/{o}/{n}/predictions}, or {@code version:
 *   "owner/name"}), and trainings of any of its versions (the version is in the path, under the model);</li>
 *   <li>{@code owner/*} — every model of that owner;</li>
 *   <li>a 64-hex version id — that version: needed wherever a body pins a version ({@code version} of
 *   {@code POST /predictions} as a bare id or as {@code owner/name:<id>}, a deployment's version);</li>
 *   <li>{@code deployments/owner/name} — predictions on that deployment, and changes to it.</li>
 * </ul>
 * Checked are runs — prediction and training creates — and what decides what a deployment runs. Where the model is:
 * {@code POST /models/{o}/{n}/predictions} and {@code POST /models/{o}/{n}/versions/{v}/trainings} name it in the
 * path, {@code POST /deployments/{o}/{n}/predictions} names a deployment, and {@code POST /predictions} names it in
 * the body's {@code version} ({@code owner/name}, {@code owner/name:<version>} or a bare version id). Names compare
 * case-insensitively.
 *
 * <p>Deployments: {@code PATCH /deployments/{o}/{n}} (and {@code PUT}, judged alike) needs the deployment on the list
 * and, when its body has a {@code version}, that version id listed; {@code POST /deployments} needs its body's
 * {@code model} allowed and its {@code version}, when present, listed. A deployment's version must be listed as an
 * id even when its model is allowed, because whether Replicate refuses a version of another model than the
 * deployment's (or than the create's {@code model}) is UNCONFIRMED: if it does not, an allowed deployment could be
 * switched to any model's version and then run.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ModelAllowlist {
    private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9._-]*");
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "a comma-separated list of owner/name, owner/*, 64-hex version ids or "
            + "deployments/owner/name";
    private static final String LISTED_ID = "a version id (64 hex) listed on the allowlist";

    /** What a request needs checked in its path. */
    public enum Kind {
        /** nothing in the path (maybe in the body) */
        NONE,
        /** the model is in the path */
        PATH_MODEL,
        /** a deployment is in the path */
        DEPLOYMENT
    }

    /** A root field of a JSON body that names what will run, and the values it may take. */
    public enum BodyField {
        /** {@code version} of {@code POST /predictions} */
        PREDICTION_VERSION("version", true, "owner/name of an allowed model, or " + LISTED_ID
                + " (alone or as owner/name:<id>)"),
        /** {@code destination} of a training: it gets a new version of that model */
        DESTINATION("destination", true, "owner/name"),
        /** {@code model} of {@code POST /deployments} */
        DEPLOYMENT_MODEL("model", true, "owner/name"),
        /** {@code version} of a deployment's create or change: only listed ids (see the class's javadoc) */
        DEPLOYMENT_VERSION("version", false, LISTED_ID);

        /** The root key. */
        public final String key;
        /** Whether the body must have it (else it is checked only when present). */
        public final boolean required;
        /** The values allowed, in words, for refusals. */
        public final String forms;

        BodyField(String key, boolean required, String forms) {
            this.key = key;
            this.required = required;
            this.forms = forms;
        }
    }

    /**
     * What {@link #classify} found: the path's kind, for path kinds {@code owner/name} and maybe the version, and the
     * root fields of the JSON body that name what will run too (empty if none).
     */
    public record Target(Kind kind, String name, String version, List<BodyField> bodyFields) {
        static final Target NONE = new Target(Kind.NONE, null, null, List.of());
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
        boolean post = "POST".equals(method);
        // a change is a PATCH, or a PUT: frameworks that route updates take both (whether Replicate does is UNCONFIRMED)
        if (!post && !"PATCH".equals(method) && !"PUT".equals(method)) {
            return Target.NONE;
        }
        String[] seg = path.substring(1).split("/", -1);
        CreateEndpoint create = post ? CreateEndpoint.of(seg, 0) : null;
        if (create != null) {
            return switch (create) {
                case PREDICTION -> new Target(Kind.NONE, null, null, List.of(BodyField.PREDICTION_VERSION));
                case MODEL_PREDICTION -> new Target(Kind.PATH_MODEL, ownerName(seg), null, List.of());
                case DEPLOYMENT_PREDICTION -> new Target(Kind.DEPLOYMENT, ownerName(seg), null, List.of());
                case TRAINING -> new Target(Kind.PATH_MODEL, ownerName(seg), lower(seg[CreateEndpoint.VERSION]),
                        List.of(BodyField.DESTINATION));
            };
        }
        if (seg[0].equals("deployments")) {
            if (post && seg.length == 1) {
                return new Target(Kind.NONE, null, null, List.of(BodyField.DEPLOYMENT_MODEL,
                        BodyField.DEPLOYMENT_VERSION));
            }
            if (!post && seg.length == 3) { // what a deployment runs: owner, name where its create has them
                return new Target(Kind.DEPLOYMENT, ownerName(seg), null, List.of(BodyField.DEPLOYMENT_VERSION));
            }
        }
        return Target.NONE;
    }

    private static String ownerName(String[] seg) {
        return lower(seg[CreateEndpoint.OWNER] + "/" + seg[CreateEndpoint.NAME]);
    }

    /** Whether a value of a root body field may run. */
    public boolean allows(BodyField field, String value) {
        return switch (field) {
            case PREDICTION_VERSION -> allowsVersionField(value);
            case DESTINATION, DEPLOYMENT_MODEL -> {
                String d = lower(value);
                String[] seg = d.split("/", -1);
                yield seg.length == 2 && NAME.matcher(seg[0]).matches() && NAME.matcher(seg[1]).matches()
                        && allowsModel(d, null);
            }
            case DEPLOYMENT_VERSION -> versions.contains(lower(value)); // entries are 64 hex: nothing else matches
        };
    }

    /** The body gate of {@code fields} against this list alone; {@code what} names the endpoint in refusals. */
    public JsonBodyGate gate(List<BodyField> fields, String what) {
        return new JsonBodyGate(watched(fields, what), what);
    }

    /** The watched fields of a {@link JsonBodyGate} for {@code fields} of a body of {@code what}. */
    public List<JsonBodyGate.Field> watched(List<BodyField> fields, String what) {
        List<JsonBodyGate.Field> watched = new ArrayList<>(fields.size());
        for (BodyField f : fields) {
            Refusal missing = !f.required ? null : Refusal.of(403, "model_not_allowed", what + " needs a \"" + f.key
                    + "\" naming the model (" + f.forms + ") that the model allowlist permits");
            watched.add(new JsonBodyGate.Field(f.key, missing, v -> allows(f, v) ? null : Refusal.of(403,
                    "model_not_allowed", "model \"" + JsonBodyGate.printable(v) + "\" (the body's \"" + f.key
                    + "\") is not on this proxy's model allowlist, which allows here " + f.forms)));
        }
        return watched;
    }

    /** Whether a path-classified target may run. */
    public boolean allows(Target t) {
        return switch (t.kind()) {
            case NONE -> true;
            case PATH_MODEL -> allowsModel(t.name(), t.version());
            case DEPLOYMENT -> deployments.contains(t.name());
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
        // a pinned version runs only when its id is listed: whether Replicate checks the id against the model part
        // is UNCONFIRMED, and if it does not, "allowed/model:<any model's id>" would run that other model
        return id != null ? versions.contains(id) : allowsModel(model, null);
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
