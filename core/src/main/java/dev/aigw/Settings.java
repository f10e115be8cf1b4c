package dev.aigw;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;

/**
 * Where aigw's settings come from: key/value sources consulted in order, then system properties,
 * then the environment. Keys are {@code aigw.<name>}; the environment variable for a key is
 * {@code AIGW_<NAME>} (upper case, {@code .} and {@code -} become {@code _}), with a few
 * conventional fallbacks ({@code CLOUDFLARE_ACCOUNT_ID}, {@code CF_AIG_TOKEN},
 * {@code REPLICATE_API_TOKEN}, {@code REPLICATE_WEBHOOK_SECRET}).
 *
 * <p>Adapters pass their own source first (servlet init-params, JAX-RS client properties), so
 * it outranks system properties, which outrank the environment. Values set in code on
 * {@link Gateway.Builder} outrank them all.
 */
public final class Settings {

    /** Environment names tried after {@code AIGW_<NAME>}, for keys with a well-known variable. */
    private static final Map<String, List<String>> ENV_FALLBACKS = Map.of(
            "aigw.account-id", List.of("CLOUDFLARE_ACCOUNT_ID"),
            "aigw.token", List.of("CF_AIG_TOKEN"),
            "aigw.proxy.replicate-token", List.of("REPLICATE_API_TOKEN"),
            "aigw.webhook.secret", List.of("REPLICATE_WEBHOOK_SECRET"));

    /** Keys whose values are never shown in full, in messages or logs. */
    static final Set<String> SECRET_KEYS = Set.of("aigw.token", "aigw.proxy.replicate-token", "aigw.webhook.secret");

    private final List<Function<String, String>> sources;
    private final List<String> sourceNames;
    private final Function<String, String> systemProperties;
    private final Function<String, String> environment;

    private Settings(List<Function<String, String>> sources, List<String> sourceNames,
                     Function<String, String> systemProperties, Function<String, String> environment) {
        this.sources = sources;
        this.sourceNames = sourceNames;
        this.systemProperties = systemProperties;
        this.environment = environment;
    }

    /** System properties, then the environment. */
    public static Settings system() {
        return new Settings(List.of(), List.of(), System::getProperty, System::getenv);
    }

    /** Only the given source: no system properties, no environment (useful in tests). */
    public static Settings of(Map<String, String> values) {
        Map<String, String> copy = Map.copyOf(values);
        return new Settings(List.of(copy::get), List.of("settings"), k -> null, k -> null);
    }

    /**
     * These settings with {@code source} consulted first. {@code name} says in error messages
     * where a bad value came from ("init-param", "client property").
     */
    public Settings withSource(String name, Function<String, String> source) {
        Objects.requireNonNull(source, "source");
        List<Function<String, String>> s = new ArrayList<>(sources.size() + 1);
        List<String> n = new ArrayList<>(sources.size() + 1);
        s.add(source);
        n.add(Objects.requireNonNull(name, "name"));
        s.addAll(sources);
        n.addAll(sourceNames);
        return new Settings(List.copyOf(s), List.copyOf(n), systemProperties, environment);
    }

    /** These settings with a different environment (tests, or an app with its own env map). */
    public Settings withEnvironment(Map<String, String> env) {
        Map<String, String> copy = Map.copyOf(env);
        return new Settings(sources, sourceNames, systemProperties, copy::get);
    }

    /** The value for {@code key}, trimmed; {@code null} when unset or blank everywhere. */
    public String get(String key) {
        Value v = lookup(key);
        return v == null ? null : v.value;
    }

    /** The value and where it came from, or {@code null}. */
    Value lookup(String key) {
        for (int i = 0; i < sources.size(); i++) {
            String v = trim(sources.get(i).apply(key));
            if (v != null) {
                return new Value(key, v, sourceNames.get(i));
            }
        }
        String v = trim(systemProperties.apply(key));
        if (v != null) {
            return new Value(key, v, "system property");
        }
        String env = environmentName(key);
        v = trim(environment.apply(env));
        if (v != null) {
            return new Value(key, v, "environment " + env);
        }
        for (String fallback : ENV_FALLBACKS.getOrDefault(key, List.of())) {
            v = trim(environment.apply(fallback));
            if (v != null) {
                return new Value(key, v, "environment " + fallback);
            }
        }
        return null;
    }

