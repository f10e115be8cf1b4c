package dev.aigw.opentelemetry;

import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.metrics.SdkMeterProvider;
import io.opentelemetry.sdk.metrics.data.MetricData;
import io.opentelemetry.sdk.testing.exporter.InMemoryMetricReader;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;

import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/** A real OpenTelemetry SDK whose spans and metrics stay in memory for the test to read. */
final class TestOtel implements AutoCloseable {
    final InMemorySpanExporter spans = InMemorySpanExporter.create();
    final InMemoryMetricReader metrics = InMemoryMetricReader.create();
    final OpenTelemetrySdk sdk = OpenTelemetrySdk.builder()
            .setTracerProvider(SdkTracerProvider.builder().addSpanProcessor(SimpleSpanProcessor.create(spans)).build())
            .setMeterProvider(SdkMeterProvider.builder().registerMetricReader(metrics).build())
            .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
            .build();

    /** Waits (a server span may end just after the client saw its answer) until a finished span matches. */
    SpanData awaitSpan(Predicate<SpanData> which, String what) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (true) {
            Optional<SpanData> s = spans.getFinishedSpanItems().stream().filter(which).findFirst();
            if (s.isPresent()) {
                return s.get();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no finished span: " + what + "; have " + spans.getFinishedSpanItems());
            }
            sleep(20);
        }
    }

    SpanData awaitSpan(SpanKind kind, String name) {
        return awaitSpan(s -> s.getKind() == kind && s.getName().equals(name), kind + " " + name);
    }

    /** The finished spans whose parent is {@code parent}. */
    List<SpanData> children(SpanData parent) {
        return spans.getFinishedSpanItems().stream()
                .filter(s -> s.getParentSpanId().equals(parent.getSpanId())
                        && s.getTraceId().equals(parent.getTraceId())).toList();
    }

    Collection<MetricData> collect() {
        return metrics.collectAllMetrics();
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    @Override
    public void close() {
        sdk.close();
    }
}
