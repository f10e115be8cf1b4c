package dev.aigw.opentelemetry.internal;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The {@code gen_ai.request.model} values that metrics and span names may carry for calls a proxy forwarded for its
 * clients ({@code Exchange.forwarded()}), whose model any client may invent. A model is admitted when the provider
 * accepted a call on it (see {@link #name}), up to a bound per {@code AigwTelemetry}; once admitted, later calls on it
 * are named whatever their outcome. Any other forwarded model is named {@value #OTHER}, OpenTelemetry's value for
 * "outside the known set" ({@code http.request.method} uses it likewise), so the series a client can add are bounded
 * and the SDK's own cardinality limit is never reached through this attribute. The application's own calls do not
 * pass here: their code chooses the model.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ModelNames {
    /** The value that stands for a model not named on metrics. */
    public static final String OTHER = "_OTHER";
    /** The default bound on distinct forwarded models named. */
    public static final int DEFAULT_LIMIT = 100;

    private final int limit;
    private final Set<String> admitted = ConcurrentHashMap.newKeySet();

    public ModelNames(int limit) {
        if (limit < 0) {
            throw new IllegalArgumentException("the limit on distinct forwarded models named on metrics must be 0 "
                    + "(name none) or more, not " + limit);
        }
        this.limit = limit;
    }

    /**
     * The value to name a forwarded call's model by: the model as the record says it (the provider's answer first)
     * when admitted, else {@value #OTHER}.
     *
     * @param accepted whether the provider's answer shows the model exists (a success on it): only then is a model
     *                 not yet admitted taken in, while there is room
     */
    public String name(String model, boolean accepted) {
        String m = model;
        if (admitted.contains(m)) {
            return m;
        }
        if (!accepted || admitted.size() >= limit) {
            return OTHER;
        }
        synchronized (this) { // the check and the add as one, so concurrent admissions never pass the bound
            if (!admitted.contains(m)) {
                if (admitted.size() >= limit) {
                    return OTHER;
                }
                admitted.add(m);
            }
        }
        return m;
    }

    public int limit() {
        return limit;
    }
}