    /**
     * Where the value of {@code key} comes from ("system property", "environment AIGW_CACHE_TTL",
     * or a source's name), or {@code null} when it is unset.
     */
    public String origin(String key) {
        Value v = lookup(key);
        return v == null ? null : v.origin;
    }

    /**
     * The one-line start-up error for a bad {@code value} of {@code key}: the key, the value
     * (masked for secrets), where it came from, and what is {@code allowed}. A value that is not
     * the one these settings hold was set in code; {@code null} means the key is missing.
     */
    public GatewayConfigurationException invalid(String key, String value, String allowed) {
        String origin = null;
        if (value != null) {
            Value v = lookup(key);
            origin = v != null && v.value.equals(value.strip()) ? v.origin : "code";
        }
        // what is allowed may name the offending part of the value (a list's entry): its URLs are masked alike
        return dev.aigw.internal.Problems.invalid(key, value == null ? null : shown(key, value), origin,
                urlsMasked(allowed));
    }

    /** {@code aigw.cache-ttl} becomes {@code AIGW_CACHE_TTL}. */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    private static String trim(String s) {
        if (s == null) {
            return null;
        }
        String t = s.strip();
        return t.isEmpty() ? null : t;
    }

    /** A found value with its origin, for error messages. */
    record Value(String key, String value, String origin) {
        /** The value as it may be shown: secrets masked. */
        String shown() {
            return Settings.shown(key, value);
        }
    }

    /**
     * A URL's user info ({@code https://user:password@host}), masked wherever a value is shown: in every URL of a
     * list too ({@code aigw.proxy.webhook-urls}); up to the authority's last {@code @}, as URL parsers read it, so a
     * raw {@code @} in a password ({@code https://u:p@ss@host}) hides the whole password. Not from a {@code [}: that
     * starts an IPv6 host, or a template such as {@code redis://[[user]:password@]host} in what is allowed.
     */
    private static final java.util.regex.Pattern USER_INFO =
            java.util.regex.Pattern.compile("(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*://)(?!\\[)[^/?#\\s]*@");
    /**
     * A URL's query and fragment ({@code https://h/?token=...}), masked wherever a value is shown: signed URLs and
     * receivers' tokens travel there, under names no list of secret-looking ones covers. Up to white space, so a
     * comma inside a query hides the rest of a list rather than showing part of the query.
     */
    private static final java.util.regex.Pattern QUERY =
            java.util.regex.Pattern.compile("(?<![A-Za-z0-9+.-])([A-Za-z][A-Za-z0-9+.-]*://[^\\s?#]*)([?#])\\S+");
    private static final dev.aigw.internal.Redactor CREDENTIALS = new dev.aigw.internal.Redactor(List.of());

    /**
     * A value as an error message may show it: secrets masked whole; in any other value, credentials that do not
     * belong in a setting anyway (URL user info, queries and fragments, {@code Bearer ...}, {@code r8_...},
     * {@code whsec_...}) masked.
     */
    static String shown(String key, String value) {
        if (SECRET_KEYS.contains(key)) {
            return mask(value);
        }
        return CREDENTIALS.text(urlsMasked(value));
    }

    /** Every URL of {@code text} without user info, query or fragment (masked). */
    private static String urlsMasked(String text) {
        String v = USER_INFO.matcher(text).replaceAll("$1" + dev.aigw.internal.Redactor.MASK + "@");
        return QUERY.matcher(v).replaceAll("$1$2" + dev.aigw.internal.Redactor.MASK);
    }

    /** Masks a secret so that a message can say that and roughly what was set, never the value. */
    static String mask(String secret) {
        return "****(" + secret.length() + " chars)";
    }
}
