package dev.aigw.opentelemetry;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.sdk.trace.data.SpanData;

import static org.assertj.core.api.Assertions.assertThat;

/** What every aigw GenAI span of a successful Replicate prediction create carries. */
final class SpanAssertions {
    static final String UUID_V7 = "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

    private SpanAssertions() {
    }

    static String attr(SpanData s, String key) {
        return s.getAttributes().get(AttributeKey.stringKey(key));
    }

    static void assertGenAiSpan(SpanData aigw, String predictionId, String logId) {
        assertThat(aigw.getKind()).isEqualTo(SpanKind.CLIENT);
        assertThat(aigw.getName()).isEqualTo("generate_content acme/echo");
        assertThat(attr(aigw, "gen_ai.operation.name")).isEqualTo("generate_content");
        assertThat(attr(aigw, "gen_ai.provider.name")).isEqualTo("replicate");
        assertThat(attr(aigw, "gen_ai.request.model")).isEqualTo("acme/echo");
        assertThat(attr(aigw, "gen_ai.response.id")).isEqualTo(predictionId).isNotBlank();
        assertThat(attr(aigw, "server.address")).isEqualTo("api.replicate.com");
        assertThat(aigw.getAttributes().get(AttributeKey.longKey("server.port"))).isEqualTo(443L);
        assertThat(aigw.getAttributes().get(AttributeKey.longKey("http.response.status_code"))).isEqualTo(201L);
        assertThat(attr(aigw, "cloudflare.ai_gateway.log_id")).isEqualTo(logId).matches(UUID_V7);
        assertThat(attr(aigw, "cloudflare.ai_gateway.event_id")).as("one id on a single-step request").isEqualTo(logId);
        assertThat(attr(aigw, "aigw.outcome")).isEqualTo("success");
        assertThat(attr(aigw, "error.type")).isNull();
        assertThat(aigw.getStatus().getStatusCode()).isEqualTo(StatusCode.UNSET);
    }
}
