package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class AnswerUrlsTest {
    private static final String BASE = "https://app.example/ai";
    private final AnswerUrls urls = new AnswerUrls(new UrlRewriter(ProxyConfig.API, BASE), BASE);

    @Test
    void onlyUrlsIntoTheProxyPass() {
        assertThat(urls.intoProxy(" https://api.replicate.com/v1/predictions/p1 ")).isEqualTo(BASE + "/predictions/p1");
        assertThat(urls.intoProxy(BASE)).isEqualTo(BASE);
        assertThat(urls.intoProxy(BASE + "?a=/../b#/..")).isEqualTo(BASE + "?a=/../b#/..");
        assertThat(urls.intoProxy(BASE + "/a..b/...")).isEqualTo(BASE + "/a..b/...");
        assertThat(urls.intoProxy(BASE + "/a;v=1/b")).isEqualTo(BASE + "/a;v=1/b"); // parameters on a plain segment
        for (String away : new String[]{"https://evil.example/", "/predictions", "//app.example/ai", BASE + "x",
                BASE + "@evil.example", "https://app.example/aix", BASE + "/../x", BASE + "/%2E%2e", BASE + "/.",
                BASE + "/a/./b", BASE + "/a\\..", BASE + "/.\t.", BASE + "/\u00e9", "HTTPS://API.REPLICATE.COM/v1/x",
                // containers drop a segment's ;parameters before resolving it: still a dot segment
                BASE + "/..;x/admin", BASE + "/..;/admin", BASE + "/%2e%2E;p/x", BASE + "/.;/x"}) {
            assertThat(urls.intoProxy(away)).as(away).isNull();
        }
        assertThat(new AnswerUrls(null, null).intoProxy("https://api.replicate.com/v1/x")).isNull();
    }

    @Test
    void linkKeepsEntriesIntoTheProxyWrittenAnew() {
        assertThat(urls.link(",<https://api.replicate.com/v1/a>;rel=next ;  title=\"x, \\\"y\\\"\",, "
                + "<https://evil.example/s.css>; rel=stylesheet"))
                .isEqualTo("<" + BASE + "/a>; rel=next; title=\"x, \\\"y\\\"\"");
        assertThat(urls.link("<https://evil.example/s.css>; rel=stylesheet")).isNull();
        assertThat(urls.link("<https://api.replicate.com/v1/a>; rel=x; anchor=\"https://evil.example/\"")).isNull();
        assertThat(urls.link("<https://api.replicate.com/v1/a>; rel=preload; IMAGESRCSET=\"https://e.example/ 1x\""))
                .isNull();
    }

    /** A value outside the grammar passes not at all: lenient parsers split it into entries differently. */
    @Test
    void linkOutsideTheGrammarPassesNotAtAll() {
        String ok = "<https://api.replicate.com/v1/a>; rel=next";
        for (String bad : new String[]{ok + "<, <https://evil.example/s.css>; rel=stylesheet",
                ok + ", <https://evil.example/s.css", ok + "; rel=\"open, <https://evil.example/>", ok + "; =x",
                ok + "; rel=", ok + " x", ok + ", bare", "<https://api.replicate.com/v1/a b>", ok + "; t=\"\u0001\""}) {
            assertThat(urls.link(bad)).as(bad).isNull();
        }
    }
}
