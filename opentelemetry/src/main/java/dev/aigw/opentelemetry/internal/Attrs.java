package dev.aigw.opentelemetry.internal;

import io.opentelemetry.api.common.AttributeKey;

import java.util.List;

/**
 * The attribute names aigw writes: the GenAI semantic conventions where they have one, {@code cloudflare.ai_gateway.*}
 * for the gateway's facts and {@code aigw.*} for aigw's own. Defined here, not taken from the (alpha) semconv
 * artifacts, so the module needs nothing but the API; a test checks them against those artifacts.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Attrs {
    public static final AttributeKey<String> OPERATION_NAME = AttributeKey.stringKey("gen_ai.operation.name");
    public static final AttributeKey<String> PROVIDER_NAME = AttributeKey.stringKey("gen_ai.provider.name");
    public static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
    public static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
    public static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
    public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
    public static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");

    public static final AttributeKey<String> GATEWAY_LOG_ID = AttributeKey.stringKey("cloudflare.ai_gateway.log_id");
    public static final AttributeKey<String> GATEWAY_CACHE_STATUS =
            AttributeKey.stringKey("cloudflare.ai_gateway.cache_status");
    public static final AttributeKey<String> GATEWAY_EVENT_ID = AttributeKey.stringKey("cloudflare.ai_gateway.event_id");
    public static final AttributeKey<Long> GATEWAY_ERROR_CODE = AttributeKey.longKey("cloudflare.ai_gateway.error.code");

    public static final AttributeKey<String> VIA = AttributeKey.stringKey("aigw.via");
    public static final AttributeKey<String> OUTCOME = AttributeKey.stringKey("aigw.outcome");
    public static final AttributeKey<List<String>> METADATA_DROPPED = AttributeKey.stringArrayKey("aigw.metadata.dropped");
    public static final AttributeKey<String> PREDICTION_STATUS = AttributeKey.stringKey("aigw.prediction.status");

    private Attrs() {
    }
}
