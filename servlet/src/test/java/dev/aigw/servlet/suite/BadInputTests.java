package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.RecordedRequest;
import dev.aigw.testkit.ReplicateWebhooks;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;

import dev.aigw.servlet.suite.RawHttp.Raw;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The bad-input catalogue on every container: path-escape tricks, oversized and malformed headers, unknown and
 * non-standard methods, bad JSON bodies and webhook tampering, replays and clock skew. Each row asserts what the
 * client sees and that nothing else is lost: refused requests never reach the gateway or Replicate and spend no
 * rate-limit budget, accepted bodies arrive byte for byte, webhooks reach the application only when verified.
 *
 * <p>Raw requests go over a socket so that the client library normalises nothing. A container may refuse a request
 * itself before any filter runs (Tomcat and Jetty refuse encoded slashes, backslashes, bare CR, oversized headers
 * with their own 400/431, Tomcat answers CONNECT 501 and redirects a path normalised to the context root); that
 * passes as long as the request never reached upstream.
 */
public abstract class BadInputTests extends SuiteGroup {
    protected BadInputTests(UpstreamSuite suite) {
        super(suite);
    }

    /** Raw path tricks against the proxy at {@code /app/replicate}; none may leave the Replicate API root. */
    static final List<String> PATH_ESCAPES = List.of(
            "/replicate/..", "/replicate/../replicate/account", "/replicate/predictions/../../../other/openai/v1/models",
            "/replicate/./account", "/replicate/predictions/.", "/replicate/%2e%2e/account", "/replicate/%2E%2E/account",
            "/replicate/.%2e/account", "/replicate/%2e/account", "/replicate/predictions%2f..%2f..%2faccount",
            "/replicate/predictions%2F..%2F..%2Faccount", "/replicate/predictions/..%5c..%5caccount",
            "/replicate/predictions\\..\\..\\account", "/replicate/%252e%252e/%252e%252e/account",
            "/replicate/predictions%252f..%252faccount", "/replicate/a%255c..%255cb", "/replicate/%25%32%65%25%32%65/x",
            "/replicate/predictions;x=1/../../account", "/replicate/predictions/..;/..;/account",
            "/replicate;jsessionid=abc/account", "/replicate/account;jsessionid=abc", "/replicate//predictions",
            "/replicate//api.openai.com/v1/models", "/replicate/%2f%2fevil.example/v1", "/replicate/predictions/%00",
            "/replicate/predictions/%0d%0aX-Injected:%201", "/replicate/%c0%ae%c0%ae/account",
            "/replicate/%e0%80%ae%e0%80%ae/account", "/replicate/%ef%bc%8e%ef%bc%8e/account",
            "/replicate/\u00ef\u00bc\u008e\u00ef\u00bc\u008e/account", "/replicate/\u00e2\u0080\u00a5/account",
            "/replicate/%e2%80%a5/account", "/replicate/predictions/%u002e%u002e/account",
            "/replicate/account?x=%zz", "/replicate/account?x=a%0", "/replicate/account?\u00e9=1",
            "/replicate" + "/a".repeat(1100));

    @Test
    void pathEscapeCatalogueNeverReachesUpstreamNorSpendsRateBudget() throws Exception {
        List<String> seen = new ArrayList<>();
        for (String attempt : PATH_ESCAPES) {
            Raw r = raw("GET", "/app" + attempt, "X-Test-User: escaper-" + suite.container.name());
            // aigw's own refusal is a 400 naming what was wrong; a container may answer first with its own 400/404,
            // or normalise the path away from the proxy (Tomcat: "/app/replicate/.." is "/app/", redirected to it)
            assertThat(r.status()).as(attempt).isBetween(300, 404);
            if (r.isProblem()) {
                assertThat(r.body()).as(attempt).contains("\"code\":\"path_not_allowed\"")
                        .containsAnyOf("the proxy forwards paths under the Replicate API root only",
                                "must be written plainly, without percent-encoding or dot segments");
            }
            seen.add(attempt + " -> " + r.status());
        }
        assertThat(suite.gateway.requests()).as("%s", seen).isEmpty();
        assertThat(suite.replicate.requests()).isEmpty();
        // more refusals than the rate limit (20/min) allows calls, yet the same user's next call goes through
        assertThat(PATH_ESCAPES.size()).isGreaterThan(20);
        assertThat(raw("GET", "/app/replicate/account", "X-Test-User: escaper-" + suite.container.name()).status())
                .isEqualTo(200);
        assertThat(suite.gateway.requests()).hasSize(1);
    }

