package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Proxy filter: every endpoint family, streaming, rewriting, credentials, control, path safety, failures. */
public abstract class ProxyTests extends SuiteGroup {
    protected ProxyTests(UpstreamSuite suite) {
        super(suite);
    }

    private HttpResponse<String> call(String method, String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = suite.request(path, headers).method(method, json == null
                ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return suite.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    /** The suite runs with each upstream client; the calls go through the one it names, on its own threads. */
    @Test
    void theConfiguredUpstreamClientCarriesTheCalls() throws Exception {
        assertThat(call("GET", "/replicate/account", null, USER, "upstream-client").statusCode()).isEqualTo(200);
        List<String> jettyThreads = Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
                .filter(n -> n.startsWith("aigw-proxy-jetty")).toList();
        if (suite.upstreamClient().equals("jetty")) {
            assertThat(jettyThreads).as("Jetty client threads, named for aigw").isNotEmpty();
        } else {
            assertThat(jettyThreads).isEmpty();
        }
    }

    @Test
    void everyEndpointFamilyGoesThroughTheGateway() throws Exception {
        suite.replicate.deployment("acme/prod", "acme/echo");
        String u = "proxy-all";
        String p = "/replicate";
        assertThat(call("GET", p + "/account", null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("GET", p + "/hardware", null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("GET", p + "/models", null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("GET", p + "/models/acme/echo", null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("GET", p + "/models/acme/echo/versions", null, USER, u).statusCode()).isLessThan(500);
        assertThat(call("QUERY", p + "/models", null, USER, u).statusCode()).isLessThan(500);
        HttpResponse<String> created = call("POST", p + "/predictions", "{\"version\":\"acme/echo\",\"input\":{}}",
                USER, u);
        assertThat(created.statusCode()).isEqualTo(201);
        String id = field(created.body(), "id");
        assertThat(call("GET", p + "/predictions/" + id, null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("GET", p + "/predictions", null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("POST", p + "/predictions/" + id + "/cancel", null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("POST", p + "/models/acme/echo/predictions", "{\"input\":{}}", USER, u).statusCode())
                .isEqualTo(201);
        assertThat(call("POST", p + "/deployments/acme/prod/predictions", "{\"input\":{}}", USER, u).statusCode())
                .isEqualTo(201);
        assertThat(call("GET", p + "/deployments/acme/prod", null, USER, u).statusCode()).isEqualTo(200);
        String version = suite.replicate.model("acme/echo").versionId();
        HttpResponse<String> training = call("POST", p + "/models/acme/echo/versions/" + version + "/trainings",
                "{\"destination\":\"acme/echo\",\"input\":{}}", USER, u);
        assertThat(training.statusCode()).isEqualTo(201);
        assertThat(call("GET", p + "/trainings/" + field(training.body(), "id"), null, USER, u).statusCode())
                .isEqualTo(200);
        assertThat(call("GET", p + "/trainings", null, USER, u).statusCode()).isEqualTo(200);
        assertThat(call("GET", p + "/collections", null, USER, u).statusCode()).isLessThan(500);
        // every call reached the gateway tagged with the user, none went around it
        List<GatewayRequest> seen = suite.gateway.requests();
        assertThat(seen).hasSize(17).allSatisfy(g -> {
            assertThat(g.metadata()).containsEntry("user", u);
            assertThat(g.provider()).isEqualTo("replicate");
            assertThat(g.header("Authorization")).isEqualTo("Bearer " + suite.replicate.token());
        });
        assertThat(suite.replicate.requests()).hasSameSizeAs(seen);
    }

    @Test
    void filesMultipartUploadStreamsThroughAndUrlsAreRewritten() throws Exception {
        byte[] content = new byte[3 * 1024 * 1024 + 17];
        new Random(7).nextBytes(content);
        String boundary = "aigwBoundary" + System.nanoTime();
        List<byte[]> parts = List.of(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; "
                        + "filename=\"blob.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII), content,
                ("\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n{\"k\":\"v\"}\r\n--"
                        + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        // Sent with a Content-Length, as multipart clients do. An unknown-length (chunked) upload fails about one run
        // in five on Tomcat after the rest of the suite (the connection is dropped, nothing logged): open, see README.
        HttpResponse<String> up = suite.http.send(suite.request("/replicate/files", USER, "uploader")
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(concat(parts))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(up.statusCode()).isEqualTo(201);
        String sha = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        assertThat(up.body()).contains(sha);
        String fileUrl = suite.app + "/replicate/files/" + field(up.body(), "id");
        assertThat(up.body()).contains("\"get\":\"" + fileUrl + "\"").doesNotContain("api.replicate.com/v1");
        RecordedRequest atReplicate = suite.replicate.requests().get(0);
        assertThat(atReplicate.header("Content-Type")).isEqualTo("multipart/form-data; boundary=" + boundary);
        assertThat(atReplicate.bodySize()).isEqualTo(parts.stream().mapToLong(b -> b.length).sum());
        // the rewritten URL works and stays on the proxy
        assertThat(suite.http.send(suite.request(fileUrl.substring(suite.app.toString().length()), USER, "uploader").GET()
                .build(), HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/replicate/files", null, USER, "uploader").body()).contains(fileUrl);
        assertThat(call("DELETE", "/replicate/files/" + field(up.body(), "id"), null, USER, "uploader").statusCode())
                .isEqualTo(204);
    }

    @Test
    void responseUrlsPointAtTheProxyAndFollowingThemStaysOnIt() throws Exception {
        HttpResponse<String> created = call("POST", "/replicate/predictions",
                "{\"version\":\"acme/echo\",\"input\":{\"prompt\":\"x\"}}", USER, "follower");
        assertThat(created.statusCode()).isEqualTo(201);
        String id = field(created.body(), "id");
        String get = suite.app + "/replicate/predictions/" + id;
        assertThat(created.body()).contains("\"get\":\"" + get + "\"")
                .contains("\"cancel\":\"" + get + "/cancel\"").doesNotContain("https://api.replicate.com/v1");
        assertThat(created.headers().firstValue("Location")).hasValue(get);
        // the body changed length: any Content-Length is the new one (the container's), never the upstream's
        created.headers().firstValueAsLong("Content-Length").ifPresent(
                n -> assertThat(n).isEqualTo(created.body().getBytes(StandardCharsets.UTF_8).length));
        HttpResponse<String> followed = suite.http.send(HttpRequest.newBuilder(URI.create(get)).header(USER, "follower")
                .GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(followed.statusCode()).isEqualTo(200);
        assertThat(field(followed.body(), "id")).isEqualTo(id);
        for (int i = 0; i < 3; i++) {
            call("POST", "/replicate/predictions", "{\"version\":\"acme/echo\",\"input\":{}}", USER, "follower");
        }
        HttpResponse<String> page = call("GET", "/replicate/predictions", null, USER, "follower");
        assertThat(page.body()).doesNotContain("https://api.replicate.com/v1");
        // a JSON input naming a proxy file URL reaches Replicate as Replicate's own URL
        call("POST", "/replicate/predictions", "{\"version\":\"acme/echo\",\"input\":{\"image\":\"" + suite.app
                + "/replicate/files/abc\"}}", USER, "follower");
        assertThat(suite.replicate.requests().get(suite.replicate.requests().size() - 1).bodyAsString())
                .contains("\"image\":\"https://api.replicate.com/v1/files/abc\"");
    }

    /**
     * A rewritten JSON answer whose length the gateway declares: the proxy drops the declared length, and a body that
     * arrives whole still leaves with its exact new length and no chunked framing, because every container frames a
     * body it holds whole in its buffer when the call completes (the proxy must not flush before then); one that
     * arrives in parts is rewritten alike. See ARCHITECTURE, RATIONALE.
     */
    @Test
    void aRewrittenAnswerArrivingWholeKeepsAnExactLength() throws Exception {
        String id = field(call("POST", "/replicate/predictions", "{\"version\":\"acme/echo\",\"input\":{}}", USER,
                "lengths").body(), "id");
        String get = suite.app + "/replicate/predictions/" + id;
        suite.gateway.faults().next(1).withLength(Long.MAX_VALUE, java.time.Duration.ZERO);
        RawHttp.Raw whole = RawHttp.send(suite.app, "GET", suite.app.getRawPath() + "/replicate/predictions/" + id,
                USER + ": lengths");
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).contains("\"get\":\"" + get + "\"").doesNotContain("https://api.replicate.com/v1");
        assertThat(headerLine(whole.head(), "Content-Length"))
                .isEqualTo(Integer.toString(whole.body().length())); // ISO-8859-1: one char per byte
        assertThat(headerLine(whole.head(), "Transfer-Encoding")).isNull();

        suite.gateway.faults().next(1).withLength(40, java.time.Duration.ofMillis(200));
        HttpResponse<String> parts = call("GET", "/replicate/predictions/" + id, null, USER, "lengths");
        assertThat(parts.statusCode()).isEqualTo(200);
        assertThat(parts.body()).contains("\"get\":\"" + get + "\"").doesNotContain("https://api.replicate.com/v1");
        parts.headers().firstValueAsLong("Content-Length").ifPresent(
                n -> assertThat(n).isEqualTo(parts.body().getBytes(StandardCharsets.UTF_8).length));
    }

    /**
     * An answer whose Content-Encoding names a coding in any field, not only the first, is coded: it passes as sent,
     * its URLs and its coding's fields as they are (rewriting it would have dropped the coding and changed bytes).
     */
    @Test
    void anAnswerCodedInAnyContentEncodingFieldPassesAsSent() throws Exception {
        String id = field(call("POST", "/replicate/predictions", "{\"version\":\"acme/echo\",\"input\":{}}", USER,
                "coded").body(), "id");
        String[][] labels = {{"identity", "gzip"}, {"identity, gzip"}, {"", "br"}};
        for (String[] label : labels) {
            suite.replicate.faults().next(1).onPath("/v1/predictions/" + id).header("Content-Encoding", label);
            HttpResponse<String> r = call("GET", "/replicate/predictions/" + id, null, USER, "coded");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().allValues("Content-Encoding")).as(String.join(" | ", label))
                    .containsExactly(label);
            assertThat(r.body()).as(String.join(" | ", label))
                    .contains("\"get\":\"https://api.replicate.com/v1/predictions/" + id + "\"")
                    .doesNotContain(suite.app + "/replicate/predictions");
        }
        suite.replicate.faults().next(1).onPath("/v1/predictions/" + id).header("Content-Encoding", "identity",
                "Identity");
        assertThat(call("GET", "/replicate/predictions/" + id, null, USER, "coded").body())
                .as("identity in every field: rewritten").contains("\"get\":\"" + suite.app + "/replicate/predictions/"
                        + id + "\"");
    }

    private static String headerLine(String head, String name) {
        for (String line : head.split("\r\n")) {
            if (line.regionMatches(true, 0, name + ":", 0, name.length() + 1)) {
                return line.substring(name.length() + 1).strip();
            }
        }
        return null;
    }

    @Test
    void eventStreamEventsArriveOneByOne() throws Exception {
        suite.replicate.model("acme/story").tokens("Once", " upon", " a", " time", " there", " was")
                .duration(java.time.Duration.ofSeconds(3));
        String id = suite.createDirectly("acme/story");
        HttpResponse<InputStream> r = suite.http.send(suite.request("/stream-proxy/predictions/" + id, USER, "reader",
                "Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("text/event-stream"));
        List<String> events = new ArrayList<>();
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            boolean checkedFirst = false;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("event: ")) {
                    events.add(line.substring(7));
                }
                if (!checkedFirst && line.startsWith("data: ") && events.contains("output")) {
                    checkedFirst = true;
                    // the first event is here while the upstream is still producing the rest
                    assertThat(directStatus(id)).isIn("starting", "processing");
                }
            }
            assertThat(checkedFirst).isTrue(); // and the stream ended cleanly after done
        }
        assertThat(events.stream().filter("output"::equals)).hasSize(6);
        assertThat(events.get(events.size() - 1)).isEqualTo("done");
        assertThat(directStatus(id)).isEqualTo("succeeded");
    }

    @Test
    void clientDisconnectCancelsTheUpstreamCall() throws Exception {
        // an event every 250 ms: the stream is still running when its client leaves after the first one, and the next
        // write on the upstream's thread comes while the following requests are under way
        suite.replicate.model("acme/slow").tokens("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
                .duration(java.time.Duration.ofMillis(2500));
        String id = suite.createDirectly("acme/slow");
        leaveAfterFirstEvent(id);
        ExchangeRecord rec = suite.awaitRecord("/predictions/" + id);
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.CANCELLED);
        assertThat(rec.error()).contains("client disconnected");
        // one meaning on both paths (JAX-RS: SseTest): cancelled, with the bytes that passed and the answer's status
        assertThat(rec.bytesReceived()).isPositive();
        assertThat(rec.httpStatus()).isEqualTo(200);
        assertThat(rec.forwarded()).as("a proxy client's call, as listeners see it").isTrue();
    }

    /**
     * Regression: on Tomcat, a write still under way on an HTTP client thread when the container completed an
     * abandoned stream failed a moment later and left its error on the recycled processor; the next request it served,
     * on another connection, was dropped without an answer (about one upload in thirty). Every upload here follows a
     * client that left a stream mid-way.
     */
    @Test
    void clientsLeavingStreamsNeverDisturbOtherRequests() throws Exception {
        // an event every 250 ms: the stream is still running when its client leaves after the first one, and the next
        // write on the upstream's thread comes while the following requests are under way
        suite.replicate.model("acme/slow").tokens("a", "b", "c", "d", "e", "f", "g", "h", "i", "j")
                .duration(java.time.Duration.ofMillis(2500));
        byte[] content = new byte[512 * 1024];
        new Random(11).nextBytes(content);
        String boundary = "aigwLeaver";
        byte[] upload = concat(List.of(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; "
                + "filename=\"blob.bin\"\r\nContent-Type: application/octet-stream\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII), content, ("\r\n--" + boundary + "--\r\n")
                .getBytes(StandardCharsets.US_ASCII)));
        for (int i = 0; i < 20; i++) {
            leaveAfterFirstEvent(suite.createDirectly("acme/slow"));
            // sent without a length (chunked), the case that failed most often
            HttpResponse<String> up = suite.http.send(suite.request("/replicate/files", USER, "mover" + i)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(upload)))
                    .build(), HttpResponse.BodyHandlers.ofString());
            assertThat(up.statusCode()).as("upload %d, after a client left a stream", i).isEqualTo(201);
        }
    }

    @Test
    void serverTokenReplacesClientCredentialsAndNothingElseLeaks() throws Exception {
        HttpResponse<String> r = call("GET", "/replicate/account", null, USER, "cred", "Authorization",
                "Bearer r8_clientOwnSecret123", "Cookie", "JSESSIONID=s3cr3t; other=1", "X-CSRF-Token", "csrf-1",
                "cf-aig-collect-log", "false", "cf-aig-cache-key", "mine", "X-Forwarded-Host", "evil.example",
                "Forwarded", "host=evil.example;proto=https");
        assertThat(r.statusCode()).isEqualTo(200);
        GatewayRequest g = suite.gateway.awaitRequests(1, UpstreamSuite.WAIT).get(0);
        assertThat(g.header("Authorization")).isEqualTo("Bearer " + suite.replicate.token());
        assertThat(g.header("Cookie")).isNull();
        assertThat(g.header("X-CSRF-Token")).isNull();
        assertThat(g.header("cf-aig-collect-log")).isNull();
        assertThat(g.header("cf-aig-cache-key")).isNull();
        assertThat(g.header("X-Forwarded-Host")).isNull();
        assertThat(g.header("Forwarded")).isNull();
        assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + UpstreamSuite.CF_TOKEN);
        RecordedRequest up = suite.replicate.requests().get(0);
        assertThat(up.headers().keySet()).noneMatch(h -> h.toLowerCase().startsWith("cf-aig-"));
        assertThat(up.header("Cookie")).isNull();
        // the proxy's public URL is not taken from untrusted forwarding headers
        HttpResponse<String> created = call("POST", "/replicate/predictions", "{\"version\":\"acme/echo\",\"input\":{}}",
                USER, "cred", "X-Forwarded-Host", "evil.example", "X-Forwarded-Proto", "https");
        assertThat(created.body()).doesNotContain("evil.example").contains(suite.app + "/replicate/predictions/");
        // pass-through mode (no server token): the client's own token goes upstream, and answers never echo tokens
        assertThat(call("GET", "/passthrough/account", null, "Authorization", "Bearer " + suite.replicate.token())
                .statusCode()).isEqualTo(200);
        HttpResponse<String> bad = call("GET", "/passthrough/account", null, "Authorization", "Bearer r8_wrongToken99");
        assertThat(bad.statusCode()).isEqualTo(401);
        assertThat(bad.body()).doesNotContain("r8_wrongToken99");
        assertThat(suite.records).noneMatch(rec -> String.valueOf(rec).contains("r8_") || String.valueOf(rec)
                .contains(UpstreamSuite.CF_TOKEN));
    }

    @Test
    void aCallerWithoutAccessIsRefusedWithAProblem() throws Exception {
        HttpResponse<String> anon = call("GET", "/replicate/account", null);
        assertThat(anon.statusCode()).isEqualTo(401);
        assertThat(anon.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
    }

    @Test
    void predictionsOfModelsOutsideTheAllowlistNeverReachReplicate() throws Exception {
        assertThat(call("POST", "/replicate/models/other/model/predictions", "{\"input\":{}}", USER, "allow")
                .statusCode()).isEqualTo(403);
        HttpResponse<String> denied = call("POST", "/replicate/predictions",
                "{\"input\":{\"pad\":\"" + "x".repeat(200_000) + "\"},\"version\":\"other/model\"}", USER, "allow");
        assertThat(denied.statusCode()).isEqualTo(403);
        assertThat(denied.body()).contains("model_not_allowed").contains("other/model");
        assertThat(call("POST", "/replicate/predictions", "{\"input\":{}}", USER, "allow").statusCode()).isEqualTo(403);
        assertThat(call("POST", "/replicate/deployments/acme/other/predictions", "{\"input\":{}}", USER, "allow")
                .statusCode()).isEqualTo(403);
        assertThat(suite.replicate.requests()).noneMatch(r -> r.method().equals("POST"));
        assertThat(call("POST", "/replicate/predictions",
                "{\"input\":{\"pad\":\"" + "x".repeat(200_000) + "\"},\"version\":\"acme/echo\"}", USER, "allow")
                .statusCode()).isEqualTo(201);
    }

    @Test
    void theWebhookSigningSecretIsNotProxied() throws Exception {
        assertThat(call("GET", "/replicate/webhooks/default/secret", null, USER, "allow").statusCode()).isEqualTo(403);
    }

    @Test
    void aUserOverTheRateLimitGets429WithRetryAfterAndOthersGoOn() throws Exception {
        int ok = 0;
        HttpResponse<String> limited = null;
        for (int i = 0; i < 25 && limited == null; i++) {
            HttpResponse<String> r = call("GET", "/replicate/hardware", null, USER, "greedy");
            if (r.statusCode() == 429) {
                limited = r;
            } else {
                ok++;
            }
        }
        assertThat(ok).isEqualTo(20);
        assertThat(limited).isNotNull();
        assertThat(limited.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Long.parseLong(v)).isPositive());
        assertThat(limited.body()).contains("\"retry_after\":").contains("rate_limited");
        assertThat(call("GET", "/replicate/hardware", null, USER, "patient").statusCode()).isEqualTo(200);
    }

    @Test
    void pathEscapesAreRefused() throws Exception {
        String[] attempts = {"/replicate/predictions/%2e%2e/%2e%2e/%2e%2e/other/openai/v1/models",
                "/replicate/%2E%2E/x", "/replicate/predictions/..%2F..%2Fother-gateway%2Fopenai",
                "/replicate/predictions%2f..%2f..%2faccount", "/replicate/predictions/..%5c..%5cx",
                "/replicate/a/%252e%252e/%252e%252e/x", "/replicate//predictions", "/replicate/./account",
                "/replicate/predictions;x=1/../../account", "/replicate/predictions/%00", "/replicate/predictions\\..\\..\\x",
                "/replicate/%c0%ae%c0%ae/x"};
        for (String a : attempts) {
            int status = rawGet("/app" + a, "X-Test-User: escaper");
            assertThat(status).as(a).isBetween(400, 404);
        }
        assertThat(suite.gateway.requests()).isEmpty();
        assertThat(suite.replicate.requests()).isEmpty();
    }

    @Test
    void aResetGatewayConnectionIsA502Problem() throws Exception {
        suite.gateway.faults().next(2).resetBeforeFirstByte(); // the JDK client retries an idempotent GET once
        HttpResponse<String> reset = call("GET", "/replicate/account", null, USER, "fail");
        assertThat(reset.statusCode()).isEqualTo(502);
        assertThat(reset.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(reset.body()).contains("\"code\":\"upstream_failed\"").doesNotContain(UpstreamSuite.CF_TOKEN);
    }

    @Test
    void anUnreachableGatewayIsA502SafeToRetry() throws Exception {
        HttpResponse<String> dead = call("GET", "/dead-proxy/account", null, USER, "fail");
        assertThat(dead.statusCode()).isEqualTo(502);
        assertThat(dead.body()).contains("gateway_unreachable").contains("safe to retry");
    }

    /** A proxy path (and context path) of the application's own may spell Replicate's words with capitals. */
    @Test
    void aProxyPathWithCapitalsWorksAndReplicatesPathWordsStayLowerCase() throws Exception {
        HttpResponse<String> ok = call("GET", "/Predictions/account", null, USER, "capitals");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        HttpResponse<String> refused = call("GET", "/Predictions/Account", null, USER, "capitals");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(refused.body()).contains("lower case");
    }

    /**
     * A filter destroyed while requests still reach it, as during undeployment: its upstream client is stopped, so
     * the call fails to start after the request went async. A 502 saying nothing was sent, and a failure recorded.
     */
    @Test
    void aCallThatCannotStartUpstreamIsA502RecordedAsAFailure() throws Exception {
        suite.stoppedProxy.destroy();
        HttpResponse<String> r = call("POST", "/stopped-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":"
                + "{}}", USER, "stopped");
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
                t -> assertThat(t).startsWith("application/problem+json"));
        assertThat(r.body()).contains("\"code\":\"upstream_not_started\"").contains("safe to retry");
        ExchangeRecord rec = suite.awaitRecord("/predictions", x -> x.outcome() == ExchangeRecord.Outcome.FAILURE);
        assertThat(rec.error()).contains("destroyed");
        assertThat(suite.gateway.requests()).isEmpty();
    }

    @Test
    void aGatewaySlowerThanTheTimeoutIsA504() throws Exception {
        // held, not delayed: a delayed request would still reach the fake Replicate seconds later, in another test
        suite.gateway.faults().next(1).hold(java.time.Duration.ofSeconds(3));
        HttpResponse<String> slow = call("GET", "/slow-proxy/account", null, USER, "fail");
        assertThat(slow.statusCode()).isEqualTo(504);
        assertThat(slow.body()).contains("upstream_timeout");
    }

    /**
     * A failure while the answer is read is never passed off as a complete body: a 502 of aigw's own while nothing
     * was sent, which carries nothing of the broken answer's head (the gateway's ids, its coding, ...), on every
     * container: the head is written onto the response only with the body's first bytes.
     */
    @Test
    void anAnswerBrokenBeforeTheClientHasAnyOfItIsA502() throws Exception {
        suite.replicate.faults().next(1).onPath("/v1/predictions").closeAfterBytes(0); // the head, then a cut
        assertCleanUpstreamFailure(false);
    }

    /**
     * The same once the first bytes are in the container's buffer, none sent: the head's fields are set by then, and
     * removed where the container can (Servlet 6.1, Jetty 12); Tomcat 10.1 (Servlet 6.0) cannot remove a field.
     */
    @Test
    void anAnswerBrokenWhileItsFirstBytesAreBufferedIsA502() throws Exception {
        suite.replicate.faults().next(1).onPath("/v1/predictions").closeAfterBytes(20);
        try {
            assertCleanUpstreamFailure(suite.container.name().equals("tomcat-10.1"));
        } catch (IOException acceptable) {
            // or a cut connection
        }
    }

    /**
     * Never a problem labelled with the broken answer's coding: where its {@code Content-Encoding} cannot be removed
     * (Tomcat 10.1), the connection is cut instead.
     */
    @Test
    void aCodedAnswerBrokenWhileItsFirstBytesAreBufferedIsAnUncodedProblemOrACut() throws Exception {
        suite.replicate.faults().next(1).onPath("/v1/predictions").header("Content-Encoding", "gzip");
        suite.gateway.faults().next(1).closeAfterBytes(20);
        try {
            assertThat(assertCleanUpstreamFailure(false).headers().allValues("Content-Encoding")).isEmpty();
        } catch (IOException acceptable) {
            assertThat(suite.container.name()).as("a cut where the coding can be removed").isEqualTo("tomcat-10.1");
        }
    }

    /**
     * Lists predictions, expecting aigw's 502 upstream_failed with nothing of the upstream's head (but the gateway's
     * ids when {@code idsMayStay}).
     */
    private HttpResponse<String> assertCleanUpstreamFailure(boolean idsMayStay) throws IOException,
            InterruptedException {
        HttpResponse<String> broken = suite.http.send(suite.request("/replicate/predictions", USER, "fail").GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(broken.statusCode()).isEqualTo(502);
        assertThat(broken.body()).contains("upstream_failed");
        if (!idsMayStay) {
            assertThat(broken.headers().map().keySet()).noneMatch(n -> n.toLowerCase(java.util.Locale.ROOT)
                    .startsWith("cf-aig-"));
        }
        assertThat(broken.headers().firstValue("Content-Type").orElse("")).startsWith("application/problem+json");
        return broken;
    }

    /** Nor is it once the client has part of it: the connection is cut (an event stream is committed at once). */
    @Test
    void anAnswerBrokenAfterTheClientHasPartOfItIsACutConnection() throws Exception {
        suite.replicate.model("acme/broken").tokens("one", "two", "three", "four")
                .duration(java.time.Duration.ofSeconds(2));
        String id = suite.createDirectly("acme/broken");
        suite.replicate.faults().next(1).onPath("/stream/").closeAfterBytes(60);
        HttpResponse<InputStream> stream = suite.http.send(suite.request("/stream-proxy/predictions/" + id, USER,
                "fail", "Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> {
            try (InputStream in = stream.body()) {
                in.readAllBytes();
            }
        }).isInstanceOf(IOException.class);
    }

    @Test
    void theGatewaysOwnErrorAnswersPassThroughUnchanged() throws Exception {
        suite.gateway.faults().next(1).status(429);
        assertThat(call("GET", "/replicate/account", null, USER, "fail").statusCode()).isEqualTo(429);
    }

    private static byte[] concat(List<byte[]> parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        parts.forEach(out::writeBytes);
        return out.toByteArray();
    }

    private int rawGet(String rawPath, String... headers) throws IOException {
        try (Socket socket = new Socket(suite.app.getHost(), suite.app.getPort())) {
            socket.setSoTimeout(20_000);
            StringBuilder req = new StringBuilder("GET ").append(rawPath).append(" HTTP/1.1\r\nHost: 127.0.0.1:")
                    .append(suite.app.getPort()).append("\r\nConnection: close\r\n");
            for (String h : headers) {
                req.append(h).append("\r\n");
            }
            OutputStream out = socket.getOutputStream();
            out.write(req.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            String status = in.readLine();
            assertThat(status).as(rawPath).isNotNull();
            return Integer.parseInt(status.split(" ")[1]);
        }
    }

    /** Reads a prediction's event stream through the proxy up to its first output event, then drops the connection. */
    private void leaveAfterFirstEvent(String id) throws Exception {
        HttpResponse<InputStream> r = suite.http.send(suite.request("/stream-proxy/predictions/" + id, USER, "leaver",
                "Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null && !line.startsWith("event: output")) {
                // wait for the first event
            }
        } // closing the body drops the connection
    }

    private String directStatus(String id) throws Exception {
        HttpResponse<String> r = suite.http.send(HttpRequest.newBuilder(URI.create(suite.replicate.baseUrl()
                + "/predictions/" + id)).header("Authorization", "Bearer " + suite.replicate.token()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        return field(r.body(), "status");
    }

}
