package dev.aigw.servlet.internal.proxy;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.RateLimiter;
import dev.aigw.servlet.internal.Sweeper;
import jakarta.servlet.http.HttpServletRequest;

import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Everything one proxy filter needs, resolved and checked at start-up from its {@link ProxySettings}.
 *
 * <p>Internal: not API, may change in any release.
 */
public record ProxyConfig(
        Gateway gateway,
        String path,
        String replicateToken,
        Predicate<HttpServletRequest> access,
        String accessDescription,
        ModelAllowlist allowlist,
        WebhookUrls webhookUrls,
        RateLimiter rateLimiter,
        ConcurrencyLimit limit,
        TrustedProxies trustedProxies,
        String publicUrl,
        ProxyHeaders headers,
        Duration timeout,
        Duration idleTimeout,
        Upstream upstream,
        Sweeper sweeper,
        Derived derived,
        ClientWatch clientWatch) {

    /** The Replicate API root the proxy stands in for. */
    public static final String API = "https://api.replicate.com/v1";
    /** Default time to the upstream's response head: Replicate's {@code Prefer: wait} holds up to 60 s. */
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    /** Default longest silence of a response body, event streams included (a model may boot for minutes). */
    public static final Duration DEFAULT_IDLE_TIMEOUT = Duration.ofMinutes(5);

    /** What it is, never the Replicate token (a record's own {@code toString} prints every component). */
    @Override
    public String toString() {
        return "ProxyConfig[path=" + path + ", replicateToken=" + (replicateToken == null ? "none (the client's)"
                : "(set)") + ", access=" + accessDescription + ", publicUrl=" + publicUrl + ", timeout=" + timeout
                + ", idleTimeout=" + idleTimeout + "]";
    }

    /** Ends the upstream client's threads and connections and the sweeper's thread, with the filter. */
    public void release() {
        upstream.stop();
        sweeper.stop();
        clientWatch.stop();
    }

    /** An absolute http(s) URL without query, user info, quotes or spaces, without trailing slash; else null. */
    public static String normalisePublicUrl(String url) {
        String u = url.strip();
        while (u.endsWith("/")) {
            u = u.substring(0, u.length() - 1);
        }
        try {
            URI parsed = new URI(u);
            String scheme = parsed.getScheme() == null ? "" : parsed.getScheme().toLowerCase(Locale.ROOT);
            if (!(scheme.equals("http") || scheme.equals("https")) || parsed.getRawAuthority() == null
                    || parsed.getRawQuery() != null || parsed.getRawFragment() != null
                    || parsed.getRawUserInfo() != null) {
                return null;
            }
            for (int i = 0; i < u.length(); i++) {
                char c = u.charAt(i);
                if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                    return null;
                }
            }
            return u;
        } catch (URISyntaxException e) {
            return null;
        }
    }
}
