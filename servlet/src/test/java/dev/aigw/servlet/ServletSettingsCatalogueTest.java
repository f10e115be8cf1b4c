package dev.aigw.servlet;

import dev.aigw.GatewayConfigurationException;
import dev.aigw.servlet.suite.JettyEe10Container;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bad-input catalogue for every setting the servlet adapter reads: each row is a web application started on a
 * real Jetty with {@link AigwInitializer} and one bad context init-param. The start must fail with core's one-line
 * message naming the key, the value (secrets masked), the origin ({@code init-param}) and what is allowed.
 * {@link #everyKeyTheServletAdapterReadsHasARow()} fails when a key is added without a row. Counted in
 * docs/RELIABILITY.md.
 */
class ServletSettingsCatalogueTest {
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

    record Row(String key, String value, String allowed) {
        @Override
        public String toString() {
            return key + "=" + (value == null ? "(unset)" : value.replace("\r", "\\r").replace("\n", "\\n")
                    .replace("\u0000", "\\0"));
        }
    }

    static final List<Row> ROWS = List.of(
            new Row("aigw.servlet.auto", "maybe", "true or false"),
            new Row("aigw.webhook.path", "/hooks/../admin", "an exact path such as /webhooks/replicate"),
            new Row("aigw.webhook.path", "/hooks/*", "an exact path such as /webhooks/replicate"),
            new Row("aigw.webhook.path", "/hooks%2Fx", "an exact path such as /webhooks/replicate"),
            new Row("aigw.webhook.secret", null, "the webhook signing secret (whsec_...)"),
            new Row("aigw.webhook.secret", "whsec_not*base64*at*all", "whsec_ followed by base64"),
            new Row("aigw.webhook.secret", "whsec_AAAA", "fewer than 16 bytes"),
            new Row("aigw.webhook.tolerance", "10h", "from 30s to 1h"),
            new Row("aigw.webhook.tolerance", "5s", "from 30s to 1h"),
            new Row("aigw.webhook.tolerance", "soon", "a duration such as 500ms, 30s, 5m or 1h"),
            new Row("aigw.webhook.max-body-bytes", "10", "a whole number from 1024 to 67108864"),
            new Row("aigw.webhook.max-body-bytes", "4MB", "a whole number from 1024 to 67108864"),
            new Row("aigw.webhook.replay-capacity", "5", "a whole number from 100 to 10000000"),
            new Row("aigw.webhook.replay-capacity", "99999999999999999999", "a whole number from 100 to 10000000"),
            new Row("aigw.proxy.path", "/a/../b", "a path such as /replicate"),
            new Row("aigw.proxy.path", "/rep licate", "a path such as /replicate"),
            new Row("aigw.proxy.path", "/r\u00e9plicate", "a path such as /replicate"),
            new Row("aigw.proxy.replicate-token", "Bearer r8_abcdefghij", "no 'Bearer ' prefix"),
            new Row("aigw.proxy.replicate-token", "r8_abc\u0000defghij", "no 'Bearer ' prefix, no spaces"),
            new Row("aigw.proxy.access", "admins", "authenticated, anyone, or role:<name>"),
            new Row("aigw.proxy.access", "role:", "authenticated, anyone, or role:<name>"),
            new Row("aigw.proxy.models", "acme", "owner/name, owner/*"),
            new Row("aigw.proxy.models", "acme/echo, ../x", "owner/name, owner/*"),
            new Row("aigw.proxy.webhook-urls", "app.example.com/replicate/webhook", "absolute URL prefixes"),
            new Row("aigw.proxy.webhook-urls", "https://app.example.com/hook, https://admin:hunter2@evil.example/x",
                    "has user info"),
            new Row("aigw.proxy.webhook-urls", "https://app.example.com/hook?x=1", "has a query"),
            new Row("aigw.proxy.webhook-urls", "HTTPS://App.example.com/hook", "in lower case"),
            new Row("aigw.proxy.webhook-urls", "none https://app.example.com/hook", "'none' cannot be combined"),
            new Row("aigw.proxy.rate-limit", "lots", "a rate such as 60/min"),
            new Row("aigw.proxy.rate-limit", "0/min", "a rate such as 60/min"),
            new Row("aigw.proxy.rate-limit", "-5/s", "a rate such as 60/min"),
            new Row("aigw.proxy.trusted-proxies", "10.0.0.300", "IP addresses or CIDR ranges"),
            new Row("aigw.proxy.trusted-proxies", "10.0.0.0/33", "IP addresses or CIDR ranges"),
            new Row("aigw.proxy.trusted-proxies", "proxy.example", "IP addresses or CIDR ranges"),
            new Row("aigw.proxy.trusted-headers", "x-forwarded-for", "forwarded (RFC 7239's Forwarded only), "
                    + "x-forwarded"),
            new Row("aigw.proxy.trusted-headers", "both", "or any (both;"),
            new Row("aigw.proxy.public-url", "ftp://app.example/replicate", "absolute http(s) URL"),
            new Row("aigw.proxy.public-url", "https://app.example/replicate?x=1", "no query, quotes or spaces"),
            new Row("aigw.proxy.public-url", "https://admin:hunter2@app.example/replicate", "absolute http(s) URL"),
            new Row("aigw.proxy.forward-headers", "X-Ok, Cookie", "'Cookie' is not allowed"),
            new Row("aigw.proxy.forward-headers", "Authorization", "'Authorization' is not allowed"),
            new Row("aigw.proxy.forward-headers", "cf-aig-cache-key", "'cf-aig-cache-key' is not allowed"),
            new Row("aigw.proxy.forward-headers", "X-Forwarded-Host", "'X-Forwarded-Host' is not allowed"),
            new Row("aigw.proxy.forward-headers", "X:Bad", "'X:Bad' is not allowed"),
            new Row("aigw.proxy.forward-headers", "X-HTTP-Method-Override", "'X-HTTP-Method-Override' is not allowed"),
            new Row("aigw.proxy.forward-headers", "x-http-method", "'x-http-method' is not allowed"),
            new Row("aigw.proxy.forward-headers", "X-Method-Override", "'X-Method-Override' is not allowed"),
            new Row("aigw.proxy.timeout", "forever", "500ms, 30s, 5m or 1h"),
            new Row("aigw.proxy.timeout", "0s", "from 1s to 1h"),
            new Row("aigw.proxy.timeout", "2h", "from 1s to 1h"),
            new Row("aigw.proxy.idle-timeout", "0s", "from 1s to 24h"),
            new Row("aigw.proxy.idle-timeout", "never", "500ms, 30s, 5m or 1h"),
            new Row("aigw.proxy.max-concurrent", "0", "a whole number from 1 to 100000"),
            new Row("aigw.proxy.max-concurrent", "lots", "a whole number from 1 to 100000"),
            new Row("aigw.proxy.max-concurrent-per-user", "-1", "a whole number from 1 to 100000"),
            new Row("aigw.proxy.upstream", "netty", "auto (jetty when org.eclipse.jetty:jetty-client is on the class "
                    + "path, else jdk), jetty or jdk (unknown upstream 'netty')"),
            new Row("aigw.proxy.client-watch", "off", "true or false"),
            new Row("aigw.webhook.read-timeout", "0s", "from 1s to 10m"),
            new Row("aigw.webhook.read-timeout", "1h", "from 1s to 10m"),
            new Row("aigw.webhook.min-rate", "0", "a whole number from 1 to 1073741824"),
            new Row("aigw.webhook.min-rate", "fast", "a whole number from 1 to 1073741824"),
            new Row("aigw.webhook.max-unverified-bytes", "1048576", "a whole number from 4194304 to 1073741824"),
            new Row("aigw.webhook.max-unverified-bytes", "32MiB", "a whole number from 4194304 to 1073741824"),
            new Row("aigw.proxy.connect-timeout", "50ms", "from 100ms to 5m"),
            new Row("aigw.proxy.connect-timeout", "-1s", "from 100ms to 5m"),
            new Row("aigw.context.metadata", "user", "'user' has no key="),
            new Row("aigw.context.metadata", "user=cookie:x", "'cookie:x' is not a source"),
            new Row("aigw.context.metadata", "a=principal, b=route, c=route, d=route, e=route, f=route", "at most 5"),
            new Row("aigw.context.metadata", "cf.user=principal", "reserved by the gateway"),
            new Row("aigw.context.metadata", "=principal", "has no key="),
            new Row("aigw.context.metadata", "k" .repeat(129) + "=principal", "keys of 1 to 128 characters"),
            new Row("aigw.state", "mongo", "memory (each instance its own), redis (with aigw.state.redis-url) or jcache"),
            new Row("aigw.state.redis-url", "http://cache.example:6379", "redis://[[user]:password@]host[:port]"),
            new Row("aigw.state.redis-url", "redis://admin:hunter2@cache.example:99999/0", "port out of range"),
            new Row("aigw.state.redis-url", "redis://:hunter2@cache.example/0?timeout=1", "no query"),
            new Row("aigw.state.redis-url", "redis://cache.example:6379/0", "a value only with aigw.state=redis"),
            new Row("aigw.state.cache", "aigw cache", "a cache name of 1 to 128 letters"),
            new Row("aigw.state.cache", "aigw", "a value only with aigw.state=jcache"),
            new Row("aigw.state.jcache-uri", "hazelcast config.xml", "a URI the JCache provider understands"),
            new Row("aigw.state.on-failure", "maybe", "open (a rate limit that cannot be checked lets calls through)"),
            new Row("aigw.state.timeout", "1h", "from 10ms to 10s"),
            new Row("aigw.state.timeout", "5ms", "from 10ms to 10s"),
            new Row("aigw.state.local-permits", "8", "a value only with aigw.state=redis or jcache (aigw.state is "
                    + "memory)"),
            new Row("aigw.state.local-permits", "1001", "a whole number from 0 to 1000"),
            new Row("aigw.state.local-permits", "some", "a whole number from 0 to 1000"));

    static Stream<Row> rows() {
        return ROWS.stream();
    }

    /** A web application with the gateway, the proxy and the webhook filter configured, then one bad value. */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void badInitParamStopsTheApplicationWithOneClearLine(Row row) throws Exception {
        Map<String, String> params = new HashMap<>(Map.of(
                "aigw.account-id", "0123456789abcdef0123456789abcdef", "aigw.gateway-id", "gw", "aigw.log", "off",
                "aigw.proxy.path", "/replicate", "aigw.webhook.path", "/webhooks/replicate",
                "aigw.webhook.secret", SECRET));
        if (row.value() == null) {
            params.remove(row.key());
        } else {
            params.put(row.key(), row.value());
        }
        GatewayConfigurationException e = startFailure(params);
        String msg = e.getMessage();
        assertThat(e.key()).isEqualTo(row.key());
        assertThat(msg).startsWith("aigw: " + row.key() + " = ").contains(row.allowed())
                .doesNotContain("\r", "\n", "\u0000").hasSizeLessThan(1200);
        if (row.value() != null) {
            assertThat(msg).contains(" (init-param) is not allowed: ");
        }
        if (row.value() != null && (row.key().endsWith("-token") || row.key().endsWith(".secret"))) {
            assertThat(msg).contains("****(").doesNotContain("r8_abc").doesNotContain("not*base64")
                    .doesNotContain("AAAA\"");
        }
        assertThat(msg).doesNotContain("hunter2");
    }

    @Test
    void proxyWithoutAGatewayIsRefusedNamingWhatToSet() throws Exception {
        GatewayConfigurationException e = startFailure(Map.of("aigw.proxy.path", "/replicate"));
        assertThat(e.getMessage()).startsWith("aigw: aigw.proxy.path = \"/replicate\" (init-param) is not allowed: ")
                .contains("set aigw.account-id and aigw.gateway-id");
    }

    private static GatewayConfigurationException startFailure(Map<String, String> params) throws Exception {
        try (JettyEe10Container jetty = new JettyEe10Container()) {
            Throwable thrown = null;
            try {
                jetty.start("/app", params, new AigwInitializer());
            } catch (Exception ex) {
                thrown = ex;
            }
            assertThat(thrown).as("the application must not start").isNotNull();
            for (Throwable t = thrown; t != null; t = t.getCause()) {
                if (t instanceof GatewayConfigurationException g) {
                    return g;
                }
                for (Throwable s : t.getSuppressed()) {
                    if (s instanceof GatewayConfigurationException g) {
                        return g;
                    }
                }
            }
            throw new AssertionError("no GatewayConfigurationException in", thrown);
        }
    }

    /** Every {@code aigw.*} key read in the servlet adapter's sources has at least one row. */
    @Test
    void everyKeyTheServletAdapterReadsHasARow() throws IOException {
        Set<String> read = new TreeSet<>();
        try (Stream<Path> files = Files.walk(Path.of("src/main/java"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                Matcher m = Pattern.compile("\"(aigw\\.[a-z][a-z.-]*[a-z])\"").matcher(Files.readString(f));
                while (m.find()) {
                    read.add(m.group(1));
                }
            }
        }
        Set<String> covered = ROWS.stream().map(Row::key).collect(Collectors.toCollection(TreeSet::new));
        assertThat(read).hasSizeGreaterThanOrEqualTo(17);
        assertThat(covered).containsAll(read);
    }
}
