package dev.aigw.servlet.internal;

import dev.aigw.GatewayConfigurationException;
import dev.aigw.Settings;
import dev.aigw.internal.Problems;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * aigw's settings as a servlet application sees them: filter init-params, then context init-params, then system
 * properties, then the environment. Knows where a value came from, so that a bad one fails start-up with the
 * usual one-line message (secrets masked).
 */
public final class ServletSettings {
    private static final Set<String> SECRETS = Set.of("aigw.token", "aigw.proxy.replicate-token", "aigw.webhook.secret");
    private static final Map<String, String> ENV_FALLBACK = Map.of(
            "aigw.proxy.replicate-token", "REPLICATE_API_TOKEN",
            "aigw.webhook.secret", "REPLICATE_WEBHOOK_SECRET",
            "aigw.account-id", "CLOUDFLARE_ACCOUNT_ID",
            "aigw.token", "CF_AIG_TOKEN");
    private static final Pattern DURATION = Pattern.compile("\\s*(\\d{1,9})\\s*(ms|s|m|min|h)?\\s*");

    private final Function<String, String> filterParams;
    private final Function<String, String> contextParams;
    private final Settings settings;
    private final Function<String, String> env;

    private final Map<String, String> isolated;

    private ServletSettings(Function<String, String> filterParams, Function<String, String> contextParams,
                            Function<String, String> env, Map<String, String> isolated) {
        this.filterParams = filterParams;
        this.contextParams = contextParams;
        this.env = env;
        this.isolated = isolated;
        this.settings = isolated != null ? Settings.of(isolated) : Settings.system().withSource("init-param", k -> {
            String v = filterParams.apply(k);
            return v != null && !v.isBlank() ? v : contextParams.apply(k);
        });
    }

    public static ServletSettings of(ServletContext ctx) {
        return new ServletSettings(k -> null, ctx::getInitParameter, System::getenv, null);
    }

    public static ServletSettings of(FilterConfig cfg) {
        ServletContext ctx = cfg.getServletContext();
        return new ServletSettings(cfg::getInitParameter, ctx::getInitParameter, System::getenv, null);
    }

    /** Only the given values: no system properties, no environment (tests, or an application's own map). */
    public static ServletSettings of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return new ServletSettings(k -> null, copy::get, k -> null, copy);
    }

    /** The core settings (for {@code Gateway.fromSettings}). */
    public Settings settings() {
        return settings;
    }

    /** The value, trimmed, or null when unset or blank. */
    public String get(String key) {
        return settings().get(key);
    }

    /** Where the value of {@code key} came from, for messages. */
    public String origin(String key) {
        if (isolated != null) {
            return "settings";
        }
        if (present(filterParams.apply(key)) || present(contextParams.apply(key))) {
            return "init-param";
        }
        if (present(System.getProperty(key))) {
            return "system property";
        }
        String e = Settings.environmentName(key);
        if (present(env.apply(e))) {
            return "environment " + e;
        }
        String f = ENV_FALLBACK.get(key);
        return f != null ? "environment " + f : null;
    }

    /** The one-line start-up error for a bad value of {@code key}. */
    public GatewayConfigurationException invalid(String key, String value, String allowed) {
        String shown = value == null ? null : SECRETS.contains(key) ? "****(" + value.length() + " chars)" : value;
        return Problems.invalid(key, shown, value == null ? null : origin(key), allowed);
    }

    public boolean bool(String key, boolean dflt) {
        String v = get(key);
        if (v == null) {
            return dflt;
        }
        if (v.equalsIgnoreCase("true")) {
            return true;
        }
        if (v.equalsIgnoreCase("false")) {
            return false;
        }
        throw invalid(key, v, "true or false");
    }

    public long integer(String key, long dflt, long min, long max) {
        String v = get(key);
        if (v == null) {
            return dflt;
        }
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through
        }
        throw invalid(key, v, "a whole number from " + min + " to " + max);
    }

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 2h}; a bare number is seconds. */
    public Duration duration(String key, Duration dflt, Duration min, Duration max) {
        String v = get(key);
        if (v == null) {
            return dflt;
        }
        Matcher m = DURATION.matcher(v);
        if (m.matches()) {
            long n = Long.parseLong(m.group(1));
            String unit = m.group(2) == null ? "s" : m.group(2);
            Duration d = switch (unit) {
                case "ms" -> Duration.ofMillis(n);
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default -> Duration.ofSeconds(n);
            };
            if (d.compareTo(min) >= 0 && d.compareTo(max) <= 0) {
                return d;
            }
        }
        throw invalid(key, v, "a duration such as 500ms, 30s, 5m or 1h, from " + human(min) + " to " + human(max));
    }

    private static String human(Duration d) {
        long ms = d.toMillis();
        if (ms % 1000 != 0) {
            return ms + "ms";
        }
        long sec = ms / 1000;
        if (sec % 3600 == 0) {
            return sec / 3600 + "h";
        }
        if (sec % 60 == 0) {
            return sec / 60 + "m";
        }
        return sec + "s";
    }

    private static boolean present(String v) {
        return v != null && !v.isBlank();
    }
}
