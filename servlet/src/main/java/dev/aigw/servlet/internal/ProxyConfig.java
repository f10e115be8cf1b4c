package dev.aigw.servlet.internal;

import dev.aigw.Gateway;
import dev.aigw.internal.ModelAllowlist;
import dev.aigw.internal.ProxyHeaders;
import dev.aigw.internal.RateLimiter;
import dev.aigw.internal.TrustedProxies;
import jakarta.servlet.http.HttpServletRequest;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.function.Predicate;

/** Everything one proxy filter needs, resolved and checked at start-up. */
public record ProxyConfig(
        Gateway gateway,
        String path,
        String replicateToken,
        Predicate<HttpServletRequest> access,
        String accessDescription,
        ModelAllowlist allowlist,
        RateLimiter rateLimiter,
        TrustedProxies trustedProxies,
        String publicUrl,
        ProxyHeaders headers,
        Duration timeout,
        HttpClient client,
        java.util.concurrent.ExecutorService executor) {
}
