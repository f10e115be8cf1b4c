package dev.aigw.opentelemetry;

import dev.aigw.Exchange;
import dev.aigw.ExchangeObserver;
import dev.aigw.ExchangeRecord;
import dev.aigw.opentelemetry.internal.ExchangeSpan;
import dev.aigw.opentelemetry.internal.Instruments;
import dev.aigw.opentelemetry.internal.Lookup;
import dev.aigw.opentelemetry.internal.ModelNames;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.context.Context;

import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * OpenTelemetry for aigw: a GenAI client span per call, joined by the gateway's own span, and GenAI and gateway
 * metrics. With this jar beside aigw's, every gateway uses it without code (it is a discovered
 * {@link ExchangeObserver}): it takes the MicroProfile Telemetry {@code OpenTelemetry} when the application runs in a
 * CDI container that has one, else {@code GlobalOpenTelemetry} once something set it (the Java agent, the
 * application; noticed within 250 ms); until then calls carry the caller's trace to the gateway but record nothing. Elsewhere, give it the
 * instance:
 * <pre>{@code
 * Gateway gateway = Gateway.builder().settings(Settings.system()).observer(AigwTelemetry.create(openTelemetry)).build();
 * }</pre>
 *
 * <p>Per call: a span named {@code {gen_ai.operation.name} {gen_ai.request.model}} ({@code generate_content
 * acme/flux} for a prediction create), started when the call starts with the span current on the caller's thread
 * as its parent, kind CLIENT, with {@code gen_ai.provider.name}, {@code gen_ai.request.model},
 * {@code gen_ai.response.id} (the prediction id), {@code server.address}/{@code server.port} of the provider (not the
 * gateway), the gateway's log id, cache status and event id, {@code aigw.via}, dropped metadata keys and
 * {@code error.type}. When the span (or, without an SDK, the caller's span) is sampled, the call carries
 * {@code cf-aig-otel-trace-id} and {@code cf-aig-otel-parent-span-id}, so the gateway's exported span becomes its child.
 *
 * <p>Calls a proxy forwards for its clients ({@link Exchange#forwarded()}: the servlet module's proxy) name a model
 * the client chose, perhaps invented. Their metrics and span name carry it only once the provider accepted a call on
 * that model, and only for the first {@link Builder#forwardedModelLimit} such models; otherwise the metrics say
 * {@value ModelNames#OTHER} and the span is named by its operation alone. The span's {@code gen_ai.request.model}
 * attribute keeps what the call asked for: a span is one call, so it adds no series.
 *
 * <p>Metrics: {@value Instruments#OPERATION_DURATION} (seconds; for inference operations it is
 * {@value Instruments#INFERENCE_DURATION} instead when {@code OTEL_SEMCONV_STABILITY_OPT_IN} contains
 * {@code gen_ai_latest_experimental}), {@value Instruments#CALLS}, {@value Instruments#GATEWAY_ERRORS},
 * {@value Instruments#DROPPED_RECORDS} and {@value Instruments#DROPPED_METADATA}.
 */
public final class AigwTelemetry implements ExchangeObserver {
    /** The value of {@code OTEL_SEMCONV_STABILITY_OPT_IN} that selects the latest GenAI conventions. */
    public static final String GEN_AI_LATEST = "gen_ai_latest_experimental";
    private static final long LOOKUP_INTERVAL_MILLIS = 250;

    private final OpenTelemetry fixed;
    private final boolean latestGenAi;
    private final ModelNames forwardedModels;
    private volatile Instruments instruments;
    private volatile long nextLookup;
    private volatile boolean settled; // given, or found in CDI: never looked for again
    private OpenTelemetry fromGlobal; // the global instance in use, when it came from there (under this)

    /**
     * Finds the application's {@code OpenTelemetry} by itself (MicroProfile Telemetry, else
     * {@code GlobalOpenTelemetry} once set; looked for again at most every 250 ms until found). This is the instance
     * aigw discovers on the class path; {@code OTEL_SEMCONV_STABILITY_OPT_IN} (or the system property
     * {@code otel.semconv-stability.opt-in}) chooses the conventions.
     */
    public AigwTelemetry() {
        this(null, optedIn(optInFromEnvironment()), ModelNames.DEFAULT_LIMIT);
    }

    private AigwTelemetry(OpenTelemetry fixed, boolean latestGenAi, int forwardedModelLimit) {
        this.fixed = fixed;
        this.latestGenAi = latestGenAi;
        this.forwardedModels = new ModelNames(forwardedModelLimit);
        if (fixed != null) {
            this.instruments = new Instruments(fixed, true, latestGenAi);
            this.settled = true;
        }
    }

    /** Telemetry through {@code openTelemetry}. */
    public static AigwTelemetry create(OpenTelemetry openTelemetry) {
        return builder(openTelemetry).build();
    }

    public static Builder builder(OpenTelemetry openTelemetry) {
        return new Builder(Objects.requireNonNull(openTelemetry, "openTelemetry"));
    }

    @Override
    public Observation start(Exchange exchange) {
        return ExchangeSpan.start(instruments(), forwardedModels, exchange, Context.current());
    }

    @Override
    public void recordDropped(ExchangeRecord record) {
        instruments().droppedRecords(record);
    }

    /** The caller's tracing context, for work it hands to another thread ({@code GatewayContext} snapshots). */
    @Override
    public Carried capture() {
        Context captured = Context.current();
        return () -> {
            io.opentelemetry.context.Scope s = captured.makeCurrent(); // (Scope alone is ExchangeObserver.Scope here)
            return s::close;
        };
    }

    /**
     * The instruments of the instance in use. A given instance, or one found in CDI, is kept; otherwise the lookup is
     * repeated at most every {@value #LOOKUP_INTERVAL_MILLIS} ms (so no call waits on {@code GlobalOpenTelemetry}'s
     * lock or on reflection): until something sets the global, and to notice the global being replaced (only tests
     * reset it). Meanwhile a no-op stand-in still passes the caller's trace on.
     */
    private Instruments instruments() {
        Instruments in = instruments;
        long now = System.nanoTime();
        if (in != null && (settled || now - nextLookup < 0)) {
            return in;
        }
        synchronized (this) {
            in = instruments;
            if (in != null && (settled || now - nextLookup < 0)) {
                return in;
            }
            OpenTelemetry global = Lookup.global();
            OpenTelemetry cdi = in != null && in.found() && global != null && global == fromGlobal ? null
                    : Lookup.fromCdi();
            OpenTelemetry otel = cdi != null ? cdi : global;
            if (otel == null) {
                in = in != null && !in.found() ? in : new Instruments(OpenTelemetry.noop(), false, latestGenAi);
            } else if (in == null || in.openTelemetry() != otel) {
                in = new Instruments(otel, true, latestGenAi);
            }
            settled = cdi != null;
            fromGlobal = cdi == null ? otel : null;
            nextLookup = now + TimeUnit.MILLISECONDS.toNanos(LOOKUP_INTERVAL_MILLIS);
            instruments = in;
            return in;
        }
    }

    static String optInFromEnvironment() {
        String v = System.getProperty("otel.semconv-stability.opt-in");
        return v != null ? v : System.getenv("OTEL_SEMCONV_STABILITY_OPT_IN");
    }

    static boolean optedIn(String optIn) {
        if (optIn == null) {
            return false;
        }
        for (String part : optIn.split(",")) {
            if (part.strip().toLowerCase(Locale.ROOT).equals(GEN_AI_LATEST)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return "AigwTelemetry{" + (fixed != null ? "given OpenTelemetry" : "MicroProfile Telemetry or GlobalOpenTelemetry")
                + (latestGenAi ? ", " + GEN_AI_LATEST : "") + "}";
    }

    /** Builds an {@link AigwTelemetry} for one {@code OpenTelemetry}. */
    public static final class Builder {
        private final OpenTelemetry openTelemetry;
        private String optIn = optInFromEnvironment();
        private int forwardedModelLimit = ModelNames.DEFAULT_LIMIT;

        private Builder(OpenTelemetry openTelemetry) {
            this.openTelemetry = openTelemetry;
        }

        /**
         * As {@code OTEL_SEMCONV_STABILITY_OPT_IN} (a comma-separated list; default: that variable, or the system
         * property {@code otel.semconv-stability.opt-in}): with {@value #GEN_AI_LATEST}, inference durations go to
         * {@value Instruments#INFERENCE_DURATION} instead of {@value Instruments#OPERATION_DURATION}.
         */
        public Builder semconvStabilityOptIn(String optIn) {
            this.optIn = optIn;
            return this;
        }

        /**
         * How many distinct models of forwarded calls (the servlet proxy's: {@link Exchange#forwarded()}) the metrics
         * and span names may name (default {@value ModelNames#DEFAULT_LIMIT}; 0 names none). A forwarded call's model
         * is the proxy client's choice, so it is named only once the provider accepted a call on it, and only the
         * first {@code limit} such models are; any other is {@value ModelNames#OTHER} on metrics and left out of the
         * span name. The application's own calls are not limited.
         *
         * @throws IllegalArgumentException when {@code limit} is negative
         */
        public Builder forwardedModelLimit(int limit) {
            this.forwardedModelLimit = new ModelNames(limit).limit(); // checked here, where the caller is
            return this;
        }

        public AigwTelemetry build() {
            return new AigwTelemetry(openTelemetry, optedIn(optIn), forwardedModelLimit);
        }
    }
}
