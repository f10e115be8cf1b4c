package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.RateLimiter;

import dev.aigw.Gateway;
import jakarta.servlet.http.HttpServletRequest;

import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
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
        AtomicReference<HttpClient> upstream,
        ExecutorService executor) {

    public ProxyConfig(Gateway gateway, String path, String replicateToken, Predicate<HttpServletRequest> access,
                       String accessDescription, ModelAllowlist allowlist, RateLimiter rateLimiter,
                       TrustedProxies trustedProxies, String publicUrl, ProxyHeaders headers, Duration timeout,
                       HttpClient client, ExecutorService executor) {
        this(gateway, path, replicateToken, access, accessDescription, allowlist, rateLimiter, trustedProxies,
                publicUrl, headers, timeout, new AtomicReference<>(client), executor);
    }

    /** The upstream client; fails once the filter was destroyed. */
    public HttpClient client() {
        HttpClient c = upstream.get();
        if (c == null) {
            throw new IllegalStateException("the aigw proxy filter was destroyed");
        }
        return c;
    }

    /**
     * Ends the upstream client with the filter. A JDK 17 HttpClient cannot be closed: it ends when it becomes
     * unreachable. An idle pooled connection keeps its last exchange, and through the exchange's response handler
     * this configuration, reachable from the client's selector thread; so the configuration must let go of the
     * client, or the client, its thread and its idle sockets would live until the JDK's keep-alive (1200 s by
     * default) expires the connections. On JDK 21+ it is also shut down at once ({@code shutdownNow}: {@code close}
     * would wait for running streams, holding up undeployment).
     */
    public void release() {
        executor.shutdownNow();
        HttpClient c = upstream.getAndSet(null);
        if (c != null) {
            try {
                HttpClient.class.getMethod("shutdownNow").invoke(c);
            } catch (ReflectiveOperationException | RuntimeException ignored) {
                // JDK 17 has none; best effort either way: the client is unreachable from here on
            }
        }
    }
}
