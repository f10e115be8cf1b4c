package dev.aigw.samples.embedded;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The demo's OpenTelemetry, set up as an application (or the Java agent) would: an SDK configured by the usual
 * {@code OTEL_*} variables and registered as {@code GlobalOpenTelemetry}, where aigw-opentelemetry finds it without
 * code. Every call is traced, so the page shows each call's trace id; spans and metrics leave the process only when
 * {@code OTEL_EXPORTER_OTLP_ENDPOINT} (or {@code otel.exporter.otlp.endpoint}) is set, over OTLP/HTTP. When something
 * else already set the global instance (the Java agent), that one is used and nothing is started here.
 */
final class DemoTelemetry implements AutoCloseable {
    private final OpenTelemetrySdk sdk;
    private final String endpoint;

    private DemoTelemetry(OpenTelemetrySdk sdk, String endpoint) {
        this.sdk = sdk;
        this.endpoint = endpoint;
    }

    /** @param env the environment ({@code System::getenv}); system properties win, as in OpenTelemetry itself */
    static DemoTelemetry start(Function<String, String> env) {
        if (GlobalOpenTelemetry.isSet()) {
            return new DemoTelemetry(null, "the Java agent's exporter");
        }
        String endpoint = System.getProperty("otel.exporter.otlp.endpoint", env.apply("OTEL_EXPORTER_OTLP_ENDPOINT"));
        Map<String, String> defaults = new HashMap<>();
        defaults.put("otel.service.name", "aigw-demo");
        defaults.put("otel.exporter.otlp.protocol", "http/protobuf");
        defaults.put("otel.logs.exporter", "none");
        if (endpoint == null || endpoint.isBlank()) {
            defaults.put("otel.traces.exporter", "none"); // trace ids for the page; nothing leaves the process
            defaults.put("otel.metrics.exporter", "none");
        } else {
            defaults.put("otel.exporter.otlp.endpoint", endpoint); // as found (the variable says the same)
        }
        OpenTelemetrySdk sdk = AutoConfiguredOpenTelemetrySdk.builder()
                .addPropertiesSupplier(() -> defaults) // the OTEL_* variables and otel.* properties still win
                .setResultAsGlobal()
                .build()
                .getOpenTelemetrySdk();
        return new DemoTelemetry(sdk, endpoint == null || endpoint.isBlank() ? null : endpoint);
    }

    /** Where spans and metrics go, or {@code null} when they stay in the process. */
    String endpoint() {
        return endpoint;
    }

    /** Flushes what is buffered and stops the SDK (not an instance someone else set). */
    @Override
    public void close() {
        if (sdk != null) {
            sdk.close();
        }
    }
}
