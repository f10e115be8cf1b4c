package dev.aigw.testkit.internal;

import com.fasterxml.jackson.databind.JsonNode;
import org.eclipse.jetty.server.Request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The per-request gateway options parsed from {@code cf-aig-*} headers over the gateway defaults (spec §2.1).
 * Values the real gateway would refuse are not fatal: they are ignored (or clamped) and explained in
 * {@link #warnings}, so tests can assert on them.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class GatewayOptions {
    public static final long MIN_TTL = 60;
    public static final long MAX_TTL = 2_592_000;
    private static final Set<String> BACKOFFS = Set.of("constant", "linear", "exponential");

    /** Gateway-level defaults, set in the builder. */
    public record Defaults(Duration cacheTtl, Duration requestTimeout, int maxAttempts, Duration retryDelay,
                           String backoff, boolean collectLog, boolean collectPayload) {
    }

    public final List<String> warnings = new ArrayList<>();
    public final Map<String, Object> metadata = new LinkedHashMap<>();
    /** Cache TTL in seconds; 0 = no caching for this request. */
    public long cacheTtl;
    public boolean skipCache;
    public String cacheKey;
    public boolean collectLog;
    public boolean collectPayload;
    public Duration requestTimeout;
    public int maxAttempts;
    public Duration retryDelay;
    public String backoff;
    public String eventId;
    /** {@code cf-aig-custom-cost} {@code total_cost} in USD, or null (per-token costs need token counts). */
    public Double totalCost;

    public GatewayOptions(Request request, Defaults d) {
        collectLog = d.collectLog();
        collectPayload = d.collectPayload();
        requestTimeout = d.requestTimeout();
        maxAttempts = d.maxAttempts();
        retryDelay = d.retryDelay();
        backoff = d.backoff();
        eventId = header(request, "cf-aig-event-id", null);
        cacheKey = header(request, "cf-aig-cache-key", null);
        skipCache = "true".equalsIgnoreCase(header(request, "cf-aig-skip-cache", header(request, "cf-skip-cache", null)));
        cacheTtl = d.cacheTtl() != null ? d.cacheTtl().toSeconds() : cacheKey != null ? 300 : 0;
        String ttl = header(request, "cf-aig-cache-ttl", header(request, "cf-cache-ttl", null));
        if (ttl != null) {
            Long v = parseLong(ttl);
            if (v != null && (v == 0 || (v >= MIN_TTL && v <= MAX_TTL))) {
                cacheTtl = v;
            } else {
                warnings.add("cf-aig-cache-ttl ignored: must be 0 or " + MIN_TTL + ".." + MAX_TTL + " seconds, was " + ttl);
            }
        }
        collectLog = bool(request, "cf-aig-collect-log", collectLog);
        collectPayload = bool(request, "cf-aig-collect-log-payload", collectPayload);
        String timeout = header(request, "cf-aig-request-timeout", null);
        if (timeout != null) {
            Long v = parseLong(timeout);
            if (v != null && v > 0) {
                requestTimeout = Duration.ofMillis(v);
            } else {
                warnings.add("cf-aig-request-timeout ignored: must be a positive number of ms, was " + timeout);
            }
        }
        String attempts = header(request, "cf-aig-max-attempts", null);
        if (attempts != null) {
            Long v = parseLong(attempts);
            if (v == null || v < 1) {
                warnings.add("cf-aig-max-attempts ignored: must be 1..5, was " + attempts);
            } else {
                if (v > 5) {
                    warnings.add("cf-aig-max-attempts clamped to 5, was " + attempts);
                }
                maxAttempts = (int) Math.min(v, 5);
            }
        }
        String delay = header(request, "cf-aig-retry-delay", null);
        if (delay != null) {
            Long v = parseLong(delay);
            if (v == null || v < 0) {
                warnings.add("cf-aig-retry-delay ignored: must be 0..5000 ms, was " + delay);
            } else {
                if (v > 5000) {
                    warnings.add("cf-aig-retry-delay clamped to 5000, was " + delay);
                }
                retryDelay = Duration.ofMillis(Math.min(v, 5000));
            }
        }
        String b = header(request, "cf-aig-backoff", null);
        if (b != null) {
            if (BACKOFFS.contains(b.trim())) {
                backoff = b.trim();
            } else {
                warnings.add("cf-aig-backoff ignored: must be constant, linear or exponential, was " + b);
            }
        }
        parseMetadata(header(request, "cf-aig-metadata", null));
        bool(request, "cf-aig-zdr", false); // Unified Billing only: checked, otherwise no effect on a provider call
        hexId(request, "cf-aig-otel-trace-id", 32);
        hexId(request, "cf-aig-otel-parent-span-id", 16);
        parseCustomCost(header(request, "cf-aig-custom-cost", null));
    }

    /** W3C ids as the gateway documents them: lowercase hex of a fixed length, not all zero. */
    private void hexId(Request request, String name, int digits) {
        String v = header(request, name, null);
        if (v != null && !(v.matches("[0-9a-f]{" + digits + "}") && !v.matches("0+"))) {
            warnings.add(name + " ignored: must be " + digits + " lowercase hex digits, not all zero, was " + v);
        }
    }

    private static final Set<String> COST_KEYS = Set.of("per_token_in", "per_token_out", "per_cache_read_token",
            "per_cache_write_token", "total_cost");

    /** The header's JSON object; null when absent or, with a warning, not an object. */
    private JsonNode jsonObject(String header, String raw) {
        if (raw == null) {
            return null;
        }
        JsonNode node = Json.parseOrNull(raw.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        if (node == null || !node.isObject()) {
            warnings.add(header + " ignored: not a JSON object");
            return null;
        }
        return node;
    }

    private void parseCustomCost(String raw) {
        JsonNode node = jsonObject("cf-aig-custom-cost", raw);
        if (node == null) {
            return;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!COST_KEYS.contains(e.getKey()) || !e.getValue().isNumber() || e.getValue().asDouble() < 0) {
                warnings.add("cf-aig-custom-cost ignored: " + e.getKey() + " is not one of " + COST_KEYS
                        + " with a number of at least 0");
                return;
            }
        }
        if (node.has("total_cost")) {
            totalCost = node.path("total_cost").asDouble();
        }
    }

    /**
     * Keeps string/number/boolean values whose key does not start with {@code cf.}; of those, the first 5.
     * Everything else is dropped with a warning (the real gateway silently does not save them).
     */
    private void parseMetadata(String raw) {
        JsonNode node = jsonObject("cf-aig-metadata", raw);
        if (node == null) {
            return;
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (e.getValue().isContainerNode()) {
                // since 2026 the gateway ignores the whole header when any value is an object or array
                warnings.add("cf-aig-metadata ignored entirely: entry '" + e.getKey() + "' is nested (an "
                        + (e.getValue().isObject() ? "object" : "array") + ")");
                return;
            }
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            JsonNode v = e.getValue();
            if (e.getKey().startsWith("cf.")) {
                warnings.add("metadata entry '" + e.getKey() + "' dropped: keys starting with cf. are reserved");
            } else if (!(v.isTextual() || v.isNumber() || v.isBoolean())) {
                warnings.add("metadata entry '" + e.getKey() + "' dropped: only string, number and boolean values");
            } else if (metadata.size() >= 5) {
                warnings.add("metadata entry '" + e.getKey() + "' dropped: only the first 5 entries are kept");
            } else {
                metadata.put(e.getKey(), Json.toPlain(v));
            }
        }
    }

    /** Delay before retry number {@code retry} (1-based). */
    public long backoffMillis(int retry) {
        long base = retryDelay.toMillis();
        return switch (backoff) {
            case "linear" -> base * retry;
            case "exponential" -> base * (1L << Math.min(retry - 1, 10));
            default -> base;
        };
    }

    private boolean bool(Request request, String name, boolean dflt) {
        String v = header(request, name, null);
        if (v == null) {
            return dflt;
        }
        if (v.equalsIgnoreCase("true") || v.equalsIgnoreCase("false")) {
            return Boolean.parseBoolean(v);
        }
        warnings.add(name + " ignored: must be true or false, was " + v);
        return dflt;
    }

    private static String header(Request request, String name, String dflt) {
        String v = request.getHeaders().get(name);
        return v == null ? dflt : v;
    }

    private static Long parseLong(String s) {
        try {
            return Long.parseLong(s.trim());
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
