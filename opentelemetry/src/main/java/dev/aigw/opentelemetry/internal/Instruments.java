package dev.aigw.opentelemetry.internal;

import dev.aigw.internal.Version;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.metrics.DoubleHistogram;
import io.opentelemetry.api.metrics.LongCounter;
import io.opentelemetry.api.metrics.Meter;
import io.opentelemetry.api.trace.Tracer;

import java.util.List;

/**
 * aigw's tracer and metric instruments of one {@code OpenTelemetry}.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Instruments {
    /** The instrumentation scope of everything aigw records. */
    public static final String SCOPE = "dev.aigw.opentelemetry";
    /** The GenAI client duration histogram as the semantic conventions name it today. */
    public static final String OPERATION_DURATION = "gen_ai.client.operation.duration";
    /** Its renamed successor for inference operations, under {@code OTEL_SEMCONV_STABILITY_OPT_IN=gen_ai_latest_experimental}. */
    public static final String INFERENCE_DURATION = "gen_ai.client.inference.duration";
    public static final String CALLS = "aigw.client.calls";
    public static final String GATEWAY_ERRORS = "aigw.gateway.errors";
    public static final String DROPPED_RECORDS = "aigw.records.dropped";
    public static final String DROPPED_METADATA = "aigw.metadata.dropped";

    /** The bucket boundaries the conventions advise for GenAI durations, seconds. */
    private static final List<Double> DURATION_BUCKETS = List.of(0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56,
            5.12, 10.24, 20.48, 40.96, 81.92);

    final OpenTelemetry openTelemetry;
    final boolean found;
    final boolean latestGenAi;
    final Tracer tracer;
    final DoubleHistogram operationDuration;
    final DoubleHistogram inferenceDuration;
    final LongCounter calls;
    final LongCounter gatewayErrors;
    final LongCounter droppedRecords;
    final LongCounter droppedMetadata;

    /**
     * @param found       whether {@code otel} is a real instance (not the stand-in used until one is found)
     * @param latestGenAi whether {@code gen_ai_latest_experimental} was opted into
     */
    public Instruments(OpenTelemetry otel, boolean found, boolean latestGenAi) {
        this.openTelemetry = otel;
        this.found = found;
        this.latestGenAi = latestGenAi;
        this.tracer = otel.tracerBuilder(SCOPE).setInstrumentationVersion(Version.VERSION).build();
        Meter meter = otel.meterBuilder(SCOPE).setInstrumentationVersion(Version.VERSION).build();
        this.operationDuration = meter.histogramBuilder(OPERATION_DURATION).setUnit("s")
                .setDescription("GenAI operation duration.").setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build();
        this.inferenceDuration = latestGenAi ? meter.histogramBuilder(INFERENCE_DURATION).setUnit("s")
                .setDescription("GenAI inference operation duration.")
                .setExplicitBucketBoundariesAdvice(DURATION_BUCKETS).build() : null;
        this.calls = meter.counterBuilder(CALLS).setUnit("{call}")
                .setDescription("Provider calls made through aigw, by outcome, route (gateway or direct) and gateway "
                        + "cache status.").build();
        this.gatewayErrors = meter.counterBuilder(GATEWAY_ERRORS).setUnit("{error}")
                .setDescription("Calls the gateway itself refused (rate limit, auth, policy, spend limit, guardrails), "
                        + "by gateway error code.").build();
        this.droppedRecords = meter.counterBuilder(DROPPED_RECORDS).setUnit("{record}")
                .setDescription("Exchange records dropped because aigw's listeners fell a whole queue behind.").build();
        this.droppedMetadata = meter.counterBuilder(DROPPED_METADATA).setUnit("{entry}")
                .setDescription("Metadata entries not sent because more than five competed for cf-aig-metadata.")
                .build();
    }

    public boolean found() {
        return found;
    }

    /** The instance these instruments belong to. */
    public OpenTelemetry openTelemetry() {
        return openTelemetry;
    }

    /** Counts a record the listeners never got. */
    public void droppedRecords(dev.aigw.ExchangeRecord r) {
        droppedRecords.add(1, io.opentelemetry.api.common.Attributes.of(Attrs.PROVIDER_NAME, r.provider()));
    }
}
