package dev.aigw;

import dev.aigw.internal.GatewayHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bad-input catalogue for every setting core reads: each key with invalid values, from a source and from the
 * environment. The error must name the key, the value (secrets masked, credentials in URLs masked), where it came
 * from and what is allowed, on one short line. {@link #everyKeyCoreReadsHasARow()} fails when a key is added to core
 * without a row here. Counted in docs/RELIABILITY.md.
 */
class SettingsCatalogueTest {
    private static final String ACCT = "0123456789abcdef0123456789abcdef";

    /** One bad value of one key and a fragment of what the message must say is allowed. */
    record Row(String key, String value, String allowed) {
        @Override
        public String toString() {
            String v = value.length() > 40 ? value.substring(0, 40) + "…(" + value.length() + ")" : value;
            return key + "=" + v.replace("\r", "\\r").replace("\n", "\\n").replace("\u0000", "\\0");
        }
    }

    static final List<Row> ROWS = List.of(
            new Row("aigw.account-id", "not-hex", "32 hexadecimal characters"),
            new Row("aigw.account-id", "0123456789abcdef0123456789abcdeg", "32 hexadecimal characters"),
            new Row("aigw.account-id", ACCT + "0", "32 hexadecimal characters"),
            new Row("aigw.account-id", ACCT.substring(0, 16) + "\r\n" + ACCT.substring(16), "32 hexadecimal characters"),
            new Row("aigw.gateway-id", "has space", "1 to 64 letters"),
            new Row("aigw.gateway-id", "g".repeat(65), "1 to 64 letters"),
            new Row("aigw.gateway-id", "../other", "starting with a letter or digit"),
            new Row("aigw.gateway-id", "gw\r\nX-Injected: 1", "1 to 64 letters"),
            new Row("aigw.gateway-id", "g\u00e9", "1 to 64 letters"),
            new Row("aigw.token", "Bearer cf-tok", "no 'Bearer ' prefix"),
            new Row("aigw.token", "cf-tok\u0000en", "no spaces or control characters"),
            new Row("aigw.token", "t".repeat(4097), "at most 4096 characters"),
            new Row("aigw.token", "t\u00f6ken", "no spaces or control characters"),
            new Row("aigw.base-url", "ftp://gw.example/v1", "absolute http(s) URL"),
            new Row("aigw.base-url", "gw.example/v1", "absolute http(s) URL"),
            new Row("aigw.base-url", "https://gw.example/v1?x=1", "without user info, query or fragment"),
            new Row("aigw.base-url", "https://gw.example/v1#frag", "without user info, query or fragment"),
            new Row("aigw.base-url", "https://admin:hunter2@gw.example/v1", "without user info"),
            new Row("aigw.base-url", "https://gw.example/v1?sig=hunter2", "without user info, query or fragment"),
            new Row("aigw.base-url", "https://gw.example/v1#access_token=hunter2", "without user info, query or fragment"),
            new Row("aigw.base-url", "https://api.replicate.com/v1", "calls would loop"),
            new Row("aigw.base-url", "https://gw example/v1", "absolute http(s) URL"),
            new Row("aigw.enabled", "sometimes", "true or false"),
            new Row("aigw.providers", "replicate,nosuch", "'nosuch' is unknown"),
            new Row("aigw.providers", ",", "at least one provider"),
            new Row("aigw.log", "verbose", "off, summary or json"),
            new Row("aigw.fallback", "perhaps", "true or false"),
            new Row("aigw.cache-ttl", "10", "60 to 2592000"),
            new Row("aigw.cache-ttl", "2592001", "60 to 2592000"),
            new Row("aigw.cache-ttl", "1.5", "whole seconds"),
            new Row("aigw.cache-ttl", "-60", "whole seconds"),
            new Row("aigw.cache-ttl", "99999999999999999999", "whole seconds"),
            new Row("aigw.skip-cache", "maybe", "true or false"),
            new Row("aigw.cache-key", "k".repeat(1025), "1 to 1024 characters"),
            new Row("aigw.cache-key", "k\u00e9y", "visible ASCII characters"),
            new Row("aigw.cache-key", "a\r\nX-Injected: 1", "visible ASCII characters"),
            new Row("aigw.collect-log", "2", "true or false"),
            new Row("aigw.collect-log-payload", "nope", "true or false"),
            new Row("aigw.request-timeout", "soon", "whole milliseconds"),
            new Row("aigw.request-timeout", "0", "from 1 to 3600000"),
            new Row("aigw.request-timeout", "3600001", "from 1 to 3600000"),
            new Row("aigw.max-attempts", "9", "1 to 5"),
            new Row("aigw.max-attempts", "0", "1 to 5"),
            new Row("aigw.max-attempts", "99999999999999999999", "1 to 5"),
            new Row("aigw.retry-delay", "9000", "0 to 5000"),
            new Row("aigw.retry-delay", "-1", "0 to 5000"),
            new Row("aigw.backoff", "wild", "constant, linear or exponential"),
            new Row("aigw.event-id", "evt\u0001", "visible ASCII"),
            new Row("aigw.event-id", "e".repeat(1025), "1 to 1024 characters"),
            new Row("aigw.custom-cost", "5", "total_cost"),
            new Row("aigw.custom-cost", "{\"per_token_in\":-1,\"per_token_out\":1}", "at least 0"),
            new Row("aigw.custom-cost", "{\"total_cost\":\"x\"}", "total_cost"),
            new Row("aigw.custom-cost", "{\"total_cost\":1,\"per_token_in\":1}", "total_cost"),
            new Row("aigw.custom-cost", "{\"total_cost\":1", "not valid JSON"),
            new Row("aigw.byok-alias", "al\u0007ias", "visible ASCII"),
            new Row("aigw.no-wholesale", "3", "true or false"),
            new Row("aigw.zdr", "sure", "true or false"),
            new Row("aigw.observers", "otel", "auto"),
            new Row("aigw.custom-cost", "{\"per_token_in\":1,\"per_token_out\":1,\"per_cache_read_token\":-2}",
                    "at least 0"),
            new Row("aigw.custom-cost", "{\"per_token_in\":1,\"per_token_out\":1,\"per_cache_peek_token\":1}",
                    "per_cache_write_token"),
            new Row("aigw.custom-cost", "{\"per_cache_read_token\":1}", "total_cost"),
            new Row("aigw.custom-cost", "{\"per_token_in\":1,\"per_token_in\":2,\"per_token_out\":1}", "appears twice"),
            new Row("aigw.metadata", "{\"a\":{\"b\":1}}", "\"a\" is START_OBJECT"),
            new Row("aigw.metadata", "{\"a\":[1,2]}", "\"a\" is START_ARRAY"),
            new Row("aigw.metadata", "{\"a\":null}", "\"a\" is VALUE_NULL"),
            new Row("aigw.metadata", "[1]", "a JSON object"),
            new Row("aigw.metadata", "{\"a\":1,\"a\":2}", "appears twice"),
            new Row("aigw.metadata", "{\"a\":1,\"b\":2,\"c\":3,\"d\":4,\"e\":5,\"f\":6}", "found 6 entries"),
            new Row("aigw.metadata", "{\"cf.user\":\"u\"}", "reserved by the gateway"),
            new Row("aigw.metadata", "{\"CF.user\":\"u\"}", "reserved by the gateway"),
            new Row("aigw.metadata", "{\"\":1}", "keys of 1 to 128 characters"),
            new Row("aigw.metadata", "{\"" + "k".repeat(129) + "\":1}", "keys of 1 to 128 characters"),
            new Row("aigw.metadata", "{\"k\":\"" + "v".repeat(1025) + "\"}", "at most 1024 characters"),
            new Row("aigw.metadata", "{\"k\":\"" + "v".repeat(5_000_000) + "\"}", "at most 1024 characters"),
            new Row("aigw.metadata", "{\"user\":", "not valid JSON"),
            new Row("aigw.metadata", "{\"user\":\"u\"} trailing", "a JSON object"),
            new Row("aigw.metadata", "user=u", "not valid JSON"),
            new Row("aigw.metadata", "{\"auth\":\"Bearer r8_Secret123\",\"x\":{}}", "\"x\" is START_OBJECT"));

    static Stream<Row> rows() {
        return ROWS.stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void fromASource(Row row) {
        Map<String, String> m = new HashMap<>(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g"));
        m.put(row.key(), row.value());
        assertClear(row, () -> Gateway.fromSettings(Settings.of(m).withSource("init-param", k -> null)), "settings");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void fromTheEnvironment(Row row) {
        Map<String, String> env = new HashMap<>(Map.of("AIGW_ACCOUNT_ID", ACCT, "AIGW_GATEWAY_ID", "g"));
        env.put(Settings.environmentName(row.key()), row.value());
        assertClear(row, () -> Gateway.fromSettings(Settings.of(Map.of()).withEnvironment(env)),
                "environment " + Settings.environmentName(row.key()));
    }

    private static void assertClear(Row row, org.assertj.core.api.ThrowableAssert.ThrowingCallable build,
                                    String origin) {
        assertThatThrownBy(build).isInstanceOf(GatewayConfigurationException.class).satisfies(t -> {
            GatewayConfigurationException e = (GatewayConfigurationException) t;
            String msg = e.getMessage();
            assertThat(e.key()).isEqualTo(row.key());
            assertThat(msg).startsWith("aigw: " + row.key() + " = \"")
                    .contains(" (" + origin + ") is not allowed: ")
                    .contains(row.allowed());
            // one short line: no raw control characters, long values cut
            assertThat(msg).doesNotContain("\r", "\n", "\u0000", "\u0001", "\u0007").hasSizeLessThan(1200);
            if (Settings.SECRET_KEYS.contains(row.key())) {
                assertThat(msg).contains("****(" + row.value().strip().length() + " chars)")
                        .doesNotContain("cf-tok").doesNotContain("ttttttttt");
            }
            assertThat(msg).doesNotContain("hunter2").doesNotContain("Secret123");
        });
    }

    /** Every {@code aigw.*} key core's sources read, compared with the keys of the catalogue. */
    @Test
    void everyKeyCoreReadsHasARow() throws IOException {
        Set<String> read = new TreeSet<>();
        Path main = Path.of("src/main/java/dev/aigw");
        for (String file : List.of("Gateway.java", "Settings.java", "OptionSettings.java")) {
            String src = Files.readString(main.resolve(file));
            Matcher m = Pattern.compile("\"(aigw\\.[a-z][a-z.-]*[a-z])\"").matcher(src);
            while (m.find()) {
                read.add(m.group(1));
            }
            // OptionSettings lists its option names without the prefix, in a String[] literal
            Matcher names = Pattern.compile("String\\[\\][^{;]*\\{([^}]*)\\}").matcher(src);
            while (names.find()) {
                Matcher n = Pattern.compile("\"([a-z-]+)\"").matcher(names.group(1));
                while (n.find()) {
                    read.add("aigw." + n.group(1));
                }
            }
        }
        // servlet- and proxy-only keys named by core's environment fallbacks are covered by the servlet catalogue
        read.removeAll(Set.of("aigw.proxy.replicate-token", "aigw.webhook.secret"));
        Set<String> covered = ROWS.stream().map(Row::key).collect(Collectors.toCollection(TreeSet::new));
        assertThat(read).hasSizeGreaterThanOrEqualTo(22);
        assertThat(covered).containsAll(read);
    }

    @Test
    void halfConfiguredAndContradictorySettingsNameTheMissingKey() {
        assertThatThrownBy(() -> Gateway.fromSettings(Settings.of(Map.of("aigw.account-id", ACCT))))
                .hasMessageContaining("aigw.gateway-id = (unset)").hasMessageContaining("set both, or neither");
        assertThatThrownBy(() -> Gateway.fromSettings(Settings.of(Map.of("aigw.enabled", "yes"))))
                .hasMessageContaining("aigw.account-id = (unset)").hasMessageContaining("aigw.enabled is true");
    }

    /**
     * Metadata values with CR/LF, control, non-ASCII and astral characters are not errors: they are sent escaped
     * in a header that stays printable ASCII and parses back to the same values. Nothing is lost.
     */
    @Test
    void metadataWithLineBreaksControlAndNonAsciiCharactersIsEscapedNotRefused() throws Exception {
        Map<String, Object> meta = new LinkedHashMap<>();
        meta.put("crlf", "a\r\nX-Injected: 1");
        meta.put("ctl", "\u0000\u0007\u001b[31m\u007f");
        meta.put("utf", "caf\u00e9 \u65e5\u672c \ud83d\ude00 \u2028");
        meta.put("k\u00e9y\n", "v");
        meta.put("quote", "\"\\");
        Settings s = Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g", "aigw.log", "off",
                "aigw.metadata", GatewayHeaders.metadataJson(meta)));
        try (Gateway g = Gateway.fromSettings(s)) {
            String header = g.exchange("POST", URI.create("https://api.replicate.com/v1/predictions"), null)
                    .gatewayHeaders().get(GatewayHeaders.METADATA);
            assertThat(header).matches("[\\x20-\\x7e]+");
            Map<String, Object> back = new LinkedHashMap<>();
            try (com.fasterxml.jackson.core.JsonParser p = new com.fasterxml.jackson.core.JsonFactory()
                    .createParser(header)) {
                p.nextToken();
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String k = p.currentName();
                    p.nextToken();
                    back.put(k, p.getText());
                }
            }
            assertThat(back).isEqualTo(meta);
        }
    }

    /** More than five entries across layers: the call keeps the five of highest priority and reports the rest. */
    @Test
    void metadataOverflowAcrossLayersIsDroppedAndReportedNotFatal() {
        Settings s = Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g", "aigw.log", "off",
                "aigw.metadata", "{\"app\":\"shop\",\"env\":\"prod\",\"region\":\"eu\"}"));
        try (Gateway g = Gateway.fromSettings(s);
             GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder().metadata("user", "u")
                     .metadata("tenant", "t").metadata("trace", "x").build())) {
            Exchange x = g.exchange("POST", URI.create("https://api.replicate.com/v1/predictions"),
                    CallOptions.builder().metadata("job", 7).build());
            assertThat(x.options().metadata()).containsOnlyKeys("job", "user", "tenant", "trace", "app");
            assertThat(x.options().metadataDropped()).containsExactly("env", "region");
            assertThat(x.gatewayHeaders().get(GatewayHeaders.METADATA)).contains("\"job\":7");
        }
    }
}
