package dev.aigw.servlet.internal;

import dev.aigw.GatewayConfigurationException;
import dev.aigw.Settings;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;

import java.time.Duration;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * aigw's settings as a servlet application sees them: filter init-params, then context init-params, then system
 * properties, then the environment. Knows where a value came from, so that a bad one fails start-up with the
 * usual one-line message (secrets masked).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ServletSettings {
    /**
     * Values set in code, through a filter's or {@code SharedState}'s builder: a bad one is reported in the settings'
     * format, named by the setting it stands for, with origin {@code code}.
     */
    public static final ServletSettings CODE = of(Map.of());

    private static final Pattern DURATION = Pattern.compile("\\s*(\\d{1,9})\\s*(ms|s|m|min|h)?\\s*");

    private final Settings settings;

    private ServletSettings(Settings settings) {
        this.settings = settings;
    }

    public static ServletSettings of(ServletContext ctx) {
        return new ServletSettings(Settings.system().withSource("init-param", ctx::getInitParameter));
    }

    public static ServletSettings of(FilterConfig cfg) {
        ServletContext ctx = cfg.getServletContext();
        return new ServletSettings(Settings.system().withSource("init-param", k -> {
            String v = cfg.getInitParameter(k);
            return v != null && !v.isBlank() ? v : ctx.getInitParameter(k);
        }));
    }

    /** Core's settings, read as a servlet application does (durations, whole numbers, the builders' checks). */
    public static ServletSettings of(Settings settings) {
        return new ServletSettings(settings);
    }

    /** Only the given values: no system properties, no environment (tests, or an application's own map). */
    public static ServletSettings of(Map<String, String> values) {
        return new ServletSettings(Settings.of(values));
    }

    /** The core settings (for {@code Gateway.fromSettings}). */
    public Settings settings() {
        return settings;
    }

    /** The value, trimmed, or null when unset or blank. */
    public String get(String key) {
        return settings().get(key);
    }

    /** The one-line start-up error for a bad value of {@code key} (core's format, secrets masked). */
    public GatewayConfigurationException invalid(String key, String value, String allowed) {
        return settings.invalid(key, value, allowed);
    }

    /**
     * Hands the value of {@code key}, when set, to {@code setter} (a builder's check of the same value); a value it
     * refuses is reported with this value's origin and the setter's "what is allowed".
     */
    public void apply(String key, Consumer<String> setter) {
        String v = get(key);
        if (v == null) {
            return;
        }
        try {
            setter.accept(v);
        } catch (GatewayConfigurationException e) {
            throw invalid(key, v, e.allowed());
        }
    }

    /**
     * A duration given in code for {@code key}, of at least 1 ms and no more than a long of milliseconds counts;
     * else the settings' error. Durations are used in whole milliseconds: less would be 0, which an async timeout
     * reads as "never".
     */
    public static Duration positive(String key, Duration d) {
        if (d == null || d.compareTo(Duration.ofMillis(1)) < 0 || d.compareTo(Duration.ofMillis(Long.MAX_VALUE)) > 0) {
            throw CODE.invalid(key, d == null ? "null" : human(d), "a duration of at least 1ms, such as 30s");
        }
        return d;
    }

    /** A whole number of at least 1 given in code for {@code key}; else the settings' error. */
    public static int positive(String key, int n) {
        return (int) positive(key, (long) n);
    }

    /** A whole number of at least 1 given in code for {@code key}; else the settings' error. */
    public static long positive(String key, long n) {
        if (n < 1) {
            throw CODE.invalid(key, Long.toString(n), "a whole number of at least 1");
        }
        return n;
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
        throw invalid(key, v, wholeNumber(min, max));
    }

    /** A whole number from {@code min} to {@code max} given in code for {@code key}; else the settings' error. */
    public static long within(String key, long n, long min, long max) {
        if (n < min || n > max) {
            throw CODE.invalid(key, Long.toString(n), wholeNumber(min, max));
        }
        return n;
    }

    private static String wholeNumber(long min, long max) {
        return "a whole number from " + min + " to " + max;
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

    /** {@code 500ms}, {@code 30s}, {@code 5m}, {@code 168h}: how the settings write a duration. */
    public static String human(Duration d) {
        if (d.compareTo(Duration.ofMillis(Long.MAX_VALUE)) > 0 || d.compareTo(Duration.ofMillis(Long.MIN_VALUE)) < 0) {
            return d.toString(); // beyond what milliseconds count
        }
        long ms = d.toMillis();
        if (ms == 0) {
            return d.isZero() ? "0s" : d.toNanos() + "ns";
        }
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

}
