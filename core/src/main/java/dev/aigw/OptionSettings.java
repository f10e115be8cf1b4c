package dev.aigw;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.aigw.internal.Problems;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/** Reads {@link CallOptions} from {@code aigw.*} string settings; one parser for every source. */
final class OptionSettings {
    /**
     * Without Jackson's thread-local buffer recycling: settings are parsed rarely and small, and a recycler left in a
     * container thread's {@code ThreadLocal} would keep a web application's class loader after it stopped.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .disable(JsonFactory.Feature.USE_THREAD_LOCAL_FOR_BUFFER_RECYCLING).build();

    private static final String[] NAMES = {"cache-ttl", "skip-cache", "cache-key", "collect-log",
        "collect-log-payload", "request-timeout", "max-attempts", "retry-delay", "backoff", "event-id",
        "custom-cost", "byok-alias", "no-wholesale", "zdr", "metadata"};
    private static final String[] KEYS = new String[NAMES.length];

    static {
        for (int i = 0; i < NAMES.length; i++) {
            KEYS[i] = "aigw." + NAMES[i];
        }
    }

    private OptionSettings() {
    }

    static CallOptions read(Function<String, String> source, String origin) {
        return read(source, key -> origin);
    }

    /** @param origins says where the value of a key came from, for error messages */
    static CallOptions read(Function<String, String> source, Function<String, String> origins) {
        // Adapters read per-call options on every call, mostly finding none: no builder and no strings then.
        CallOptions.Builder b = null;
        for (int i = 0; i < NAMES.length; i++) {
            String name = NAMES[i];
            String key = KEYS[i];
            String raw = source.apply(key);
            if (raw == null || raw.isBlank()) {
                continue;
            }
            if (b == null) {
                b = CallOptions.builder();
            }
            String value = raw.strip();
            try {
                apply(b, name, value);
            } catch (dev.aigw.GatewayConfigurationException e) {
                throw Problems.invalid(key, Settings.shown(key, value), origins.apply(key), e.allowed());
            }
        }
        return b == null ? CallOptions.NONE : b.build();
    }

    private static void apply(CallOptions.Builder b, String name, String v) {
        switch (name) {
            case "cache-ttl":
                b.cacheTtl(Duration.ofSeconds(number(name, v, "whole seconds from 60 to 2592000 (one month)")));
                break;
            case "skip-cache":
                b.skipCache(bool(name, v));
                break;
            case "cache-key":
                b.cacheKey(v);
                break;
            case "collect-log":
                b.collectLog(bool(name, v));
                break;
            case "collect-log-payload":
                b.collectLogPayload(bool(name, v));
                break;
            case "request-timeout":
                b.requestTimeout(Duration.ofMillis(number(name, v, "whole milliseconds from 1 to 3600000 (one hour)")));
                break;
            case "max-attempts":
                b.maxAttempts((int) Math.min(Integer.MAX_VALUE, number(name, v, "a whole number from 1 to 5")));
                break;
            case "retry-delay":
                b.retryDelay(Duration.ofMillis(number(name, v, "whole milliseconds from 0 to 5000")));
                break;
            case "backoff":
                b.backoff(backoff(v));
                break;
            case "event-id":
                b.eventId(v);
                break;
            case "custom-cost":
                customCost(b, v);
                break;
            case "byok-alias":
                b.byokAlias(v);
                break;
            case "no-wholesale":
                b.noWholesale(bool(name, v));
                break;
            case "zdr":
                b.zeroDataRetention(bool(name, v));
                break;
            case "metadata":
                b.metadata(metadata(v));
                break;
            default:
                throw new AssertionError(name);
        }
    }

    static boolean bool(String name, String v) {
        switch (v.toLowerCase(Locale.ROOT)) {
            case "true":
            case "on":
            case "yes":
                return true;
            case "false":
            case "off":
            case "no":
                return false;
            default:
                throw Problems.invalid(name, v, null, "true or false (also on/off, yes/no)");
        }
    }

    private static long number(String name, String v, String allowed) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw Problems.invalid(name, v, null, allowed);
        }
    }

    private static CallOptions.Backoff backoff(String v) {
        for (CallOptions.Backoff b : CallOptions.Backoff.values()) {
            if (b.headerValue().equalsIgnoreCase(v)) {
                return b;
            }
        }
        throw Problems.invalid("backoff", v, null, "constant, linear or exponential");
    }

    /** A flat JSON object of string, number and boolean values, in document order. */
    static Map<String, Object> metadata(String json) {
        String allowed = "a JSON object of at most 5 entries whose values are strings, numbers or booleans,"
                + " e.g. {\"team\":\"ai\",\"tier\":2}";
        Map<String, Object> out = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw Problems.invalid("metadata", json, null, allowed);
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                JsonToken vt = p.nextToken();
                Object value;
                switch (vt) {
                    case VALUE_STRING:
                        value = p.getText();
                        break;
                    case VALUE_NUMBER_INT:
                        value = p.getNumberValue();
                        break;
                    case VALUE_NUMBER_FLOAT:
                        value = p.getDecimalValue();
                        break;
                    case VALUE_TRUE:
                    case VALUE_FALSE:
                        value = p.getBooleanValue();
                        break;
                    default:
                        throw Problems.invalid("metadata", json, null, allowed + "; \"" + key + "\" is " + vt);
                }
                if (out.put(key, value) != null) {
                    throw Problems.invalid("metadata", json, null, allowed + "; \"" + key + "\" appears twice");
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw Problems.invalid("metadata", json, null, allowed);
            }
        } catch (IOException e) {
            throw Problems.invalid("metadata", json, null, allowed + " (not valid JSON)");
        }
        if (out.size() > CallOptions.MAX_METADATA) {
            throw Problems.invalid("metadata", json, null, allowed + "; found " + out.size() + " entries");
        }
        return out;
    }

    private static void customCost(CallOptions.Builder b, String json) {
        String allowed = "{\"per_token_in\":<USD>,\"per_token_out\":<USD>} with optional \"per_cache_read_token\" and "
                + "\"per_cache_write_token\", or {\"total_cost\":<USD>}";
        Map<String, Double> fields = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw Problems.invalid("custom-cost", json, null, allowed);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                JsonToken vt = p.nextToken();
                if (vt != JsonToken.VALUE_NUMBER_INT && vt != JsonToken.VALUE_NUMBER_FLOAT) {
                    throw Problems.invalid("custom-cost", json, null, allowed);
                }
                if (fields.put(k, p.getDoubleValue()) != null) {
                    throw Problems.invalid("custom-cost", json, null, allowed + "; \"" + k + "\" appears twice");
                }
            }
            if (p.nextToken() != null) {
                throw Problems.invalid("custom-cost", json, null, allowed);
            }
        } catch (IOException e) {
            throw Problems.invalid("custom-cost", json, null, allowed + " (not valid JSON)");
        }
        java.util.Set<String> keys = fields.keySet();
        if (keys.equals(java.util.Set.of("total_cost"))) {
            b.customTotalCost(fields.get("total_cost"));
        } else if (keys.contains("per_token_in") && keys.contains("per_token_out") && java.util.Set.of("per_token_in",
                "per_token_out", "per_cache_read_token", "per_cache_write_token").containsAll(keys)) {
            b.customCost(fields.get("per_token_in"), fields.get("per_token_out"), fields.get("per_cache_read_token"),
                    fields.get("per_cache_write_token"));
        } else {
            throw Problems.invalid("custom-cost", json, null, allowed);
        }
    }
}
