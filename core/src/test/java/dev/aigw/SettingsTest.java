package dev.aigw;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SettingsTest {
    private static final String ACCT = "0123456789abcdef0123456789abcdef";
    private static final URI CREATE = URI.create("https://api.replicate.com/v1/predictions");

    private static Settings env(Map<String, String> env) {
        return Settings.of(Map.of()).withEnvironment(env);
    }

    @Test
    void environmentNamesAreMechanical() {
        assertThat(Settings.environmentName("aigw.account-id")).isEqualTo("AIGW_ACCOUNT_ID");
        assertThat(Settings.environmentName("aigw.proxy.path")).isEqualTo("AIGW_PROXY_PATH");
        assertThat(Settings.environmentName("aigw.collect-log-payload")).isEqualTo("AIGW_COLLECT_LOG_PAYLOAD");
    }

    @Test
    void configuredFromEnvironmentWithConventionalFallbacks() {
        Settings s = env(Map.of("CLOUDFLARE_ACCOUNT_ID", ACCT, "AIGW_GATEWAY_ID", "gw", "CF_AIG_TOKEN", "cf-secret-token"));
        try (Gateway g = Gateway.fromSettings(s)) {
            assertThat(g.enabled()).isTrue();
            assertThat(g.root()).hasToString("https://gateway.ai.cloudflare.com/v1/" + ACCT + "/gw");
            assertThat(g.exchange("POST", CREATE, null).gatewayHeaders())
                    .containsEntry("cf-aig-authorization", "Bearer cf-secret-token");
        }
        // AIGW_ names win over the conventional ones
        Settings both = env(Map.of("CLOUDFLARE_ACCOUNT_ID", ACCT, "AIGW_ACCOUNT_ID", "fedcba9876543210fedcba9876543210",
                "AIGW_GATEWAY_ID", "gw"));
        try (Gateway g = Gateway.fromSettings(both)) {
            assertThat(g.root().toString()).contains("fedcba9876543210fedcba9876543210");
        }
    }

    @Test
    void precedenceCodeThenSourceThenSystemPropertyThenEnvironment() {
        String key = "aigw.gateway-id";
        Map<String, String> env = Map.of("AIGW_ACCOUNT_ID", ACCT, "AIGW_GATEWAY_ID", "from-env");
        String old = System.getProperty(key);
        try {
            System.setProperty(key, "from-sysprop");
            Settings system = Settings.system().withEnvironment(env);
            assertThat(system.get(key)).isEqualTo("from-sysprop");
            Settings withSource = system.withSource("init-param", Map.of(key, "from-init-param")::get);
            assertThat(withSource.get(key)).isEqualTo("from-init-param");
            try (Gateway g = Gateway.builder().gatewayId("from-code").settings(withSource).build()) {
                assertThat(g.root().toString()).endsWith("/from-code");
            }
            System.clearProperty(key);
            assertThat(Settings.system().withEnvironment(env).get(key)).isEqualTo("from-env");
        } finally {
            if (old == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, old);
            }
        }
    }

    @Test
    void unconfiguredMeansDisabledAndPassThrough() {
        try (Gateway g = Gateway.fromSettings(env(Map.of()))) {
            assertThat(g.enabled()).isFalse();
            assertThat(g.exchange("POST", CREATE, null)).isNull();
            assertThat(g).hasToString("Gateway{disabled}");
        }
    }

    @Test
    void defaultsComeFromSettings() {
        Settings s = Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g", "aigw.cache-ttl", "300",
                "aigw.metadata", "{\"app\":\"shop\"}", "aigw.collect-log-payload", "false", "aigw.log", "off"));
        try (Gateway g = Gateway.fromSettings(s)) {
            assertThat(g.defaults().cacheTtl()).isEqualTo(Duration.ofSeconds(300));
            assertThat(g.exchange("POST", CREATE, null).gatewayHeaders())
                    .containsEntry("cf-aig-cache-ttl", "300")
                    .containsEntry("cf-aig-metadata", "{\"app\":\"shop\"}")
                    .containsEntry("cf-aig-collect-log-payload", "false")
                    .doesNotContainKey("cf-aig-authorization");
        }
    }

    @ParameterizedTest(name = "{0}={1}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', textBlock = """
        aigw.account-id       | not-hex                 | 32 hexadecimal characters
        aigw.account-id       | 0123456789abcdef        | 32 hexadecimal characters
        aigw.gateway-id       | has space               | 1 to 64
        aigw.gateway-id       | ../other                | 1 to 64
        aigw.base-url         | ftp://example.com       | absolute http(s) URL
        aigw.base-url         | gateway.example.com     | absolute http(s) URL
        aigw.base-url         | https://x.example/v1?a=1 | without user info, query or fragment
        aigw.base-url         | https://api.replicate.com/v1 | calls would loop
        aigw.base-url         | https://api.replicate.com/%76%31 | calls would loop
        aigw.base-url         | https://api.replicate.com//v1 | calls would loop
        aigw.enabled          | sometimes               | true or false
        aigw.providers        | replicate,nosuch        | 'nosuch' is unknown
        aigw.providers        | ','                     | at least one provider
        aigw.log              | verbose                 | off, summary or json
        aigw.fallback         | perhaps                 | true or false
        aigw.cache-ttl        | 10                      | 60 to 2592000
        aigw.max-attempts     | 9                       | 1 to 5
        aigw.retry-delay      | 9000                    | 0 to 5000
        aigw.request-timeout  | soon                    | whole milliseconds
        aigw.backoff          | wild                    | constant, linear or exponential
        aigw.metadata         | '{"a":{"b":1}}'         | strings, numbers or booleans
        aigw.custom-cost      | 5                       | total_cost
        aigw.event-id         | 'a\u0001'               | visible ASCII
        """)
    void badValuesFailWithOneLineNamingKeyValueAndWhatIsAllowed(String key, String value, String allowed) {
        String v = value.replace("\\u0001", "\u0001");
        Map<String, String> m = new HashMap<>(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g"));
        m.put(key, v);
        assertThatThrownBy(() -> Gateway.fromSettings(Settings.of(m)))
                .isInstanceOf(GatewayConfigurationException.class)
                .satisfies(e -> {
                    assertThat(((GatewayConfigurationException) e).key()).isEqualTo(key);
                    assertThat(e.getMessage()).startsWith("aigw: " + key + " = ").contains(allowed).contains("(settings)")
                            .doesNotContain("\n").doesNotContain("\r").doesNotContain("\u0001");
                });
    }

    @Test
    void shownValuesMaskEveryUrlsQueryAndFragment() {
        // a signed URL's or a receiver's token sits in the query under any name (sig, X-Amz-Signature, t)
        assertThat(Settings.shown("aigw.base-url", "https://gw.example/v1?sig=hunter2&t=x"))
                .isEqualTo("https://gw.example/v1?****");
        assertThat(Settings.shown("aigw.base-url", "https://gw.example/v1#t=hunter2"))
                .isEqualTo("https://gw.example/v1#****");
        assertThat(Settings.shown("aigw.proxy.webhook-urls",
                "https://a.example/hook?t=hunter2, https://u:pw@b.example/x?k=1,2 http://c.example/ok"))
                .isEqualTo("https://a.example/hook?**** https://****@b.example/x?**** http://c.example/ok");
        assertThat(Settings.shown("aigw.base-url", "https://gw.example/v1?")).isEqualTo("https://gw.example/v1?");
        assertThat(Settings.shown("aigw.log", "why?")).isEqualTo("why?");
        // user info to the authority's last '@', as URL parsers read it: a raw '@' in a password shows none of it
        assertThat(Settings.shown("aigw.base-url", "https://u:p@ss@gw.example/v1"))
                .isEqualTo("https://****@gw.example/v1");
        // what is allowed may quote the value's offending entry: masked alike
        assertThat(Settings.of(Map.of()).invalid("aigw.base-url", "x", "'https://u:p@ss@h/x?t=hunter2' is bad")
                .getMessage()).doesNotContain("hunter2", "p@ss", "ss@").contains("'https://****@h/x?****");
    }

    @Test
    void originIsNamedForEnvironmentAndSources() {
        assertThatThrownBy(() -> Gateway.fromSettings(env(Map.of("AIGW_ACCOUNT_ID", ACCT, "AIGW_GATEWAY_ID", "g",
                "AIGW_CACHE_TTL", "5"))))
                .hasMessage("aigw: aigw.cache-ttl = \"5\" (environment AIGW_CACHE_TTL) is not allowed: "
                        + "whole seconds from 60 to 2592000 (one month)");
        Settings s = Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g"))
                .withSource("init-param", Map.of("aigw.log", "loud")::get);
        assertThatThrownBy(() -> Gateway.fromSettings(s)).hasMessageContaining("(init-param)");
    }

    /** A value given in code and the same value from settings: one exception type, one message shape. */
    @Test
    void builderAndSettingRefuseTheSameValueAlike() {
        Throwable fromSettings = org.assertj.core.api.Assertions.catchThrowable(() -> Gateway.fromSettings(
                Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g", "aigw.max-attempts", "9"))));
        Throwable fromCode = org.assertj.core.api.Assertions.catchThrowable(() -> CallOptions.builder().maxAttempts(9));
        assertThat(fromSettings).isInstanceOf(GatewayConfigurationException.class)
                .hasMessage("aigw: aigw.max-attempts = \"9\" (settings) is not allowed: a whole number from 1 to 5");
        assertThat(fromCode).isInstanceOf(GatewayConfigurationException.class)
                .hasMessage("aigw: max-attempts = \"9\" (code) is not allowed: a whole number from 1 to 5");
        assertThat(((GatewayConfigurationException) fromCode).allowed())
                .isEqualTo(((GatewayConfigurationException) fromSettings).allowed());
    }

    @Test
    void secretsAreMaskedInErrors() {
        String token = "cf-very-secret-value with space";
        assertThatThrownBy(() -> Gateway.fromSettings(Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g",
                "aigw.token", token))))
                .hasMessageContaining("aigw.token = \"****(" + token.length() + " chars)\"")
                .hasMessageContaining("no 'Bearer ' prefix")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("very-secret"));
        assertThatThrownBy(() -> Gateway.builder().accountId(ACCT).gatewayId("g").token("Bearer abcdef").build())
                .hasMessageContaining("(code)").satisfies(e -> assertThat(e.getMessage()).doesNotContain("abcdef"));
    }

    @Test
    void halfConfiguredNeverRoutes() {
        assertThatThrownBy(() -> Gateway.fromSettings(Settings.of(Map.of("aigw.account-id", ACCT))))
                .isInstanceOf(GatewayConfigurationException.class)
                .hasMessage("aigw: aigw.gateway-id = (unset) is not allowed: a value, because aigw.account-id is set: "
                        + "set both, or neither to switch aigw off");
        assertThatThrownBy(() -> Gateway.fromSettings(Settings.of(Map.of("aigw.gateway-id", "g"))))
                .hasMessageContaining("aigw.account-id = (unset)");
        assertThatThrownBy(() -> Gateway.fromSettings(Settings.of(Map.of("aigw.enabled", "true"))))
                .hasMessageContaining("because aigw.enabled is true");
    }

    @Test
    void switchedOffExplicitly() {
        try (Gateway g = Gateway.fromSettings(Settings.of(Map.of("aigw.account-id", ACCT, "aigw.gateway-id", "g",
                "aigw.enabled", "off")))) {
            assertThat(g.enabled()).isFalse();
            assertThat(g.route(CREATE)).isNull();
        }
    }

    @Test
    void toStringShowsNoSecret() {
        try (Gateway g = Gateway.builder().accountId(ACCT).gatewayId("g").token("cf-secret-xyz").log(Gateway.Log.OFF).build()) {
            assertThat(g.toString()).contains("token=set").doesNotContain("cf-secret-xyz");
        }
    }
}
