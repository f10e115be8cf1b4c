package dev.aigw.servlet.internal;

import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The problem+json bodies of every refusal. */
class ProblemJsonTest {
    @Test
    void theStandardMembersComeFirstThenTheExtensionsAllEscaped() {
        String b = ProblemJson.body(429, "Too Many Requests", "slow down \"now\"\n", "rate_limited",
                Map.of("retry_after", 5));
        assertThat(b).isEqualTo("{\"type\":\"about:blank\",\"title\":\"Too Many Requests\",\"status\":429,"
                + "\"detail\":\"slow down \\\"now\\\"\\n\",\"code\":\"rate_limited\",\"retry_after\":5}");
    }
}
