package dev.aigw.opentelemetry;

import dev.aigw.opentelemetry.internal.Attrs;
import dev.aigw.opentelemetry.internal.Instruments;
import dev.aigw.opentelemetry.internal.Operations;
import io.opentelemetry.semconv.ErrorAttributes;
import io.opentelemetry.semconv.HttpAttributes;
import io.opentelemetry.semconv.ServerAttributes;
import io.opentelemetry.semconv.incubating.GenAiIncubatingAttributes;
import io.opentelemetry.semconv.incubating.GenAiIncubatingMetrics;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * aigw writes the names the semantic conventions define (it does not depend on their alpha artifacts at run time, so
 * the names are its own constants): checked here against those artifacts. Operation names are the conventions'
 * values where one applies and a fixed, small set otherwise, whatever path a caller sends.
 */
@SuppressWarnings("deprecation") // the GenAI constants are marked as moved to the GenAI conventions repository
class SemanticConventionsTest {
    @Test
    void attributeAndMetricNamesAreTheConventions() {
        assertThat(Attrs.OPERATION_NAME).isEqualTo(GenAiIncubatingAttributes.GEN_AI_OPERATION_NAME);
        assertThat(Attrs.PROVIDER_NAME).isEqualTo(GenAiIncubatingAttributes.GEN_AI_PROVIDER_NAME);
        assertThat(Attrs.REQUEST_MODEL).isEqualTo(GenAiIncubatingAttributes.GEN_AI_REQUEST_MODEL);
        assertThat(Attrs.RESPONSE_ID).isEqualTo(GenAiIncubatingAttributes.GEN_AI_RESPONSE_ID);
        assertThat(Attrs.SERVER_ADDRESS).isEqualTo(ServerAttributes.SERVER_ADDRESS);
        assertThat(Attrs.SERVER_PORT).isEqualTo(ServerAttributes.SERVER_PORT);
        assertThat(Attrs.ERROR_TYPE).isEqualTo(ErrorAttributes.ERROR_TYPE);
        assertThat(Attrs.HTTP_STATUS).isEqualTo(HttpAttributes.HTTP_RESPONSE_STATUS_CODE);
        assertThat(Instruments.OPERATION_DURATION).isEqualTo(GenAiIncubatingMetrics.GEN_AI_CLIENT_OPERATION_DURATION_NAME);
        assertThat(Operations.GENERATE_CONTENT).isEqualTo(
                GenAiIncubatingAttributes.GenAiOperationNameIncubatingValues.GENERATE_CONTENT);
    }

    @Test
    void operationNames() {
        assertThat(Operations.name("replicate", "POST", "/predictions")).isEqualTo("generate_content");
        assertThat(Operations.name("replicate", "POST", "/models/acme/echo/predictions")).isEqualTo("generate_content");
        assertThat(Operations.name("replicate", "POST", "/deployments/acme/prod/predictions"))
                .isEqualTo("generate_content");
        assertThat(Operations.name("replicate", "GET", "/predictions/abc")).isEqualTo("get_prediction");
        assertThat(Operations.name("replicate", "POST", "/predictions/abc/cancel")).isEqualTo("cancel_prediction");
        assertThat(Operations.name("replicate", "GET", "/predictions")).isEqualTo("list_predictions");
        assertThat(Operations.name("replicate", "POST", "/models/acme/echo/versions/v1/trainings"))
                .isEqualTo("create_training");
        assertThat(Operations.name("replicate", "GET", "/trainings/t1")).isEqualTo("get_training");
        assertThat(Operations.name("replicate", "GET", "/models/acme/echo")).isEqualTo("models");
        assertThat(Operations.name("replicate", "POST", "/files")).isEqualTo("files");
        assertThat(Operations.name("replicate", "WEBHOOK", "/predictions/abc")).isEqualTo("prediction_completed");
        assertThat(Operations.name("replicate", "GET", "/%2e%2e/whatever-a-caller-invents-" + System.nanoTime()))
                .isEqualTo("other");
        assertThat(Operations.name("openai", "POST", "/chat/completions")).isEqualTo("chat");
        assertThat(Operations.name("openai", "POST", "/embeddings")).isEqualTo("embeddings");
        assertThat(Operations.name("anthropic", "POST", "/v1/messages")).isEqualTo("chat");
        assertThat(Operations.inference("generate_content")).isTrue();
        assertThat(Operations.inference("get_prediction")).isFalse();
    }

    /**
     * A training is created at one endpoint only, {@code POST /models/{o}/{n}/versions/{v}/trainings} (Replicate's
     * API has no {@code POST /trainings}): other paths ending in {@code /trainings} are not named creates.
     */
    @Test
    void onlyReplicatesTrainingEndpointCreatesATraining() {
        for (String path : List.of("/trainings", "/models/acme/echo/trainings", "/deployments/acme/prod/trainings",
                "/models/acme/echo/versions/trainings", "/models/acme/echo/versions/v1/x/trainings",
                "/models/acme/echo/versions/v1/Trainings", "/x/trainings")) {
            assertThat(Operations.name("replicate", "POST", path)).as(path).isNotEqualTo("create_training")
                    .isNotEqualTo("generate_content");
        }
        assertThat(Operations.name("replicate", "POST", "/trainings")).isEqualTo("trainings");
        assertThat(Operations.name("replicate", "POST", "/deployments/acme/prod/trainings")).isEqualTo("deployments");
        assertThat(Operations.name("replicate", "GET", "/models/acme/echo/versions/v1/trainings")).isEqualTo("models");
        assertThat(Operations.name("replicate", "GET", "/trainings")).isEqualTo("list_trainings");
        assertThat(Operations.name("replicate", "POST", "/trainings/t1/cancel")).isEqualTo("cancel_training");
    }

    /** Every operation name, for every path, method and provider a caller can send, is one of a fixed set. */
    @Test
    void operationNamesAreAFixedSet() {
        Set<String> fixed = Set.of("generate_content", "prediction_completed", "list_predictions", "get_prediction",
                "cancel_prediction", "create_training", "list_trainings", "get_training", "cancel_training",
                "trainings", "models", "deployments", "files", "collections", "account", "hardware", "webhooks",
                "other", "chat", "text_completion", "embeddings");
        String[] words = {"", "predictions", "trainings", "models", "deployments", "versions", "cancel", "files",
                "webhooks", "collections", "account", "hardware", "chat", "completions", "embeddings", "messages",
                "Predictions", "%2e%2e", "caller-" + System.nanoTime()};
        String[] shapes = {"", "predictions", "trainings", "models", "deployments", "versions", "acme"};
        List<String> paths = new ArrayList<>();
        paths(words, 3, "", paths); // every path of up to 3 segments, any word
        paths(shapes, 6, "", paths); // and up to 6, where the create endpoints are
        Set<String> seen = new TreeSet<>();
        for (String provider : List.of("replicate", "openai", "anthropic")) {
            for (String method : List.of("GET", "POST", "PATCH", "DELETE", "QUERY", "post", "WEBHOOK")) {
                for (String path : paths) {
                    seen.add(Operations.name(provider, method, path));
                }
            }
        }
        assertThat(seen).isEqualTo(new TreeSet<>(fixed)); // none beyond the set, and the paths reach every one
    }

    private static void paths(String[] segments, int depth, String prefix, List<String> out) {
        out.add(prefix);
        if (depth > 0) {
            for (String s : segments) {
                paths(segments, depth - 1, prefix + "/" + s, out);
            }
        }
    }
}
