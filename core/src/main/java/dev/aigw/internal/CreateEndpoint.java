package dev.aigw.internal;

/**
 * Replicate's endpoints whose {@code POST} creates a prediction (a training is one too): the one home of that list,
 * for the servlet module's creator index (which answers are creations) and model allowlist (which calls name a model
 * to check), and for the OpenTelemetry module's operation names (which calls are creates). Each is a shape of path
 * segments after {@code /v1}: fixed words, and places that hold a name or id.
 *
 * <p>Internal: not API, may change in any release.
 */
public enum CreateEndpoint {
    /** {@code /predictions}: the body's {@code version} names what runs. */
    PREDICTION("predictions"),
    /** {@code /models/{owner}/{name}/predictions} */
    MODEL_PREDICTION("models", null, null, "predictions"),
    /** {@code /deployments/{owner}/{name}/predictions} */
    DEPLOYMENT_PREDICTION("deployments", null, null, "predictions"),
    /** {@code /models/{owner}/{name}/versions/{id}/trainings} */
    TRAINING("models", null, null, "versions", null, "trainings");

    /** Where a named endpoint has its owner and name, and a training its version id (segments from its start). */
    public static final int OWNER = 1;
    public static final int NAME = 2;
    public static final int VERSION = 4;

    private final String[] words; // null: a name or id

    CreateEndpoint(String... words) {
        this.words = words;
    }

    /**
     * The endpoint whose shape {@code segments} has from {@code from} to its end, or {@code null}. Words compare as
     * written (exactly, case-sensitively); a name's place takes any segment, also an empty one, so that a caller
     * decides what an odd name means to it.
     */
    public static CreateEndpoint of(String[] segments, int from) {
        for (CreateEndpoint e : values()) {
            if (e.fits(segments, from)) {
                return e;
            }
        }
        return null;
    }

    private boolean fits(String[] segments, int from) {
        if (from < 0 || segments.length - from != words.length) {
            return false;
        }
        for (int i = 0; i < words.length; i++) {
            if (words[i] != null && !words[i].equals(segments[from + i])) {
                return false;
            }
        }
        return true;
    }
}
