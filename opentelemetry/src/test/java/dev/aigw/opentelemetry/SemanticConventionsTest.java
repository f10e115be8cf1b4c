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
}
