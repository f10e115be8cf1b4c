package dev.aigw.servlet.internal.proxy;

import org.eclipse.jetty.http.HttpURI;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.aigw.fuzzing.Fuzzing.ITERATIONS;
import static dev.aigw.fuzzing.Fuzzing.SEED;
import static dev.aigw.fuzzing.Fuzzing.figures;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The webhook URL rule: what matches an entry, and every spelling a parser could read another way refused. */
class WebhookUrlsTest {
    private static final WebhookUrls LIST = WebhookUrls.parse(
            " https://app.example.com/replicate/webhook, http://127.0.0.1:8080/hook\thttps://hooks.example.org ");

    private static Refusal judge(String url) {
        return LIST.judge("webhook", url);
    }

    @Test
    void urlsUnderAnEntryPass() {
        for (String url : List.of("https://app.example.com/replicate/webhook",
                "https://app.example.com/replicate/webhook/", "https://app.example.com/replicate/webhook/a/b",
                "https://app.example.com/replicate/webhook?token=a%20b&x=/y?z",
                "https://app.example.com/replicate/webhook/x;v=1?", "http://127.0.0.1:8080/hook/done",
                "https://hooks.example.org", "https://hooks.example.org/", "https://hooks.example.org?x=1",
                "https://hooks.example.org/any/path/%41~!$&'()*+,;=:@", "https://hooks.example.org/v1.2/.well/..x/a%20",
                "https://hooks.example.org/%01")) {
            assertThat(judge(url)).as(url).isNull();
        }
    }

    /** Canonical URLs that are not under an entry: 403, naming the URL without its query and the entries. */
    @Test
    void canonicalUrlsOffTheListAreNotAllowed() {
        for (String url : List.of("https://app.example.com.evil.com/replicate/webhook",
                "https://app.example.com/replicate/webhook-evil", "https://app.example.com/replicate/webhookx",
                "https://app.example.com/replicate/webhook.evil", "https://app.example.com/replicate/webhook@evil.com",
                "https://app.example.com/replicate", "https://app.example.com/", "https://app.example.com",
                "https://app.example.com/Replicate/webhook", "http://app.example.com/replicate/webhook",
                "https://app.example.com:8443/replicate/webhook", "https://evil.com/replicate/webhook",
                "https://127.0.0.1:8080/hook", "http://127.0.0.1/hook", "http://127.0.0.1:8081/hook",
                "http://127.0.0.2:8080/hook", "https://evil.app.example.com/replicate/webhook",
                "https://xn--pp-8ja.example.com/replicate/webhook", "https://hooks.example.org.evil.com/",
                "https://app.example.com/replicate/webhook-x?/replicate/webhook/",
                "https://hooks.zapier.com/hooks/catch/123/s3cr3tpath")) {
            Refusal r = judge(url + "?secret=s3cr3t");
            assertThat(r).as(url).isNotNull();
            assertThat(r.status()).as(url).isEqualTo(403);
            assertThat(r.code()).isEqualTo("webhook_not_allowed");
            String origin = url.substring(0, url.replaceFirst("^https?://", "").replaceFirst("[/?].*", "").length()
                    + url.indexOf("://") + 3);
            assertThat(r.detail()).as(url).contains("\"webhook\" (" + origin).contains("https://app.example.com/"
                    + "replicate/webhook, http://127.0.0.1:8080/hook, https://hooks.example.org").doesNotContain("s3cr3t");
        }
    }

