package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CanonicalRequestTest {
    private static CanonicalRequest c(String method, String uri, String query) throws Refusal.Refused {
        return CanonicalRequest.of(method, uri, "/app/replicate", query);
    }

    @Test
    void unreservedEscapesAreDecodedSoEverySpellingIsOneRequest() throws Exception {
        for (String spelling : List.of("/app/replicate/webhooks/default/secret", "/app/replicate/%77ebhooks/default/secret",
                "/app/replicate/webhook%73/%64efault/secret", "/%61pp/replicate/webhooks/default/secre%74")) {
            CanonicalRequest r = c("GET", spelling, null);
            assertThat(r.path()).as(spelling).isEqualTo("/webhooks/default/secret");
            assertThat(r.webhooks()).isTrue();
        }
        assertThat(c("GET", "/app/replicate/models/acme/%65cho", "cursor=%41b%2fc%3d&x=1").pathAndQuery())
                .isEqualTo("/models/acme/echo?cursor=Ab%2Fc%3D&x=1");
        assertThat(c("GET", "/app/replicate/account", "").query()).isNull();
    }

    @Test
    void pathsThatCanMeanSomethingElseAreRefusedNamingWhy() {
        Object[][] cases = {
                {"/app/replicate/Predictions", "lower case"}, {"/app/replicate/WEBHOOKS/default/secret", "lower case"},
                {"/app/replicate/predictions/", "trailing slash"}, {"/app/replicate//predictions", "empty path segments"},
                {"/app/replicate/a/%2e%2e/b", "dot segments"}, {"/app/replicate/a/./b", "dot segments"},
                {"/app/replicate/predictions%2fx", "%2f"}, {"/app/replicate/a%25b", "%25"},
                {"/app/replicate/a%3bb", "%3b"}, {"/app/replicate/a;b", "';'"}, {"/app/replicate/a\\b", "backslashes"},
                {"/app/replicate/%c0%ae", "%c0"}, {"/app/replicate/a%zz", "broken"}, {"/app/replicate/\u00e9", "U+00E9"},
                {"/app/replicate", "name a Replicate API path"}, {"/app/replicate/", "trailing slash"},
                {"/app/other/x", "must be written as /app/replicate"}};
        for (Object[] k : cases) {
            assertThatThrownBy(() -> c("GET", (String) k[0], null)).as((String) k[0])
                    .isInstanceOf(Refusal.Refused.class).hasMessageContaining((String) k[1])
                    .satisfies(e -> assertThat(((Refusal.Refused) e).refusal().status()).isEqualTo(400));
        }
        assertThatThrownBy(() -> c("GET", "/app/replicate/x", "a#b")).hasMessageContaining("'#'");
    }

    /** The prefix (context path and proxy path) is the application's; only the Replicate part is held to lower case. */
    @Test
    void capitalsInTheApplicationsOwnPrefixAreItsOwnBusiness() throws Exception {
        String base = "/Files/Predictions";
        assertThat(CanonicalRequest.of("GET", "/Files/Predictions/predictions", base, null).path())
                .isEqualTo("/predictions");
        assertThat(CanonicalRequest.of("GET", "/%46iles/Predictions/models", base, null).path()).isEqualTo("/models");
        assertThatThrownBy(() -> CanonicalRequest.of("GET", "/Files/Predictions/Predictions", base, null))
                .hasMessageContaining("lower case");
        assertThatThrownBy(() -> CanonicalRequest.of("GET", "/files/Predictions/predictions", base, null))
                .hasMessageContaining("must be written as /Files/Predictions");
        assertThat(CanonicalRequest.path("/Webhooks/Default", true)).isEqualTo("/Webhooks/Default");
    }

    @Test
    void methodsAreAnAllowlist() throws Exception {
        for (String m : CanonicalRequest.METHODS) {
            assertThat(c(m, "/app/replicate/models", null).method()).isEqualTo(m);
        }
        for (String m : List.of("TRACE", "CONNECT", "BREW", "get", "Post", "PROPFIND")) {
            assertThatThrownBy(() -> c(m, "/app/replicate/models", null)).as(m).satisfies(e -> {
                Refusal r = ((Refusal.Refused) e).refusal();
                assertThat(r.status()).isEqualTo(405);
                assertThat(r.headers()).containsEntry("Allow", CanonicalRequest.ALLOW);
            });
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"/predictions", "/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel",
            "/models/acme/echo-2.1/predictions", "/files/NGZiNmY2YzQtMThh=/download", "/models/a/b/versions/"
            + "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef/trainings", "/x:y@z", "/...",
            "/a..b", "/.well", "/files/AbC"})
    void plainPathsAreTheirOwnCanonicalForm(String path) throws Exception {
        assertThat(c("GET", "/app/replicate" + path, null).path()).isEqualTo(path);
    }

    @ParameterizedTest
    @ValueSource(strings = {"/..", "/../account", "/predictions/../../other-gw/openai", "/./predictions", "/.",
            "/predictions/%2e%2e/x", "/%2E%2E/x", "/.%2e/x", "/predictions%2f..%2fx", "/a%2Fb", "/a\\..\\b", "/a%5cb",
            "/a%255c", "/a%25%32%65", "//evil", "/a//b", "/a;jsessionid=1", "/a%00b", "/a%0d%0ab", "/a b", "/\u00e9",
            "/%c0%ae%c0%ae/x", "/%ef%bc%8e%ef%bc%8e/x", "/a%2", "/a%zz", "/a?b", "/a#b", "/a\"b", "/a<b", "/a%20b",
            "/predictions/", "/\uff0e\uff0e/x", "/%u002e%u002e/x"})
    void escapesAreRefused(String path) {
        assertThatThrownBy(() -> c("GET", "/app/replicate" + path, null)).isInstanceOf(Refusal.Refused.class);
    }

    /** The form is the raw text until the first escape, a copy after it: every check must read both the same. */
    @Test
    void checksHoldBeforeAndAfterTheFirstEscape() throws Exception {
        for (String spelling : List.of("/app/replicate/Predi%63tions", "/app/replicate/%50redictions",
                "/app/replicate/x/%50redictions", "/app/replicate/%78/Predictions")) {
            assertThatThrownBy(() -> c("GET", spelling, null)).as(spelling).hasMessageContaining("lower case");
        }
        for (String spelling : List.of("/app/replicate/%78/", "/app/replicate/%78//y", "/app/replicate/%2e/x",
                "/app/replicate/x/%2e.", "/app/replicate/%78/.%2e/y", "/app/replicate/%78;y")) {
            assertThatThrownBy(() -> c("GET", spelling, null)).as(spelling).isInstanceOf(Refusal.Refused.class);
        }
        assertThat(c("GET", "/app/replicate/%78/files/AbC", null).path()).isEqualTo("/x/files/AbC");
        assertThat(CanonicalRequest.path("/app/", true)).isEqualTo("/app");
        assertThat(CanonicalRequest.path("/%61pp/", true)).isEqualTo("/app");
        assertThat(CanonicalRequest.path("/", true)).isEmpty();
        assertThat(CanonicalRequest.path("/a/b", true)).isEqualTo("/a/b");
        String raw = "/app/replicate";
        assertThat(CanonicalRequest.path(raw, true)).isSameAs(raw); // nothing decoded: the text itself, no copy
        assertThatThrownBy(() -> CanonicalRequest.path("/a//", true)).hasMessageContaining("empty path segments");
        assertThatThrownBy(() -> CanonicalRequest.path("/%61//", true)).hasMessageContaining("empty path segments");
    }

    @Test
    void overlongPathsAreRefused() {
        assertThatThrownBy(() -> c("GET", "/app/replicate/" + "a".repeat(CanonicalRequest.MAX_PATH), null))
                .hasMessageContaining("longer");
    }

    @ParameterizedTest
    @ValueSource(strings = {"cursor=cD0yMDIz%3D", "a=1&b=2", "q=hello+world", "x=%E2%82%AC", "sort_by=model_created_at"})
    void queriesPass(String q) throws Exception {
        assertThat(c("GET", "/app/replicate/models", q).query()).isEqualTo(q);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a=b#c", "a=b c", "a=%zz", "a=%2", "a=\u00e9", "a=\r\n", "a=\"x\"", "a=\\"})
    void badQueriesAreRefused(String q) {
        assertThatThrownBy(() -> c("GET", "/app/replicate/models", q)).isInstanceOf(Refusal.Refused.class);
    }
}
