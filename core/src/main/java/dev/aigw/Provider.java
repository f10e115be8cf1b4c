package dev.aigw;

import java.net.URI;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * An AI provider the gateway fronts: its slug in gateway URLs and the upstream URL prefix that
 * the slug replaces. {@code https://api.replicate.com/v1/predictions} becomes
 * {@code <gateway>/replicate/predictions}.
 *
 * <p>The built-in table holds the providers whose prefixes Cloudflare's documentation states;
 * {@link #of(String, String)} adds any other (a custom provider, or one the docs changed).
 */
public final class Provider {
    private static final Pattern SLUG = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");

    public static final Provider REPLICATE = new Provider("replicate", "https://api.replicate.com/v1");
    public static final Provider OPENAI = new Provider("openai", "https://api.openai.com/v1");
    public static final Provider ANTHROPIC = new Provider("anthropic", "https://api.anthropic.com");
    public static final Provider GROQ = new Provider("groq", "https://api.groq.com/openai/v1");
    public static final Provider HUGGINGFACE = new Provider("huggingface", "https://api-inference.huggingface.co/models");
    public static final Provider FAL = new Provider("fal", "https://fal.run");

    private static final List<Provider> KNOWN = List.of(REPLICATE, OPENAI, ANTHROPIC, GROQ, HUGGINGFACE, FAL);

    private final String slug;
    private final String prefix;
    private final String host;
    private final String pathPrefix;

    private Provider(String slug, String prefix) {
        this.slug = slug;
        this.prefix = prefix;
        URI u = URI.create(prefix);
        this.host = u.getHost().toLowerCase(Locale.ROOT);
        this.pathPrefix = u.getRawPath() == null ? "" : u.getRawPath();
    }

    /**
     * A provider not in the built-in table. {@code upstreamPrefix} is an absolute {@code https}
     * URL without query or fragment, e.g. {@code https://api.example.com/v1}.
     */
    public static Provider of(String slug, String upstreamPrefix) {
        Objects.requireNonNull(slug, "slug");
        Objects.requireNonNull(upstreamPrefix, "upstreamPrefix");
        if (!SLUG.matcher(slug).matches()) {
            throw dev.aigw.internal.Problems.invalid("provider", slug, null,
                    "a slug of lower-case letters, digits and '-' (e.g. replicate)");
        }
        URI u;
        try {
            u = new URI(upstreamPrefix);
        } catch (java.net.URISyntaxException e) {
            throw dev.aigw.internal.Problems.invalid("provider", upstreamPrefix, null, "an absolute https URL");
        }
        if (!"https".equalsIgnoreCase(u.getScheme()) || u.getHost() == null || u.getRawQuery() != null
                || u.getRawFragment() != null || u.getRawUserInfo() != null
                || (u.getPort() != -1 && u.getPort() != 443)) {
            throw dev.aigw.internal.Problems.invalid("provider", upstreamPrefix, null,
                    "an absolute https URL on the default port, without user info, query or fragment");
        }
        String p = upstreamPrefix;
        while (p.endsWith("/")) {
            p = p.substring(0, p.length() - 1);
        }
        return new Provider(slug, p);
    }

    /** The providers whose prefixes Cloudflare documents. */
    public static List<Provider> known() {
        return KNOWN;
    }

    /** A built-in provider by slug, or {@code null}. */
    public static Provider bySlug(String slug) {
        for (Provider p : KNOWN) {
            if (p.slug.equals(slug)) {
                return p;
            }
        }
        return null;
    }

    /** The slug in gateway URLs, e.g. {@code replicate}. */
    public String slug() {
        return slug;
    }

    /** The upstream prefix the slug stands for, e.g. {@code https://api.replicate.com/v1}. */
    public String upstreamPrefix() {
        return prefix;
    }

    /** Lower-case host of the prefix. */
    public String host() {
        return host;
    }

    /** Raw path of the prefix without trailing slash, e.g. {@code /v1}; empty for a host root. */
    public String pathPrefix() {
        return pathPrefix;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Provider && ((Provider) o).slug.equals(slug) && ((Provider) o).prefix.equals(prefix);
    }

    @Override
    public int hashCode() {
        return slug.hashCode() * 31 + prefix.hashCode();
    }

    @Override
    public String toString() {
        return slug + "=" + prefix;
    }
}