    /** Spellings URL parsers read differently (or that a server behind would normalise): 400, never matched. */
    @Test
    void everySpellingAParserCouldReadAnotherWayIsRefused() {
        String[][] cases = {
                {"https://app.example.com@evil.com/replicate/webhook", "user info"},
                {"https://user:pw@app.example.com/replicate/webhook", "user info"},
                {"https://app.example.com:x@evil.com/replicate/webhook", "user info"},
                {"https://app.example.com\\@evil.com/replicate/webhook", "backslash"},
                {"https://evil.com\\@app.example.com/replicate/webhook", "backslash"},
                {"https://app.example.com\\.evil.com/replicate/webhook", "backslash"},
                {"https://app.example.com/replicate/webhook\\..\\..\\admin", "backslash"},
                {"HTTPS://app.example.com/replicate/webhook", "scheme in lower case"},
                {"Https://app.example.com/replicate/webhook", "scheme in lower case"},
                {"https://APP.example.com/replicate/webhook", "host in lower case"},
                {"https://app.example.com:443/replicate/webhook", "default port"},
                {"http://127.0.0.1:80/hook", "default port"},
                {"https://app.example.com:/replicate/webhook", "port"},
                {"https://app.example.com:0443/replicate/webhook", "port"},
                {"https://app.example.com:99999/replicate/webhook", "port"},
                {"https://app.example.com/replicate/webhook/../../admin", "dot segment"},
                {"https://app.example.com/replicate/webhook/..", "dot segment"},
                {"https://app.example.com/replicate/webhook/./x", "dot segment"},
                {"https://app.example.com/replicate/webhook/..;/admin", "dot segment"},
                // Windows servers drop a segment's trailing dots and spaces; C code ends a path at NUL
                {"https://app.example.com/replicate/webhook/.../admin", "dot segment"},
                {"https://app.example.com/replicate/webhook/..%20/admin", "dot segment"},
                {"https://app.example.com/replicate/webhook/..%09/admin", "dot segment"},
                {"https://app.example.com/replicate/webhook/.%20./admin", "dot segment"},
                {"https://app.example.com/replicate/webhook/...;x/admin", "dot segment"},
                {"https://app.example.com/replicate/webhook/..%00/admin", "NUL"},
                {"https://app.example.com/replicate/webhook/x%00", "NUL"},
                {"https://app.example.com/replicate/webhook/%2e%2e/admin", "percent-encodes"},
                {"https://app.example.com/replicate/webhook/%2E%2E/admin", "percent-encodes"},
                {"https://app.example.com/replicate/webhook/.%2e/admin", "percent-encodes"},
                {"https://app.example.com/replicate/webhook%2f..%2fadmin", "percent-encodes"},
                {"https://app.example.com/replicate/webhook/..%5cadmin", "percent-encodes"},
                {"https://app.example.com/replicate/webhook/..%3B/admin", "percent-encodes"},
                {"https://app.example.com/replicate/webhook/%252e%252e/admin", "percent-encodes"},
                {"https://app.example.com/replicate/webhook/%zz", "two hex digits"},
                {"https://app.example.com/replicate/webhook/%2", "two hex digits"},
                {"https://app.example.com/replicate/webhook//x", "empty segment"},
                // a segment of only ;parameters is empty to a server that drops them (found by the seeded test)
                {"https://app.example.com/replicate/webhook/;/x", "empty segment"},
                {"https://app.example.com/replicate/webhook/;x", "empty segment"},
                {"https://app.example.com/replicate/webhook#x", "fragment"},
                {"https://app.example.com/replicate/webhook?a#x", "fragment"},
                {"https://app.example.com/replicate/web\thook", "control"},
                {"https://app.example.com/replicate/web\nhook", "control"},
                {"https://app.example.com/replicate/web\rhook", "control"},
                {"https://app.example.com/replicate/webhook\u0000", "control"},
                {"https://app.example.com/replicate/webhook x", "space"},
                {"https://app.example.com/replicate/webhook\u007f", "control"},
                {"https://app.example.com\u3002evil.com/replicate/webhook", "non-ASCII"},
                {"https://\u0430pp.example.com/replicate/webhook", "non-ASCII"},
                {"https://app.example.com\uff0freplicate/webhook", "non-ASCII"},
                {"https://app.example.com./replicate/webhook", "empty label"},
                {"https://app..example.com/replicate/webhook", "empty label"},
                {"https://app_x.example.com/replicate/webhook", "letters, digits and '-'"},
                {"https://%61pp.example.com/replicate/webhook", "letters, digits and '-'"},
                {"https://[::1]:8080/hook", "'['"},
                {"http://0x7f.0.0.1:8080/hook", "IPv4"},
                {"http://127.0.0.0x1:8080/hook", "IPv4"},
                {"https://app.example.com-/replicate/webhook", "'-'"},
                {"http://2130706433:8080/hook", "IPv4"},
                {"http://127.1:8080/hook", "IPv4"},
                {"http://127.000.000.001:8080/hook", "IPv4"},
                {"http://127.0.0.256:8080/hook", "IPv4"},
                {"http://app.example.0x1/hook", "IPv4"},
                {"http://app.example.1x/hook", "IPv4"},
                {"https:/app.example.com/replicate/webhook", "absolute"},
                {"https:app.example.com/replicate/webhook", "absolute"},
                {"https:///app.example.com/replicate/webhook", "no host"},
                {"https://?x", "no host"},
                {"//app.example.com/replicate/webhook", "absolute"},
                {" https://app.example.com/replicate/webhook", "absolute"},
                {"ftp://app.example.com/replicate/webhook", "absolute"},
                {"javascript:alert(1)//https://app.example.com/replicate/webhook", "absolute"},
                {"", "absolute"},
                {"https://app.example.com/replicate/webhook?x=<script>", "'<'"},
                {"https://app.example.com/replicate/webhook?x=\"", "'\"'"},
                {"https://app.example.com/replicate/webhook/{x}", "'{'"},
                {"https://app.example.com/replicate/webhook/a|b", "'|'"}};
        for (String[] c : cases) {
            Refusal r = judge(c[0]);
            assertThat(r).as(c[0]).isNotNull();
            assertThat(r.status()).as(c[0]).isEqualTo(400);
            assertThat(r.code()).isEqualTo("webhook_not_allowed");
            assertThat(r.detail()).as(c[0]).contains(c[1]).contains("\"webhook\"")
                    .contains("under https://app.example.com/replicate/webhook, http://127.0.0.1:8080/hook");
            if (c[0].length() > 30) {
                assertThat(r.detail().replace(LIST.toString(), "")).as("the URL is not repeated")
                        .doesNotContain(c[0]);
            }
        }
    }

