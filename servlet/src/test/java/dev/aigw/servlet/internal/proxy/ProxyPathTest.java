package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class ProxyPathTest {
    @ParameterizedTest
    @ValueSource(strings = {"", "/", "/predictions", "/predictions/", "/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel",
            "/models/acme/echo-2.1/predictions", "/files/NGZiNmY2YzQtMThh=/download", "/models/a/b/versions/"
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/trainings", "/a%20b", "/x:y@z",
            "/...", "/a..b", "/.well"})
    void acceptsPlainPaths(String path) {
        assertThat(ProxyPath.checkPath(path)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/../account", "/predictions/../../other-gw/openai", "/./predictions", "/.",
            "/predictions/%2e%2e/x", "/%2E%2E/x", "/.%2e/x", "/predictions%2f..%2fx", "/a%2Fb", "/a\\..\\b", "/a%5cb",
            "/a%255c", "/a%25%32%65", "//evil", "/a//b", "/a;jsessionid=1", "/a%00b", "/a%0d%0ab", "/a b", "/é",
            "/%c0%ae%c0%ae/x", "/%ef%bc%8e%ef%bc%8e/x", "/a%2", "/a%zz", "predictions", "/a?b", "/a#b", "/a\"b",
            "/a<b"})
    void refusesEscapes(String path) {
        assertThat(ProxyPath.checkPath(path)).isNotNull();
    }

    @Test
    void refusesOverlongPaths() {
        assertThat(ProxyPath.checkPath("/" + "a".repeat(ProxyPath.MAX_PATH))).contains("longer");
    }

    @Test
    void explainsWhatIsWrong() {
        assertThat(ProxyPath.checkPath("/a/../b")).contains("dot segments");
        assertThat(ProxyPath.checkPath("/a%2fb")).contains("percent-encoded");
        assertThat(ProxyPath.checkPath("/a\\b")).contains("backslash");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cursor=cD0yMDIz%3D", "a=1&b=2", "q=hello+world", "x=%E2%82%AC", "sort_by=model_created_at"})
    void acceptsQueries(String q) {
        assertThat(ProxyPath.checkQuery(q)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=b#c", "a=b c", "a=%zz", "a=%2", "a=\u00e9", "a=\r\n", "a=\"x\"", "a=\\"})
    void refusesBadQueries(String q) {
        assertThat(ProxyPath.checkQuery(q)).isNotNull();
    }
}
