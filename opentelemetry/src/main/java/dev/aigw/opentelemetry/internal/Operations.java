package dev.aigw.opentelemetry.internal;

import dev.aigw.internal.CreateEndpoint;

/**
 * {@code gen_ai.operation.name} of a call: the semantic conventions' own values where one applies (a prediction create
 * is {@code generate_content}; OpenAI-style paths are {@code chat}, {@code text_completion}, {@code embeddings}),
 * otherwise a Replicate-specific name from a fixed set, so the span names and metric attributes stay low-cardinality
 * whatever path a caller sends. Which Replicate calls create a prediction or a training is {@link CreateEndpoint}'s
 * list, the one the servlet module's creator index and model allowlist read.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Operations {
    public static final String GENERATE_CONTENT = "generate_content";
    public static final String WEBHOOK = "prediction_completed";

    private Operations() {
    }

    /** @param rest the path after the provider's API root ({@code Route.rest()}), e.g. {@code /predictions/abc} */
    public static String name(String provider, String method, String rest) {
        if ("WEBHOOK".equals(method)) {
            return WEBHOOK;
        }
        String path = rest == null ? "" : rest;
        if (!"replicate".equals(provider)) {
            return other(method, path);
        }
        String[] s = path.split("/", -1); // "", first, ...
        CreateEndpoint create = "POST".equals(method) ? CreateEndpoint.of(s, 1) : null;
        if (create != null) {
            return create == CreateEndpoint.TRAINING ? "create_training" : GENERATE_CONTENT;
        }
        String first = s.length > 1 ? s[1] : "";
        switch (first) {
            case "predictions":
                if (s.length == 2) {
                    return "list_predictions";
                }
                return s.length == 4 && "cancel".equals(s[3]) ? "cancel_prediction" : "get_prediction";
            case "trainings":
                if (s.length == 2) { // Replicate creates trainings under a model's version, never here
                    return "POST".equals(method) ? "trainings" : "list_trainings";
                }
                return s.length == 4 && "cancel".equals(s[3]) ? "cancel_training" : "get_training";
            case "models":
            case "deployments":
            case "files":
            case "collections":
            case "account":
            case "hardware":
            case "webhooks":
                return first;
            default:
                return "other";
        }
    }

    /** Whether the operation is an inference (the renamed duration metric covers those only). */
    public static boolean inference(String operation) {
        return GENERATE_CONTENT.equals(operation) || "chat".equals(operation) || "text_completion".equals(operation);
    }

    /**
     * Whether a success answer of the operation names its model itself (a prediction or training object, a
     * completion): a model taken from the request's body alone is then never the one a success confirms.
     */
    public static boolean answerNamesModel(String operation) {
        switch (operation) {
            case GENERATE_CONTENT:
            case "create_training":
            case "get_prediction":
            case "cancel_prediction":
            case "get_training":
            case "cancel_training":
            case "chat":
            case "text_completion":
            case "embeddings":
                return true;
            default:
                return false;
        }
    }

    private static String other(String method, String path) {
        String p = path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
        if (p.endsWith("/chat/completions") || p.endsWith("/messages") || p.endsWith("/responses")) {
            return "chat";
        }
        if (p.endsWith("/embeddings")) {
            return "embeddings";
        }
        if (p.endsWith("/completions")) {
            return "text_completion";
        }
        return "POST".equals(method) ? GENERATE_CONTENT : "other";
    }
}
