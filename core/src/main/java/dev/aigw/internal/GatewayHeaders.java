package dev.aigw.internal;


import java.math.BigDecimal;
import java.util.Map;

/**
 * The {@code cf-aig-*} header names and the metadata header's JSON (options become headers in
 * {@code dev.aigw.OptionHeaders}). Every value written here is
 * printable ASCII: tokens were checked when set, and metadata is JSON with everything outside
 * printable ASCII escaped, so no CR, LF or other control character can reach a header.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class GatewayHeaders {
    public static final String AUTHORIZATION = "cf-aig-authorization";
    public static final String METADATA = "cf-aig-metadata";
    public static final String CACHE_TTL = "cf-aig-cache-ttl";
    public static final String SKIP_CACHE = "cf-aig-skip-cache";
    public static final String CACHE_KEY = "cf-aig-cache-key";
    public static final String COLLECT_LOG = "cf-aig-collect-log";
    public static final String COLLECT_LOG_PAYLOAD = "cf-aig-collect-log-payload";
    public static final String REQUEST_TIMEOUT = "cf-aig-request-timeout";
    public static final String MAX_ATTEMPTS = "cf-aig-max-attempts";
    public static final String RETRY_DELAY = "cf-aig-retry-delay";
    public static final String BACKOFF = "cf-aig-backoff";
    public static final String EVENT_ID = "cf-aig-event-id";
    public static final String CUSTOM_COST = "cf-aig-custom-cost";
    public static final String BYOK_ALIAS = "cf-aig-byok-alias";
    public static final String NO_WHOLESALE = "cf-aig-no-wholesale";
    public static final String ZDR = "cf-aig-zdr";
    public static final String OTEL_TRACE_ID = "cf-aig-otel-trace-id";
    public static final String OTEL_PARENT_SPAN_ID = "cf-aig-otel-parent-span-id";

    /** Response headers. */
    public static final String LOG_ID = "cf-aig-log-id";
    public static final String CACHE_STATUS = "cf-aig-cache-status";
    public static final String REQUEST_ID = "cf-aig-request-id";

    /** The prefix of every gateway header; such headers are the gateway's, never the provider's. */
    public static final String PREFIX = "cf-aig-";

    private GatewayHeaders() {
    }

    /**
     * {@code {"user_id":"u1","tier":2}}, ASCII only, and flat: the gateway ignores the <em>whole</em> header when any
     * value is an object or array, so a value that is not a string, number or boolean is written as a string (never
     * reached: {@code CallOptions} accepts only those three).
     */
    public static String metadataJson(Map<String, Object> metadata) {
        return metadataJson(new StringBuilder(16 + metadata.size() * 24), metadata).toString();
    }

    /** Appends {@link #metadataJson(Map)}'s object to {@code sb}. */
    public static StringBuilder metadataJson(StringBuilder sb, Map<String, Object> metadata) {
        sb.append('{');
        boolean first = true;
        for (Map.Entry<String, Object> e : metadata.entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            Json.string(sb, e.getKey());
            sb.append(':');
            Object v = e.getValue();
            if (v instanceof String) {
                Json.string(sb, (String) v);
            } else if (v instanceof BigDecimal) {
                sb.append(((BigDecimal) v).toString());
            } else if (v instanceof Boolean || v instanceof Number) {
                sb.append(v); // Boolean, integers and finite doubles print as JSON literals
            } else {
                Json.string(sb, String.valueOf(v)); // never nested, whatever reaches here
            }
        }
        return sb.append('}');
    }
}
