package dev.aigw.internal;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class VersionTest {
    /** The answer kept for the last caller's agent must follow the agent: alternating callers get their own. */
    @Test
    void theProductIsAppendedOnceForEveryAgentInAnyOrder() {
        String p = Version.PRODUCT;
        for (int round = 0; round < 3; round++) {
            assertThat(Version.userAgent("shop/2.1")).isEqualTo("shop/2.1 " + p);
            assertThat(Version.userAgent("shop/2.1")).isEqualTo("shop/2.1 " + p);
            assertThat(Version.userAgent(" other/1 ")).isEqualTo("other/1 " + p);
            assertThat(Version.userAgent("shop/2.1 " + p)).isEqualTo("shop/2.1 " + p);
            assertThat(Version.userAgent(p)).isEqualTo(p);
            assertThat(Version.userAgent(" " + p)).isEqualTo(p);
            assertThat(Version.userAgent("x" + p)).isEqualTo("x" + p + " " + p);
            assertThat(Version.userAgent(null)).isEqualTo(p);
            assertThat(Version.userAgent("  ")).isEqualTo(p);
            assertThat(Version.userAgent("")).isEqualTo(p);
        }
    }
}
