package dev.aigw.servlet;

import dev.aigw.GatewayConfigurationException;
import dev.aigw.servlet.internal.ServletSettings;
import dev.aigw.servlet.internal.proxy.ProxySettings;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Bad settings fail start-up with one line: key, value (secrets masked), origin, what is allowed. */
class SettingsErrorsTest {
    private static ServletSettings s(String... kv) {
        java.util.Map<String, String> m = new java.util.HashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put(kv[i], kv[i + 1]);
        }
        return ServletSettings.of(m);
    }

    private static dev.aigw.Settings settings(String... kv) {
        return s(kv).settings();
    }

    private static ProxySettings proxy(ServletSettings s) {
        return ProxySettings.fromSettings(s, "/mapped/*");
    }

    @Test
    void proxySettings() {
        assertThatThrownBy(() -> proxy(s("aigw.proxy.rate-limit", "lots")))
                .isInstanceOf(GatewayConfigurationException.class)
                .hasMessage("aigw: aigw.proxy.rate-limit = \"lots\" (settings) is not allowed: a rate such as 60/min, "
                        + "10/s, 1000/h, 5/10s or 100/day, per principal");
        assertThatThrownBy(() -> proxy(s("aigw.proxy.path", "/a/../b")))
                .hasMessageContaining("aigw.proxy.path").hasMessageContaining("/replicate");
        assertThatThrownBy(() -> proxy(s("aigw.proxy.models", "acme")))
                .hasMessageContaining("'acme' is not an allowlist entry");
        assertThatThrownBy(() -> proxy(s("aigw.proxy.access", "admins")))
                .hasMessageContaining("role:<name>");
        assertThatThrownBy(() -> proxy(s("aigw.proxy.forward-headers", "X-Ok, Cookie")))
                .hasMessageContaining("'Cookie' is not allowed");
        assertThatThrownBy(() -> proxy(s("aigw.proxy.timeout", "forever")))
                .hasMessageContaining("500ms, 30s, 5m or 1h");
        assertThatThrownBy(() -> proxy(s("aigw.proxy.replicate-token", "Bearer r8_abcdefgh")))
                .hasMessageContaining("****(18 chars)").hasMessageNotContaining("r8_abcdefgh");
        assertThat(proxy(s("aigw.proxy.path", "replicate/*")).path).isEqualTo("/replicate");
        // an entry's credentials are shown neither in the value nor where what is allowed names the entry
        for (String entry : new String[]{"https://u:p@ss@app.example/hook", "https://app.example/hook#t=hunter2",
                "https://app.example/hook?t=hunter2", "https://app.example/hook?x#t=hunter2"}) {
            assertThatThrownBy(() -> proxy(s("aigw.proxy.webhook-urls", "https://ok.example/h, " + entry)))
                    .as(entry).hasMessageContaining("aigw.proxy.webhook-urls")
                    .hasMessageNotContaining("hunter2").hasMessageNotContaining("p@ss").hasMessageNotContaining("ss@");
        }
    }

    /** The one shape of every bad-value message: key, value or (unset), origin, what is allowed; one line. */
    static final java.util.regex.Pattern SHAPE = java.util.regex.Pattern.compile(
            "aigw: [a-zA-Z.-]+ = (\"[^\"]*\"|\\(unset\\)) \\([^)]+\\) is not allowed: [^\\n]+");

    private static String message(org.assertj.core.api.ThrowableAssert.ThrowingCallable call) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(call);
        assertThat(t).isInstanceOf(GatewayConfigurationException.class);
        assertThat(t.getMessage()).matches(SHAPE);
        return t.getMessage();
    }

    /** A builder and a setting given the same bad value fail alike: same type, same message but for the origin. */
    @Test
    void buildersAndSettingsRefuseTheSameValueWithTheSameMessage() {
        String[][] cases = {
                {"aigw.proxy.path", "/a/../b"}, {"aigw.proxy.models", "acme"}, {"aigw.proxy.rate-limit", "lots"},
                {"aigw.proxy.webhook-urls", "https://a.example/x https://u:s3cret@b.example/y"},
                {"aigw.proxy.trusted-proxies", "10.0.0.0/99"}, {"aigw.proxy.trusted-headers", "x-forwarded-for"},
                {"aigw.proxy.public-url", "ftp://x"},
                {"aigw.proxy.forward-headers", "Cookie"}, {"aigw.proxy.replicate-token", "Bearer r8_abcdefgh"},
                {"aigw.webhook.path", "/hooks/../x"}, {"aigw.webhook.secret", "whsec_not*base64"},
                {"aigw.state.redis-url", "redis://default:s3cret@cache.example:6379/x"},
                {"aigw.state.local-permits", "-1"}, {"aigw.state.local-permits", "1001"},
        };
        for (String[] c : cases) {
            String key = c[0];
            String value = c[1];
            String fromSettings = message(() -> fromSettings(key, value));
            String fromBuilder = message(() -> fromBuilder(key, value));
            assertThat(fromBuilder).as(key).isEqualTo(fromSettings.replace(" (settings) ", " (code) "))
                    .doesNotContain("s3cret", "r8_abcdefgh", "not*base64");
        }
        // values with a range in settings and "positive" in code: the same shape, naming the same setting
        assertThat(message(() -> AigwProxyFilter.builder().timeout(java.time.Duration.ZERO)))
                .startsWith("aigw: aigw.proxy.timeout = \"0s\" (code) is not allowed: ");
        assertThat(message(() -> proxy(s("aigw.proxy.timeout", "0s"))))
                .startsWith("aigw: aigw.proxy.timeout = \"0s\" (settings) is not allowed: ");
        assertThat(message(() -> AigwWebhookFilter.builder().maxBodyBytes(0)))
                .startsWith("aigw: aigw.webhook.max-body-bytes = \"0\" (code) is not allowed: ");
        assertThat(message(() -> SharedState.builder().timeout(java.time.Duration.ofMillis(-1))))
                .startsWith("aigw: aigw.state.timeout = \"-1ms\" (code) is not allowed: ");
        assertThat(message(() -> RequestMetadata.parse("user"))).startsWith("aigw: aigw.context.metadata = \"user\" (code)");
    }

    private static void fromSettings(String key, String value) {
        if (key.startsWith("aigw.proxy.")) {
            proxy(s(key, value));
        } else if (key.startsWith("aigw.webhook.")) {
            AigwWebhookFilter.fromSettings(s("aigw.webhook.secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, value));
        } else {
            SharedState.check(settings("aigw.state", "redis", key, value));
        }
    }

    private static void fromBuilder(String key, String value) {
        AigwProxyFilter.Builder p = AigwProxyFilter.builder();
        switch (key) {
            case "aigw.proxy.path" -> p.path(value);
            case "aigw.proxy.models" -> p.models(value);
            case "aigw.proxy.webhook-urls" -> p.webhookUrls(value);
            case "aigw.proxy.rate-limit" -> p.rateLimit(value);
            case "aigw.proxy.trusted-proxies" -> p.trustedProxies(value);
            case "aigw.proxy.trusted-headers" -> p.trustedHeaders(value);
            case "aigw.proxy.public-url" -> p.publicUrl(value);
            case "aigw.proxy.forward-headers" -> p.forwardHeaders(value);
            case "aigw.proxy.replicate-token" -> p.replicateToken(value);
            case "aigw.webhook.path" -> AigwWebhookFilter.builder().path(value);
            case "aigw.webhook.secret" -> AigwWebhookFilter.builder().secret(value);
            case "aigw.state.redis-url" -> SharedState.builder().redis(value);
            case "aigw.state.local-permits" -> SharedState.builder().localPermits(Integer.parseInt(value));
            default -> throw new AssertionError(key);
        }
    }

    @Test
    void webhookSettings() {
        assertThatThrownBy(() -> AigwWebhookFilter.fromSettings(s()))
                .hasMessageContaining("aigw.webhook.secret = (unset)");
        assertThatThrownBy(() -> AigwWebhookFilter.fromSettings(s("aigw.webhook.secret", "whsec_not*base64")))
                .hasMessageContaining("****(").hasMessageNotContaining("not*base64");
        assertThatThrownBy(() -> AigwWebhookFilter.fromSettings(s("aigw.webhook.secret",
                "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "aigw.webhook.tolerance", "10h")))
                .hasMessageContaining("from 30s to 1h");
    }

    /**
     * A duration given in code is used in whole milliseconds (an async timeout, a deadline): under 1 ms it would be 0,
     * which {@code AsyncContext.setTimeout} reads as "never" (a stalled webhook sender held its budget share until
     * the container's idle timeout, and every other delivery was refused 408); past what milliseconds can count,
     * every delivery failed with an ArithmeticException. Both are refused when the filter is built.
     */
    @Test
    void codeDurationsAreWholeMillisecondsThatFit() {
        assertThat(message(() -> AigwWebhookFilter.builder().readLimits(java.time.Duration.ofNanos(500_000), 1)))
                .startsWith("aigw: aigw.webhook.read-timeout = \"500000ns\" (code) is not allowed: ")
                .contains("at least 1ms");
        assertThat(message(() -> AigwWebhookFilter.builder().readLimits(java.time.Duration.ofSeconds(Long.MAX_VALUE),
                1))).startsWith("aigw: aigw.webhook.read-timeout = \"PT").contains("(code) is not allowed: ");
        assertThat(message(() -> AigwProxyFilter.builder().timeout(java.time.Duration.ofNanos(1))))
                .startsWith("aigw: aigw.proxy.timeout = \"1ns\" (code) is not allowed: ");
        AigwWebhookFilter.builder().readLimits(java.time.Duration.ofMillis(1), Integer.MAX_VALUE); // the edges pass
    }

    @Test
    void stateSettings() {
        assertThatThrownBy(() -> SharedState.check(settings("aigw.state", "redis")))
                .hasMessage("aigw: aigw.state.redis-url = (unset) is not allowed: a Redis URL such as "
                        + "redis://host:6379/0, because aigw.state=redis");
        assertThatThrownBy(() -> SharedState.check(settings("aigw.state", "redis", "aigw.state.redis-url",
                "redis://default:s3cret-pw@cache.example:6379/x")))
                .hasMessageStartingWith("aigw: aigw.state.redis-url = \"redis://****@cache.example:6379/x\" "
                        + "(settings) is not allowed: redis://").hasMessageContaining("database number")
                .hasMessageNotContaining("s3cret");
        assertThatThrownBy(() -> SharedState.check(settings("aigw.state", "jcache", "aigw.state.redis-url",
                "redis://cache.example")))
                .hasMessageContaining("a value only with aigw.state=redis (aigw.state is jcache)");
        assertThatThrownBy(() -> SharedState.check(settings("aigw.state", "redis", "aigw.state.redis-url",
                "redis://cache.example", "aigw.state.cache", "c")))
                .hasMessageContaining("aigw.state.cache = \"c\" (settings) is not allowed: a value only with "
                        + "aigw.state=jcache");
        assertThatThrownBy(() -> SharedState.check(settings("aigw.state", "REDIS", "aigw.state.redis-url",
                "rediss://cache.example", "aigw.state.on-failure", "sometimes")))
                .hasMessageContaining("open (a rate limit that cannot be checked lets calls through) or closed");
        assertThat(SharedState.check(settings("aigw.state", "Redis", "aigw.state.redis-url", "rediss://u:p@h:6380/2",
                "aigw.state.on-failure", "CLOSED", "aigw.state.timeout", "250ms"))).isNotNull();
        assertThat(SharedState.check(settings()).build()).isSameAs(SharedState.memory());
        assertThat(SharedState.memory().engine()).isEqualTo("memory");
    }

    @Test
    void contextMetadata() {
        assertThat(RequestMetadata.parse("none").isEmpty()).isTrue();
        assertThat(RequestMetadata.parse("a=principal, b=header:X-B, c=traceparent, d=session, e=route").keys())
                .containsExactly("a", "b", "c", "d", "e");
        assertThatThrownBy(() -> RequestMetadata.parse("a=principal, b=route, c=route, d=route, e=route, f=route"))
                .hasMessageContaining("at most 5");
        assertThatThrownBy(() -> RequestMetadata.parse("cf.user=principal")).hasMessageContaining("reserved");
        assertThatThrownBy(() -> RequestMetadata.parse("user=cookie:x")).hasMessageContaining("'cookie:x' is not a source");
        assertThatThrownBy(() -> AigwRequestContextFilter.fromSettings(s("aigw.context.metadata", "user")))
                .hasMessageStartingWith("aigw: aigw.context.metadata = \"user\" (settings) is not allowed");
    }

    @Test
    void metadataValuesAreCutWithoutSplittingACharacter() {
        String emoji = "\ud83d\ude00";
        assertThat(RequestMetadata.cut("t".repeat(1023) + emoji)).isEqualTo("t".repeat(1023));
        assertThat(RequestMetadata.cut("t".repeat(1022) + emoji + "x")).isEqualTo("t".repeat(1022) + emoji);
        assertThat(RequestMetadata.cut("t".repeat(5000))).hasSize(1024);
        assertThat(RequestMetadata.cut("short")).isEqualTo("short");
    }
}
