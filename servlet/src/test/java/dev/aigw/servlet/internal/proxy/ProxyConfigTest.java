package dev.aigw.servlet.internal.proxy;

import dev.aigw.Gateway;
import dev.aigw.servlet.internal.ServletSettings;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyConfigTest {
    private static final String TOKEN = "r8_SeCrEtTokenValue0123456789";

    /** The server's Replicate token is sent as it is configured, and never printed. */
    @Test
    void theTokenIsSentWholeAndNeverPrinted() {
        try (Gateway gateway = Gateway.builder().baseUrl("https://ai.example.test").build()) {
            ProxySettings d = ProxySettings.fromSettings(ServletSettings.of(Map.of("aigw.proxy.path",
                    "/replicate", "aigw.proxy.replicate-token", TOKEN)), null);
            d.gateway(gateway);
            ProxyConfig cfg = d.resolve(null);
            try {
                assertThat(cfg.derived().serverAuthorization()).isEqualTo("Bearer " + TOKEN);
                assertThat(cfg.toString()).contains("/replicate").contains("(set)").doesNotContain(TOKEN)
                        .doesNotContain("SeCrEt");
            } finally {
                cfg.release();
            }
        }
    }

    @Test
    void withoutATokenTheClientsOwnIsSent() {
        try (Gateway gateway = Gateway.builder().baseUrl("https://ai.example.test").build()) {
            ProxySettings d = ProxySettings.fromSettings(ServletSettings.of(Map.of("aigw.proxy.path",
                    "/replicate")), null);
            d.gateway(gateway);
            ProxyConfig cfg = d.resolve(null);
            try {
                assertThat(cfg.derived().serverAuthorization()).isNull();
                assertThat(cfg.toString()).contains("none");
            } finally {
                cfg.release();
            }
        }
    }
}
