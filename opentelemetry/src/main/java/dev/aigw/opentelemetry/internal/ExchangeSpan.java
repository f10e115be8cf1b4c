package dev.aigw.opentelemetry.internal;

import dev.aigw.Exchange;
import dev.aigw.ExchangeObserver;
import dev.aigw.ExchangeRecord;
import dev.aigw.internal.GatewayHeaders;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One exchange's GenAI span, started on the caller's thread under the span current then, and its metrics at the end.
 * Without a real OpenTelemetry (the no-op stand-in) the "span" is the parent's context, so the gateway's span still
 * joins the caller's trace when the caller has one.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ExchangeSpan implements ExchangeObserver.Observation {
    private static final Pattern JAVA_CLASS = Pattern.compile("[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+");

    private final Instruments in;
    private final ModelNames forwardedModels; // null: the application's own call, whose model its code chose
    private final Exchange exchange;
    private final Span span;
    private final Context context;
    private final String operation;
    private final String provider;
    private final String serverAddress;
    private final long serverPort;
    private final String modelAtStart;

    private ExchangeSpan(Instruments in, ModelNames forwardedModels, Exchange exchange, Span span, Context context,
                         String operation, String provider, String serverAddress, long serverPort,
                         String modelAtStart) {
        this.in = in;
        this.forwardedModels = forwardedModels;
        this.exchange = exchange;
        this.span = span;
        this.context = context;
        this.operation = operation;
        this.provider = provider;
        this.serverAddress = serverAddress;
        this.serverPort = serverPort;
        this.modelAtStart = modelAtStart;
    }

    /**
     * @param models the models that may be named for forwarded calls ({@link Exchange#forwarded()}): until the
     *               provider accepts one, the span is named by its operation alone and the metrics say
     *               {@value ModelNames#OTHER}
     */
    public static ExchangeSpan start(Instruments in, ModelNames models, Exchange x, Context parent) {
        String provider = x.route().provider().slug();
        String operation = Operations.name(provider, x.method(), x.route().rest());
        String model = x.modelFromPath();
        URI original = x.route().original();
        String host = original.getHost();
        long port = original.getPort() > 0 ? original.getPort() : "http".equalsIgnoreCase(original.getScheme()) ? 80
                : 443;
        boolean forwarded = x.forwarded();
        Span span = in.tracer.spanBuilder(model == null || forwarded ? operation : operation + " " + model)
                .setParent(parent)
                .setSpanKind(Operations.WEBHOOK.equals(operation) ? SpanKind.INTERNAL : SpanKind.CLIENT)
                .setAttribute(Attrs.OPERATION_NAME, operation)
                .setAttribute(Attrs.PROVIDER_NAME, provider)
                .setAttribute(Attrs.SERVER_ADDRESS, host)
                .setAttribute(Attrs.SERVER_PORT, port)
                .setAllAttributes(model == null ? Attributes.empty() : Attributes.of(Attrs.REQUEST_MODEL, model))
                .startSpan();
        return new ExchangeSpan(in, forwarded ? models : null, x, span, parent.with(span), operation, provider, host,
                port, model);
    }

    /** The trace and span the gateway's own span should join: this span's, or the parent's, when sampled. */
    @Override
    public Map<String, String> gatewayHeaders() {
        SpanContext sc = span.getSpanContext();
        if (!sc.isValid() || !sc.isSampled()) {
            return Map.of();
        }
        return Map.of(GatewayHeaders.OTEL_TRACE_ID, sc.getTraceId(), GatewayHeaders.OTEL_PARENT_SPAN_ID,
                sc.getSpanId());
    }

    @Override
    public ExchangeObserver.Scope activate() {
        Scope s = context.makeCurrent();
        return s::close;
    }

    @Override
    public void finished(ExchangeRecord r) {
        String requested = modelAtStart != null ? modelAtStart : r.model(); // as the request (or its answer) said
        String model = forwardedModels == null || r.model() == null ? requested
                : forwardedModels.name(r.model(), accepted(r)); // the answer's spelling first: the provider's own
        String errorType = errorType(r);
        if (span.isRecording()) {
            // the application's call got its name at the start when its path named the model; a forwarded call
            // only gets one here, and only for an admitted model
            boolean name = forwardedModels == null ? modelAtStart == null : !ModelNames.OTHER.equals(model);
            if (model != null && name) {
                span.updateName(operation + " " + model);
            }
            if (modelAtStart == null && requested != null) { // a span is one call: its attribute may keep any name
                span.setAttribute(Attrs.REQUEST_MODEL, requested);
            }
            setIfPresent(Attrs.RESPONSE_ID, r.predictionId());
            if (r.httpStatus() > 0) {
                span.setAttribute(Attrs.HTTP_STATUS, (long) r.httpStatus());
            }
            setIfPresent(Attrs.GATEWAY_LOG_ID, r.gatewayLogId());
            setIfPresent(Attrs.GATEWAY_CACHE_STATUS, r.cacheStatus());
            setIfPresent(Attrs.GATEWAY_EVENT_ID, r.eventId());
            setIfPresent(Attrs.PREDICTION_STATUS, r.predictionStatus());
            span.setAttribute(Attrs.VIA, lower(r.via().name()));
            span.setAttribute(Attrs.OUTCOME, lower(r.outcome().name()));
            if (!r.metadataDropped().isEmpty()) {
                span.setAttribute(Attrs.METADATA_DROPPED, r.metadataDropped());
            }
            if (r.gatewayError() != null && r.gatewayError().code() != null) {
                span.setAttribute(Attrs.GATEWAY_ERROR_CODE, (long) r.gatewayError().code());
            }
            if (errorType != null) {
                span.setAttribute(Attrs.ERROR_TYPE, errorType);
                String description = r.gatewayError() != null ? r.gatewayError().message() : r.error();
                span.setStatus(StatusCode.ERROR, description == null ? "" : description);
            }
        }
        // the metrics first: whoever sees the span ended (an exporter, a test) finds the exchange's metrics recorded
        record(r, model, errorType);
        span.end();
    }

    private void record(ExchangeRecord r, String model, String errorType) {
        AttributesBuilder duration = Attributes.builder().put(Attrs.OPERATION_NAME, operation)
                .put(Attrs.PROVIDER_NAME, provider).put(Attrs.SERVER_ADDRESS, serverAddress)
                .put(Attrs.SERVER_PORT, serverPort);
        if (model != null) {
            duration.put(Attrs.REQUEST_MODEL, model);
        }
        if (errorType != null) {
            duration.put(Attrs.ERROR_TYPE, errorType);
        }
        double seconds = r.totalTime().toNanos() / 1e9;
        if (in.latestGenAi && Operations.inference(operation)) {
            in.inferenceDuration.record(seconds, duration.build(), context);
        } else {
            in.operationDuration.record(seconds, duration.build(), context);
        }
        AttributesBuilder calls = Attributes.builder().put(Attrs.OPERATION_NAME, operation)
                .put(Attrs.PROVIDER_NAME, provider).put(Attrs.OUTCOME, lower(r.outcome().name()))
                .put(Attrs.VIA, lower(r.via().name()));
        if (r.cacheStatus() != null) {
            calls.put(Attrs.GATEWAY_CACHE_STATUS, r.cacheStatus().toUpperCase(Locale.ROOT));
        }
        in.calls.add(1, calls.build(), context);
        if (r.gatewayError() != null) {
            AttributesBuilder g = Attributes.builder().put(Attrs.PROVIDER_NAME, provider)
                    .put(Attrs.HTTP_STATUS, (long) r.httpStatus());
            if (r.gatewayError().code() != null) {
                g.put(Attrs.GATEWAY_ERROR_CODE, (long) r.gatewayError().code());
            }
            in.gatewayErrors.add(1, g.build(), context);
        }
        if (!r.metadataDropped().isEmpty()) {
            in.droppedMetadata.add(r.metadataDropped().size(), Attributes.of(Attrs.PROVIDER_NAME, provider), context);
        }
    }

    /**
     * Whether the provider's answer vouches for a forwarded call's model: a success (2xx) of an operation whose answer
     * names it, a prediction or training of this account. A success of another call says nothing of a model that only
     * its request body named ({@code GET /account} with a made-up {@code "model"}), and one that reads a model's public
     * page ({@code GET /models/{owner}/{name}}) would let any client spend the bound on public models for free. The
     * answer must name the model itself: when it was not read (labelled with a content coding, not JSON, cut short),
     * the record's model is the request's, the client's word ({@code GET /predictions/{id}} with a body naming one).
     */
    private boolean accepted(ExchangeRecord r) {
        return r.httpStatus() >= 200 && r.httpStatus() < 300 && Operations.answerNamesModel(operation)
                && r.model() != null && r.model().equals(exchange.modelFromAnswer());
    }

    /**
     * {@code error.type}: the HTTP status of an error answer (the gateway's or the provider's), the exception class of
     * a transport failure, {@code _OTHER} when no class is known; none for a success or a cancelled call.
     */
    static String errorType(ExchangeRecord r) {
        switch (r.outcome()) {
            case HTTP_ERROR:
                return Integer.toString(r.httpStatus());
            case FAILURE:
                String e = r.error();
                if (e != null) {
                    int end = e.indexOf(':');
                    String head = (end < 0 ? e : e.substring(0, end)).strip();
                    if (JAVA_CLASS.matcher(head).matches()) {
                        return head;
                    }
                }
                return "_OTHER";
            default:
                return null;
        }
    }

    private void setIfPresent(io.opentelemetry.api.common.AttributeKey<String> key, String value) {
        if (value != null) {
            span.setAttribute(key, value);
        }
    }

    private static String lower(String s) {
        return s.toLowerCase(Locale.ROOT);
    }
}
