package dev.aigw.opentelemetry;

import com.google.protobuf.ByteString;
import dev.aigw.Gateway;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.TestkitExtension;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.exporter.otlp.http.metrics.OtlpHttpMetricExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.metrics.v1.Metric;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.export.PeriodicMetricReader;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.BatchSpanProcessor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** aigw's span and metrics leave the process over real OTLP/HTTP (protobuf) and arrive whole at a local receiver. */
class OtlpExportTest {
    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create();

    @Test
    void spansAndMetricsArriveAtAnOtlpReceiver() throws Exception {
        kit.replicate().model("acme/echo").output("hello").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
        try (OtlpReceiver receiver = new OtlpReceiver()) {
            OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
                    .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(BatchSpanProcessor.builder(
                            OtlpHttpSpanExporter.builder().setEndpoint(receiver.endpoint() + "/v1/traces").build())
                            .build()).build())
                    .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(PeriodicMetricReader.builder(
                            OtlpHttpMetricExporter.builder().setEndpoint(receiver.endpoint() + "/v1/metrics").build())
                            .setInterval(Duration.ofHours(1)).build()).build())
                    .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
                    .build();
            String traceId;
            String parentId;
            try (Gateway gateway = Kit.gateway(kit).observer(AigwTelemetry.create(sdk)).build()) {
                Span job = sdk.getTracer("app").spanBuilder("nightly job").startSpan();
                try (Scope s = job.makeCurrent()) {
                    Kit.create(gateway);
                } finally {
                    job.end();
                }
                traceId = job.getSpanContext().getTraceId();
                parentId = job.getSpanContext().getSpanId();
            } finally {
                assertThat(sdk.shutdown().join(30, TimeUnit.SECONDS).isSuccess()).isTrue(); // flushes both signals
            }

            assertThat(receiver.contentTypes).allMatch(t -> t.startsWith("application/x-protobuf"));
            List<io.opentelemetry.proto.trace.v1.Span> spans = receiver.traces.stream()
                    .flatMap(r -> r.getResourceSpansList().stream()).map(ResourceSpans::getScopeSpansList)
                    .flatMap(List::stream).filter(s -> s.getScope().getName().equals("dev.aigw.opentelemetry"))
                    .map(ScopeSpans::getSpansList).flatMap(List::stream).toList();
            assertThat(spans).hasSize(1);
            io.opentelemetry.proto.trace.v1.Span aigw = spans.get(0);
            assertThat(aigw.getName()).isEqualTo("generate_content acme/echo");
            assertThat(aigw.getKind()).isEqualTo(io.opentelemetry.proto.trace.v1.Span.SpanKind.SPAN_KIND_CLIENT);
            assertThat(hex(aigw.getTraceId())).isEqualTo(traceId);
            assertThat(hex(aigw.getParentSpanId())).isEqualTo(parentId);
            Map<String, String> attributes = aigw.getAttributesList().stream().collect(Collectors.toMap(
                    KeyValue::getKey, kv -> kv.getValue().hasStringValue() ? kv.getValue().getStringValue()
                            : String.valueOf(kv.getValue().getIntValue())));
            GatewayRequest atGateway = kit.gateway().requests().get(0);
            assertThat(attributes).containsEntry("gen_ai.provider.name", "replicate")
                    .containsEntry("gen_ai.operation.name", "generate_content")
                    .containsEntry("server.address", "api.replicate.com")
                    .containsEntry("cloudflare.ai_gateway.log_id", atGateway.logId())
                    .containsKey("gen_ai.response.id");
            assertThat(atGateway.otelTraceId()).isEqualTo(traceId);
            assertThat(atGateway.otelParentSpanId()).isEqualTo(hex(aigw.getSpanId()));

            List<String> metricNames = receiver.metrics.stream().flatMap(r -> r.getResourceMetricsList().stream())
                    .flatMap(r -> r.getScopeMetricsList().stream()).flatMap(s -> s.getMetricsList().stream())
                    .map(Metric::getName).toList();
            assertThat(metricNames).contains("gen_ai.client.operation.duration", "aigw.client.calls");
        }
    }

    private static String hex(ByteString b) {
        return HexFormat.of().formatHex(b.toByteArray());
    }
}
