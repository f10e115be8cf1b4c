package dev.aigw.opentelemetry;

import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.TestkitExtension;
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

    /** The three spans of one proxied or client call, checked to form one trace. */
    record Trace(SpanData server, SpanData aigw, SpanData transport, GatewayRequest atGateway) {
    }

    /**
     * Waits for the incoming request's span, aigw's span of a successful create and the transport's span, and checks
     * the chain: aigw's is the server span's child, the transport's (showing the gateway URL) is aigw's, and the
     * gateway was told aigw's trace and span.
     */
    static Trace oneTrace(TestOtel otel, String serverSpan, TestkitExtension kit, String predictionId) {
        SpanData server = otel.awaitSpan(SpanKind.SERVER, serverSpan);
        SpanData aigw = otel.awaitSpan(SpanKind.CLIENT, "generate_content acme/echo");
        SpanData transport = otel.awaitSpan(s -> s.getKind() == SpanKind.CLIENT && s.getParentSpanId()
                .equals(aigw.getSpanId()), "the transport's span under aigw's");
        assertThat(aigw.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(aigw.getParentSpanId()).as("aigw's span is the incoming request's child")
                .isEqualTo(server.getSpanId());
        assertThat(transport.getTraceId()).isEqualTo(server.getTraceId());
        assertThat(transport.getAttributes().get(AttributeKey.stringKey("url.full")))
                .as("the transport span shows where the bytes went: the gateway")
                .startsWith(kit.gateway().baseUrl().toString());
        GatewayRequest atGateway = kit.gateway().requests().get(0);
        assertThat(atGateway.otelTraceId()).isEqualTo(aigw.getTraceId());
        assertThat(atGateway.otelParentSpanId()).isEqualTo(aigw.getSpanId());
        assertThat(atGateway.warnings()).isEmpty();
        assertGenAiSpan(aigw, predictionId, atGateway.logId());
        return new Trace(server, aigw, transport, atGateway);
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