    @Test
    void noneAllowsNoWebhookAtAll() {
        WebhookUrls none = WebhookUrls.parse("none");
        assertThat(none).hasToString("none");
        for (String url : List.of("https://app.example.com/replicate/webhook", "", "x")) {
            Refusal r = none.judge("webhook_completed", url);
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.detail()).contains("allows no webhook").contains("leave \"webhook_completed\" out");
        }
    }

    @Test
    void entriesAreValidatedAtStartWithTheEntryNamed() {
        String[][] bad = {{"", "empty"}, {" , ", "empty"}, {"none, https://a.example/x", "'none' cannot"},
                {"https://a.example/x?token=1", "has a query"}, {"https://a.example/x#f", "fragment"},
                {"https://u:p@a.example/x", "user info"}, {"ftp://a.example/x", "absolute http"},
                {"a.example/x", "absolute http"}, {"HTTPS://a.example/x", "lower case"},
                {"https://A.example/x", "lower case"}, {"https://b\u00fccher.example/x", "non-ASCII"},
                {"https://a.example:443/x", "default port"}, {"https://a.example/x/../y", "dot segment"},
                {"https://a.example\\x", "backslash"}, {"https://a.example/%2e%2e", "percent-encodes"}};
        for (String[] b : bad) {
            assertThatThrownBy(() -> WebhookUrls.parse(b[0])).as(b[0]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(b[1]);
        }
        assertThat(WebhookUrls.parse("https://xn--bcher-kva.example/x https://a.example/x,https://a.example/x"))
                .hasToString("https://xn--bcher-kva.example/x, https://a.example/x");
        assertThat(WebhookUrls.parse("http://localhost:9000")).hasToString("http://localhost:9000");
    }

    /** A query naming a webhook field is refused: whether Replicate reads one there is UNCONFIRMED. */
    @Test
    void aQueryNamingAWebhookIsRefused() {
        for (String q : List.of("webhook=https://evil.com/", "a=1&webhook_completed=x", "x;WEBHOOK=y", "webhook",
                "Webhook%5B%5D=x".replace("%5B%5D", "[]"), "webhook_events_filter=completed")) {
            Refusal r = LIST.judgeQuery(q);
            assertThat(r).as(q).isNotNull();
            assertThat(r.status()).isEqualTo(403);
            assertThat(r.detail()).contains("JSON body only");
        }
        for (String q : List.of("cursor=abc", "a=webhook", "hook=1", "x_webhook=1")) {
            assertThat(LIST.judgeQuery(q)).as(q).isNull();
        }
    }

    /** The path rule alone: equal, or continued at a '/'. */
    @Test
    void underMeansEqualOrContinuedAtASlash() {
        assertThat(WebhookUrls.under("/a/b", "/a/b")).isTrue();
        assertThat(WebhookUrls.under("/a/b/c", "/a/b")).isTrue();
        assertThat(WebhookUrls.under("/a/bc", "/a/b")).isFalse();
        assertThat(WebhookUrls.under("/a/b-c", "/a/b")).isFalse();
        assertThat(WebhookUrls.under("/a", "/a/b")).isFalse();
        assertThat(WebhookUrls.under("/a/b/c", "/a/b/")).isTrue();
        assertThat(WebhookUrls.under("/a/b", "/a/b/")).isFalse();
        assertThat(WebhookUrls.under("", "")).isTrue();
        assertThat(WebhookUrls.under("/x", "")).isTrue();
    }

    /** Through the one JSON gate: escapes decoded as Replicate decodes them, the root only, one string each. */
    @Test
    void theBodyGateReadsRootWebhooksAsReplicateWould() throws Exception {
        String ok = "https://app.example.com/replicate/webhook";
        for (String body : List.of("{\"input\":{},\"webhook\":\"" + ok + "\"}",
                "{\"webhook\":\"\\u0068ttps:\\/\\/app.example.com\\/replicate\\/webhook\"}",
                "{\"input\":{\"webhook\":\"https://evil.com/\",\"webhook_completed\":\"https://evil.com/\"}}",
                "{\"input\":[{\"webhook\":null}],\"webhook_events_filter\":[\"completed\"]}",
                "", " \r\n\t ", "{}")) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            for (int chunk : new int[]{1, 5, 4096}) {
                assertThat(run(LIST.watched(), b, chunk)).as(body).isEqualTo(b);
            }
        }
        String[][] refused = {
                {"{\"webhook\":\"https:\\/\\/evil.com\\/\"}", "403", "https://evil.com/"},
                {"{\"\\u0077ebhook\":\"https://evil.com/\"}", "403", "https://evil.com/"},
                {"{\"webhook_completed\":\"https://evil.com/\"}", "403", "\"webhook_completed\""},
                {"{\"webhook\":\"https://app.example.com\\\\@evil.com/\"}", "400", "backslash"},
                {"{\"webhook\":\"https://app.example.com/replicate/webhook\\t\"}", "400", "control"},
                {"{\"webhook\":\"https://app.example.com/replicate/webhook/\\u002e\\u002e/x\"}", "400", "dot segment"},
                {"{\"webhook\":\"" + ok + "\",\"webhook\":\"https://evil.com/\"}", "400", "twice"},
                {"{\"webhook\":\"" + ok + "\",\"WEBHOOK\":\"https://evil.com/\"}", "400", "twice"},
                {"{\"Webhook\":\"https://evil.com/\"}", "400", "lower case"},
                {"{\"webhoo\\u212a\":\"https://evil.com/\"}", "400", "lower case"},
                {"{\"webhook\":null}", "400", "\"webhook\" must be a string"},
                {"{\"webhook\":[\"" + ok + "\"]}", "400", "must be a string"},
                {"{\"webhook\":{\"url\":\"" + ok + "\"}}", "400", "must be a string"},
                {"{\"webhook\":1}", "400", "must be a string"},
                {"{\"webhook\":\"" + ok + "/" + "x".repeat(1100) + "\"}", "400", "longer than 1024"},
                {"{\"webhook\":\"" + ok + "\"}{\"webhook\":\"https://evil.com/\"}", "400", "after its root"},
                {"{\"webhook\":\"" + ok + "\"", "400", "incomplete"},
                {"[{\"webhook\":\"https://evil.com/\"}]", "400", "must be an object"}};
        for (String[] r : refused) {
            for (int chunk : new int[]{1, 7, 4096}) {
                assertThatThrownBy(() -> run(LIST.watched(), r[0].getBytes(StandardCharsets.UTF_8),
                        chunk)).as(r[0]).isInstanceOf(Refusal.Refused.class)
                        .hasMessageContaining(r[2]).satisfies(e -> assertThat(((Refusal.Refused) e).refusal()
                                .status()).as(r[0]).isEqualTo(Integer.parseInt(r[1])));
            }
        }
    }

    /** Both allowlists read in one pass: each refuses its own field, and a body passing both passes whole. */
    @Test
    void oneGateServesTheModelAndTheWebhookAllowlists() throws Exception {
        List<JsonBodyGate.Field> fields = new ArrayList<>(ModelAllowlist.parse("acme/*").watched(
                List.of(ModelAllowlist.BodyField.PREDICTION_VERSION), "POST /predictions"));
        fields.addAll(LIST.watched());
        byte[] ok = "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\"https://hooks.example.org/x\"}"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(run(fields, ok, 3)).isEqualTo(ok);
        assertThatThrownBy(() -> run(fields, "{\"version\":\"acme/echo\",\"webhook\":\"https://evil.com/\"}"
                .getBytes(StandardCharsets.UTF_8), 3)).hasMessageContaining("webhook URLs");
        assertThatThrownBy(() -> run(fields, "{\"webhook\":\"https://hooks.example.org/\",\"version\":\"evil/x\"}"
                .getBytes(StandardCharsets.UTF_8), 3)).hasMessageContaining("model allowlist");
        assertThatThrownBy(() -> run(fields, "{\"webhook\":\"https://hooks.example.org/\"}"
                .getBytes(StandardCharsets.UTF_8), 3)).hasMessageContaining("needs a \"version\"");
        assertThatThrownBy(() -> run(fields, new byte[0], 3)).hasMessageContaining("incomplete")
                .hasMessageContaining("\"version\", \"webhook\", \"webhook_completed\" each a single string");
    }

    private static final String[] PIECES = {"https://", "http://", "app.example.com", "hooks.example.org", "127.0.0.1",
            ":8080", ":443", ":", "/replicate/webhook", "/", "//", ".", "..", "%2e", "%2F", "%5c", "%25", "%41", "%",
            "\\", "@", "?", "#", ";", "=", "&", "x", "X", "-", "evil.com", "\t", " ", "\u00e9", "[", "]", "0x7f",
            "~", "!", "*", "'", "(", ",", "+", "$"};

    /**
     * Seeded random spellings against two other URL parsers: whatever the rule accepts, {@code java.net.URI}
     * (RFC 2396/3986) and Jetty's {@code HttpURI} read with the same scheme, host, port, path and query, without
     * user info, fragment or a path that normalising changes; and only what matches an entry is allowed.
     */
    @Test
    void acceptedSpellingsMeanTheSameToOtherParsers() {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 31);
        int accepted = 0;
        for (int i = 0; i < ITERATIONS * 4; i++) {
            StringBuilder sb = new StringBuilder(rnd.nextInt(5) == 0 ? "" : rnd.nextBoolean() ? "https://" : "http://");
            for (int n = 1 + rnd.nextInt(8); n > 0; n--) {
                sb.append(PIECES[rnd.nextInt(PIECES.length)]);
            }
            String url = sb.toString();
            WebhookUrls.Url u;
            try {
                u = WebhookUrls.canonical(url);
            } catch (IllegalArgumentException refused) {
                assertThat(judge(url)).as("seed %d: %s", SEED, url).isNotNull();
                continue;
            }
            accepted++;
            try {
                URI j = new URI(url);
                assertThat(j.getScheme()).isEqualTo(u.scheme());
                assertThat(j.getRawUserInfo()).isNull();
                assertThat(j.getHost()).isEqualTo(u.host());
                assertThat(j.getPort()).isEqualTo(u.port());
                assertThat(j.getRawPath()).isEqualTo(u.path());
                assertThat(j.getRawQuery()).isEqualTo(u.query());
                assertThat(j.getRawFragment()).isNull();
                assertThat(j.normalize().getRawPath()).isEqualTo(u.path());
                HttpURI h = HttpURI.from(url);
                assertThat(h.getScheme()).isEqualTo(u.scheme());
                assertThat(h.getUser()).isNull();
                assertThat(h.getHost()).isEqualTo(u.host());
                assertThat(h.getPort()).isEqualTo(u.port());
                assertThat(h.getPath() == null ? "" : h.getPath()).isEqualTo(u.path());
                assertThat(h.getQuery()).isEqualTo(u.query());
                assertThat(h.isAmbiguous()).isFalse();
                boolean listed = u.withoutQuery().startsWith("https://app.example.com/replicate/webhook")
                        || u.withoutQuery().startsWith("http://127.0.0.1:8080/hook")
                        || u.withoutQuery().startsWith("https://hooks.example.org");
                if (judge(url) == null) {
                    assertThat(listed).isTrue();
                }
            } catch (AssertionError | Exception e) {
                throw new AssertionError("seed " + SEED + " url " + url + ": " + e.getMessage(), e);
            }
        }
        assertThat(accepted).as("the generator reaches accepted spellings").isGreaterThan(ITERATIONS / 20);
        figures("webhook URLs", ITERATIONS * 4L, start);
    }

    private static byte[] run(List<JsonBodyGate.Field> fields, byte[] body, int chunk) throws Refusal.Refused {
        JsonBodyGate g = new JsonBodyGate(fields, "POST /predictions");
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        List<java.nio.ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < body.length; i += chunk) {
            out.addAll(g.apply(java.nio.ByteBuffer.wrap(body, i, Math.min(chunk, body.length - i))));
        }
        out.addAll(g.finish());
        out.forEach(b -> all.write(b.array(), b.arrayOffset() + b.position(), b.remaining()));
        return all.toByteArray();
    }
}
