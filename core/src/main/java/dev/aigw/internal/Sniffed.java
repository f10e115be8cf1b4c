package dev.aigw.internal;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Fields pulled out of a Replicate prediction/training/file JSON body by {@link JsonSniffer}.
 *
 * <p>Any component may be {@code null} (not present, not a string, or not yet seen). {@code metrics}
 * is never {@code null}; it is an unmodifiable map in document order (empty if none were found).
 *
 * @param id      root {@code id} (string values only)
 * @param status  root {@code status} (string values only; e.g. a problem+json numeric status is ignored)
 * @param model   root {@code model} (string values only)
 * @param version root {@code version} (string values only)
 * @param error   root {@code error} if it is a string; {@code null} for JSON null, objects and arrays
 * @param metrics numeric members of the root {@code metrics} object
 * @param errorShape   {@code ARRAY} or {@code OBJECT} when the root {@code error} is one (the gateway's two error
 *                     envelopes), else {@code null}
 * @param errorCode    the integer {@code code} of the error object (for an array: of its first element), as written
 * @param errorMessage the string {@code message} of that object
 *
 * <p>Internal: not API, may change in any release.
 */
public record Sniffed(String id, String status, String model, String version, String error,
                      Map<String, Double> metrics, ErrorShape errorShape, String errorCode, String errorMessage) {

    /** Nothing found. */
    public static final Sniffed EMPTY = new Sniffed(null, null, null, null, null, Map.of());

    /** How the root {@code error} member is written when it is not a plain string. */
    public enum ErrorShape {
        /** {@code "error":[{"code":2003,"message":"Rate limited"}]}: the gateway's classic envelope. */
        ARRAY,
        /** {@code "error":{"message":"Access denied by policy"}}: Policies and spend limits. */
        OBJECT
    }

    /** Fields of a body without an error envelope. */
    public Sniffed(String id, String status, String model, String version, String error, Map<String, Double> metrics) {
        this(id, status, model, version, error, metrics, null, null, null);
    }

    public Sniffed {
        // Defensive, order-preserving, unmodifiable copy; null means "none". A finished sniffer's own map is wrapped
        // without a copy: nothing changes it any more.
        metrics = metrics == null || metrics.isEmpty()
                ? Map.of()
                : Collections.unmodifiableMap(metrics instanceof HandedOver ? metrics : new LinkedHashMap<>(metrics));
    }

    /** The metrics a sniffer collects and, once done, hands over to its result (never changed after). */
    static final class HandedOver extends LinkedHashMap<String, Double> {
        private static final long serialVersionUID = 1L;

        HandedOver() {
            super(8); // predict_time, total_time and a few token counts: no resize
        }
    }

    /** True if no field at all was found. */
    public boolean isEmpty() {
        return id == null && status == null && model == null && version == null && error == null
                && metrics.isEmpty() && errorShape == null;
    }
}
