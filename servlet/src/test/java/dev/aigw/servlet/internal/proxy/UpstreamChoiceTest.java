package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.net.URL;
import java.net.URLClassLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** {@code aigw.proxy.upstream}: what each value comes to, with and without jetty-client on the class path. */
class UpstreamChoiceTest {
    private static final ClassLoader WITH_JETTY = UpstreamChoiceTest.class.getClassLoader();

    @Test
    void autoTakesJettysClientWhenItIsThereAndTheJdksOtherwise() throws Exception {
        try (URLClassLoader withoutJetty = new URLClassLoader(new URL[0], ClassLoader.getPlatformClassLoader())) {
            assertThat(Upstream.resolve("auto", false, WITH_JETTY)).isEqualTo("jetty");
            assertThat(Upstream.resolve(null, false, WITH_JETTY)).isEqualTo("jetty");
            assertThat(Upstream.resolve(" AUTO ", false, withoutJetty)).isEqualTo("jdk");
            assertThat(Upstream.resolve("jdk", false, WITH_JETTY)).isEqualTo("jdk");
            assertThat(Upstream.resolve("Jetty", false, WITH_JETTY)).isEqualTo("jetty");
            assertThatThrownBy(() -> Upstream.resolve("jetty", false, withoutJetty))
                    .hasMessage("jetty needs org.eclipse.jetty:jetty-client 12 on the class path");
        }
    }

    @Test
    void aWrappedJdkClientIsKeptAndCannotBeCombinedWithJetty() {
        assertThat(Upstream.resolve("auto", true, WITH_JETTY)).isEqualTo("jdk");
        assertThatThrownBy(() -> Upstream.resolve("jetty", true, WITH_JETTY))
                .hasMessageContaining("wrapper applies to the JDK client only");
    }

    @Test
    void unknownValuesAreRefused() {
        assertThatThrownBy(() -> Upstream.resolve("okhttp", false, WITH_JETTY)).hasMessage("unknown upstream 'okhttp'");
        assertThatThrownBy(() -> Upstream.resolve("", false, WITH_JETTY)).hasMessage("unknown upstream ''");
    }
}