    @Test
    void oversizedAndMalformedHeadersAreRefusedBeforeUpstream() throws Exception {
        String user = "X-Test-User: headers";
        List<String[]> attempts = List.of(
                new String[]{"64 KB header value", "X-Big: " + "a".repeat(64 * 1024)},
                new String[]{"1 MB header value", "X-Big: " + "a".repeat(1024 * 1024)},
                new String[]{"300 headers of 100 bytes", header300()},
                new String[]{"bare CR in a value", "X-Tenant: a\rX-Injected: 1"},
                new String[]{"space before colon", "X-Tenant : t"},
                new String[]{"no colon", "X-Tenant"});
        for (String[] a : attempts) {
            Raw r = raw("GET", "/app/replicate/account", user, a[1]);
            assertThat(r.status()).as(a[0]).isIn(400, 413, 431);
        }
        assertThat(suite.gateway.requests()).isEmpty();
        assertThat(suite.replicate.requests()).isEmpty();
    }

    /**
     * Forwarded header values HTTP cannot carry (a container may pass DEL; Tomcat does): refused with a problem naming
     * the header, never the value (the pass-through proxy's Authorization is a credential), or the container's own
     * 400 — never left to an exception in the upstream client, which gave an empty 200 with the call never sent.
     * Values of visible ASCII and obs-text bytes (UTF-8 sent raw) go out.
     */
    @Test
    void forwardedHeaderValuesTheUpstreamCannotSendAreRefusedNotThrown() throws Exception {
        String[][] attempts = {{"/app/roomy-proxy/account", "Accept-Language", "de\u007f"},
                {"/app/roomy-proxy/account", "User-Agent", "sdk\u007f"},
                {"/app/passthrough/account", "Authorization", "Bearer r8_secret\u007f"}};
        for (String[] a : attempts) {
            Raw r = raw("GET", a[0], a[1] + ": " + a[2]);
            assertThat(r.status()).as(a[1] + ": " + r.head() + r.body()).isEqualTo(400);
            if (r.isProblem()) { // else the container's own 400 (Jetty refuses DEL)
                assertThat(r.body()).as(a[1]).contains("header_not_allowed").contains(a[1]).contains("U+007F")
                        .doesNotContain("r8_secret");
            }
        }
        assertThat(suite.gateway.requests()).isEmpty();
        Raw ok = raw("GET", "/app/roomy-proxy/account", "User-Agent: caf\u00c3\u00a9 \u00f0\u009f\u0098\u0080",
                "Prefer: wait=5 \u00e2\u0080\u00a8");
        assertThat(ok.status()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("username");
    }

    private static String header300() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            sb.append(i == 0 ? "" : "\r\n").append("X-H").append(i).append(": ").append("v".repeat(100));
        }
        return sb.toString();
    }

    /**
     * Metadata from request headers: a huge value is cut to 1024 characters, non-ASCII and control characters are
     * escaped, and the call still goes out with every entry.
     */
    @Test
    void hugeAndNonAsciiMetadataValuesAreCutAndEscapedAndTheCallGoesOut() throws Exception {
        String big = "t".repeat(5000);
        // UTF-8 bytes of "café" sent raw (obs-text), and a tab: legal in a field value
        Raw r = raw("GET", "/app/replicate/account", "X-Test-User: meta", "X-Tenant: " + big,
                "X-Request-Id: caf\u00c3\u00a9\tid");
        assertThat(r.status()).isEqualTo(200);
        GatewayRequest g = suite.gateway.awaitRequests(1, UpstreamSuite.WAIT).get(0);
        assertThat(g.metadata()).containsEntry("user", "meta").containsEntry("tenant", big.substring(0, 1024));
        assertThat(String.valueOf(g.metadata().get("request"))).startsWith("caf").endsWith("\tid");
        assertThat(g.header("cf-aig-metadata")).matches("[\\x20-\\x7e]+");

        // a 4-byte character across the 1024-character cut (containers that decode header bytes as UTF-8 see a
        // surrogate pair there): the cut never leaves half of it, which strict JSON parsers refuse
        assertThat(raw("GET", "/app/replicate/account", "X-Test-User: meta-cut", "X-Tenant: " + "t".repeat(1023)
                + "\u00f0\u009f\u0098\u0080").status()).isEqualTo(200);
        GatewayRequest cut = suite.gateway.requests().stream()
                .filter(q -> "meta-cut".equals(q.metadata().get("user"))).findFirst().orElseThrow();
        String tenant = String.valueOf(cut.metadata().get("tenant"));
        assertThat(tenant).startsWith("t".repeat(1023)).hasSizeLessThanOrEqualTo(1024);
        assertThat(Character.isHighSurrogate(tenant.charAt(tenant.length() - 1))).as("half a pair").isFalse();
    }

    /**
     * Methods are an allowlist: Replicate's own (QUERY included) are forwarded as written; anything else — TRACE and
     * CONNECT (an echo would hand out the server's token), made-up ones, lower-case spellings that some servers
     * fold — is refused by aigw with 405 and {@code Allow}, or by the container before any filter runs.
     */
    @Test
    void methodsAreAnAllowlist() throws Exception {
        Raw query = raw("QUERY", "/app/replicate/models", "X-Test-User: methods", "Content-Type: application/json",
                "Content-Length: 2", "", "{}");
        assertThat(query.status()).isLessThan(500);
        assertThat(suite.gateway.requests()).extracting(q -> q.request().method()).containsExactly("QUERY");
        for (String m : List.of("TRACE", "CONNECT", "BREW", "PROPFIND", "get", "Post")) {
            Raw r = raw(m, "/app/replicate/account", "X-Test-User: methods");
            assertThat(r.status()).as(m).isIn(400, 405, 501); // aigw's 405, or the container's own refusal
            if (r.isProblem()) {
                assertThat(r.status()).isEqualTo(405);
                assertThat(r.body()).contains("method_not_allowed");
                assertThat(r.allow()).isEqualTo("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS, QUERY");
            }
        }
        Raw notToken = raw("GE(T", "/app/replicate/account", "X-Test-User: methods");
        assertThat(notToken.status()).isBetween(400, 501);
        assertThat(suite.gateway.requests()).hasSize(1);
        assertThat(suite.replicate.requests()).hasSize(1);
    }

    /**
     * Truncated, invalid, too deep and non-UTF-8 JSON bodies, and 900 KB of random bytes labelled JSON, reach Replicate byte for
     * byte; Replicate's own answer comes back, and a record is made for each.
     */
    @Test
    void badJsonBodiesStreamThroughUnchanged() throws Exception {
        Random rnd = new Random(42);
        byte[] random = new byte[900 * 1024]; // under the fake's 1 MB recording cap; bigger bodies: ProxyTests, core
        rnd.nextBytes(random);
        List<byte[]> bodies = List.of(
                "{\"version\":\"acme/echo\",\"input\":{\"prompt\":\"cut".getBytes(StandardCharsets.UTF_8),
                "{\"version\":acme/echo,}".getBytes(StandardCharsets.UTF_8),
                new byte[]{'{', '"', 'v', '"', ':', '"', (byte) 0xc3, (byte) 0x28, (byte) 0xff, '"', '}'},
                ("{\"input\":" + "[".repeat(5000) + "]".repeat(5000) + "}").getBytes(StandardCharsets.UTF_8),
                random);
        for (byte[] body : bodies) {
            suite.replicate.reset();
            HttpResponse<String> r = suite.http.send(suite.request("/passthrough/predictions", "Authorization",
                            "Bearer " + suite.replicate.token(), "Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            // Replicate's own answer, never a proxy failure
            assertThat(r.body()).doesNotContain("\"code\":\"upstream_").doesNotContain("gateway_unreachable");
            RecordedRequest up = suite.replicate.requests().get(0);
            assertThat(up.bodyTruncated()).isFalse();
            assertThat(sha256(up.body())).as("bytes at Replicate").isEqualTo(sha256(body));
        }
        assertThat(suite.gateway.requests()).hasSize(bodies.size());
    }

    @Test
    void webhookTamperingReplaysAndClockSkew() throws Exception {
        String secret = suite.replicate.webhookSecret();
        String other = "whsec_" + Base64.getEncoder().encodeToString("another-secret-of-32-bytes......".getBytes(
                StandardCharsets.US_ASCII));
        long now = Instant.now().getEpochSecond();
        byte[] body = "{\"id\":\"p-bad\",\"status\":\"processing\"}".getBytes(StandardCharsets.UTF_8);
        byte[] changed = "{\"id\":\"p-bad\",\"status\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);
        String good = ReplicateWebhooks.sign(secret, "msg_b1", now, body);
        String flipped = good.substring(0, 3) + (good.charAt(3) == 'A' ? 'B' : 'A') + good.substring(4);
        // id, timestamp, signature header, body, expected status, expected problem code
        Object[][] cases = {
                {"msg_b1", Long.toString(now), good, changed, 401, "webhook_signature_mismatch"},
                {"msg_b1", Long.toString(now), good, java.util.Arrays.copyOf(body, body.length - 1), 401,
                        "webhook_signature_mismatch"},
                {"msg_b2", Long.toString(now), good, body, 401, "webhook_signature_mismatch"},
                {"msg_b1", Long.toString(now + 1), good, body, 401, "webhook_signature_mismatch"},
                {"msg_b1", Long.toString(now), flipped, body, 401, "webhook_signature_mismatch"},
                {"msg_b1", Long.toString(now), ReplicateWebhooks.sign(other, "msg_b1", now, body), body, 401,
                        "webhook_signature_mismatch"},
                {"msg_b1", Long.toString(now), "v2," + good.substring(3), body, 400, "webhook_headers_invalid"},
                {"msg_b1", Long.toString(now), "", body, 400, "webhook_headers_invalid"},
                {"msg_b1", now + ".0", good, body, 400, "webhook_headers_invalid"},
                {"msg b1", Long.toString(now), good, body, 400, "webhook_headers_invalid"},
                {"msg_b3", Long.toString(now + 600), ReplicateWebhooks.sign(secret, "msg_b3", now + 600, body), body,
                        401, "webhook_timestamp_out_of_tolerance"},
                {"msg_b4", Long.toString(now - 600), ReplicateWebhooks.sign(secret, "msg_b4", now - 600, body), body,
                        401, "webhook_timestamp_out_of_tolerance"}};
        for (Object[] c : cases) {
            HttpResponse<String> r = deliver((String) c[0], (String) c[1], (String) c[2], (byte[]) c[3]);
            assertThat(r.statusCode()).as("%s %s %s", c[0], c[1], c[2]).isEqualTo(c[4]);
            assertThat(r.body()).contains("\"code\":\"" + c[5] + "\"").doesNotContain(secret.substring(6));
        }
        assertThat(suite.webhooks.received).as("nothing unverified reaches the application").isEmpty();

        // within the tolerance either way (clocks a little apart) is accepted, byte for byte
        for (long skew : new long[]{-240, 240}) {
            String id = "msg_skew" + skew;
            HttpResponse<String> r = deliver(id, Long.toString(now + skew),
                    ReplicateWebhooks.sign(secret, id, now + skew, body), body);
            assertThat(r.statusCode()).as("skew %s", skew).isEqualTo(200);
        }
        // several entries, one of them good: accepted; then replays of it, even freshly signed, are not handed on
        HttpResponse<String> ok = deliver("msg_b1", Long.toString(now), "v1,AAAA " + flipped + " " + good, body);
        assertThat(ok.statusCode()).isEqualTo(200);
        long later = now + 30;
        for (HttpResponse<String> replay : List.of(deliver("msg_b1", Long.toString(now), good, body),
                deliver("msg_b1", Long.toString(later), ReplicateWebhooks.sign(secret, "msg_b1", later, changed),
                        changed))) {
            assertThat(replay.statusCode()).isEqualTo(200);
            assertThat(replay.headers().firstValue("aigw-webhook")).hasValue("duplicate");
        }
        assertThat(suite.webhooks.received).hasSize(3).allSatisfy(w -> assertThat(w.body()).isEqualTo(body));
    }

    /**
     * A refusal made before the body is read (bad headers, another path) always reaches the client, also while its
     * body is still on the way: without reading the body first, Jetty closed the connection after the answer and the
     * client's TCP stack dropped the answer on the reset (several in a hundred), in the proxy too.
     */
    @Test
    void refusalsBeforeTheBodyAlwaysArrive() throws Exception {
        byte[] body = new byte[20_000];
        for (int i = 0; i < 100; i++) {
            HttpResponse<String> w = deliver("msg_early" + i, "x.0", "v1,AAAA", body);
            assertThat(w.statusCode()).as("webhook %d", i).isEqualTo(400);
            HttpResponse<String> p = suite.http.send(suite.request("/replicate/models/evil/model/predictions",
                            "X-Test-User", "early")
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(p.statusCode()).as("proxy %d: %s", i, p.body()).isEqualTo(403); // a model not allowed
        }
        assertThat(suite.webhooks.received).isEmpty();
    }

    /**
     * A refusal made before the body is read reaches the client at once, and the body is still read while the answer
     * stays open, so no reset can drop it. Tomcat 11 closes a request's input once the response's declared length is
     * written: an answer with a length ended the exchange there, with the body unread (the flaky case above).
     */
    @Test
    void aRefusedBodyIsReadWhileItsAnswerStaysOpen() throws Exception {
        refusedWhileTheBodyArrives("/app/replicate/models/evil/model/predictions",
                "{\"input\":{\"prompt\":\"" + "x".repeat(20_000) + "\"}}", "model_not_allowed");
    }

    /** The same for a body the gate refuses once it has read part of it (the model named in the body). */
    @Test
    void aBodyRefusedHalfWayIsReadWhileItsAnswerStaysOpen() throws Exception {
        refusedWhileTheBodyArrives("/app/replicate/predictions",
                "{\"version\":\"evil/model\",\"input\":{\"prompt\":\"" + "x".repeat(20_000) + "\"}}",
                "model_not_allowed");
    }

    /** The same for a webhook the webhook allowlist refuses (aigw.proxy.webhook-urls), on any POST. */
    @Test
    void aWebhookRefusedHalfWayIsReadWhileItsAnswerStaysOpen() throws Exception {
        refusedWhileTheBodyArrives("/app/hooked-proxy/predictions/abc/cancel",
                "{\"webhook\":\"https://evil.example/\",\"input\":{\"prompt\":\"" + "x".repeat(20_000) + "\"}}",
                "webhook_not_allowed");
    }

    private void refusedWhileTheBodyArrives(String path, String body, String code) throws Exception {
        String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + suite.app.getPort()
                + "\r\nX-Test-User: read-through\r\nContent-Type: application/json\r\nContent-Length: " + body.length()
                + "\r\n\r\n";
        try (Socket socket = new Socket(suite.app.getHost(), suite.app.getPort())) {
            socket.setSoTimeout(20_000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            out.write((head + body.substring(0, 10_000)).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            String answer = RawHttp.headAndJson(in);
            assertThat(answer).startsWith("HTTP/1.1 403").contains("\"code\":\"" + code + "\"");
            socket.setSoTimeout(1000);
            assertThatThrownBy(in::read).as("the answer does not end while the body is on its way")
                    .isInstanceOf(SocketTimeoutException.class);
            socket.setSoTimeout(20_000);
            out.write(body.substring(10_000).getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            assertThat(in.read()).as("then it ends, without a reset").isEqualTo(-1);
        }
        assertThat(suite.replicate.requests()).noneMatch(r -> r.method().equals("POST"));
    }

    private HttpResponse<String> deliver(String id, String ts, String sig, byte[] body) throws Exception {
        HttpRequest.Builder b = suite.request("/webhooks/replicate").POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .header("Content-Type", "application/json").header("webhook-id", id).header("webhook-timestamp", ts);
        if (!sig.isEmpty()) {
            b.header("webhook-signature", sig);
        } else {
            b.header("webhook-signature", " ");
        }
        return suite.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String sha256(byte[] b) throws Exception {
        return java.util.HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    private Raw raw(String method, String rawPath, String... lines) throws IOException {
        return RawHttp.send(suite.app, method, rawPath, lines);
    }
}
