package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import dev.aigw.servlet.suite.RawHttp.Raw;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.ReplicateWebhooks;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12 on every container: the proxy decides on the request Replicate will act on, and no client can stall
 * or exhaust the application. The suite's gateway decodes paths as a normalising server does
 * ({@code FakeGateway.decodePaths()}), so each refused spelling would have reached its target there; every test
 * shows the refusal and that nothing reached the gateway or Replicate.
 */
public abstract class SecurityTests extends SuiteGroup {
    protected SecurityTests(UpstreamSuite suite) {
        super(suite);
    }

    private Raw raw(String method, String path, String body, String... headers) throws IOException {
        List<String> lines = new ArrayList<>(List.of(headers));
        if (body != null) {
            lines.add("Content-Type: application/json");
            lines.add("Content-Length: " + body.getBytes(StandardCharsets.UTF_8).length);
            lines.add("");
            lines.add(body);
        }
        return RawHttp.send(suite.app, method, path, lines.toArray(String[]::new));
    }

    private HttpResponse<String> post(String path, String contentType, String body, String... headers)
            throws Exception {
        HttpRequest.Builder b = suite.request(path, headers).POST(HttpRequest.BodyPublishers.ofString(body));
        if (contentType != null) {
            b.header("Content-Type", contentType);
        }
        return suite.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Spellings of the webhook-secret endpoint and of refused runs; each would route to its target upstream. */
    @Test
    void spellingsOfRefusedRequestsNeverReachTheDecodingGateway() throws Exception {
        String u = USER + ": speller-" + suite.container.name();
        String evil = "{\"version\":\"evil/model\",\"input\":{}}";
        String input = "{\"input\":{}}";
        String hex = "0".repeat(64);
        String[][] attempts = {
                {"GET", "/app/replicate/%77ebhooks/default/secret", null},
                {"GET", "/app/replicate/webhooks/default/secre%74", null},
                {"GET", "/app/replicate/Webhooks/default/secret", null},
                {"GET", "/app/replicate/webhooks/default/secret/", null},
                {"GET", "/app/replicate//webhooks/default/secret", null},
                {"GET", "/app/replicate/predictions/%2e%2e/webhooks/default/secret", null},
                {"GET", "/app/replicate/x/..%2fwebhooks/default/secret", null},
                {"GET", "/app/replicate/webhooks;x=1/default/secret", null},
                {"GET", "/app/replicate/webhooks%2fdefault%2fsecret", null},
                {"POST", "/app/replicate/Models/evil/model/predictions", input},
                {"POST", "/app/replicate/models/evil/model/predictions/", input},
                {"POST", "/app/replicate/models/evil/model/Predictions", input},
                {"POST", "/app/replicate/models/evil/model/%70redictions", input},
                {"POST", "/app/replicate/models/evil//model/predictions", input},
                {"POST", "/app/replicate/Deployments/evil/x/predictions", input},
                {"POST", "/app/replicate/predictions/", evil},
                {"POST", "/app/replicate/%70redictions", evil},
                {"POST", "/app/replicate/PREDICTIONS", evil},
                {"POST", "/app/replicate/predictions%3Fx=1", evil},
                {"post", "/app/replicate/predictions", evil},
                {"POST", "/app/replicate/models/acme/echo/versions/" + hex + "/Trainings", "{\"destination\":"
                        + "\"evil/x\",\"input\":{}}"},
                {"POST", "/app/replicate/models/acme/echo/versions/" + hex + "/trainings", "{\"destination\":"
                        + "\"evil/x\",\"input\":{}}"}};
        List<String> seen = new ArrayList<>();
        for (String[] a : attempts) {
            Raw r = raw(a[0], a[1], a[2], u);
            seen.add(a[0] + " " + a[1] + " -> " + r.status());
            // aigw's 400/403/405, or the container's own 400/404 before any filter runs
            assertThat(r.status()).as(a[0] + " " + a[1]).isIn(400, 403, 404, 405);
            if (r.isProblem()) {
                assertThat(r.body()).as(a[1]).containsAnyOf("path_not_allowed", "endpoint_not_proxied",
                        "model_not_allowed", "method_not_allowed");
            }
        }
        assertThat(suite.gateway.requests()).as("%s", seen).isEmpty();
        assertThat(suite.replicate.requests()).isEmpty();
        // the gateway behind would have acted on the meaning: the first spelling, sent to it directly, is the secret
        HttpResponse<String> direct = suite.http.send(HttpRequest.newBuilder(java.net.URI.create(
                        suite.gateway.providerUrl("replicate") + "/%77ebhooks/default/secret"))
                .header("cf-aig-authorization", "Bearer " + UpstreamSuite.CF_TOKEN)
                .header("Authorization", "Bearer " + suite.replicate.token()).GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(suite.gateway.requests()).singleElement().satisfies(g -> assertThat(g.providerPath())
                .isEqualTo("/webhooks/default/secret"));
        assertThat(direct.statusCode()).isEqualTo(200);
    }

    /** JSON that parsers read differently is refused, and Replicate never gets the body to run. */
    @Test
    void bodiesParsersReadDifferentlyAreRefusedBeforeReplicateRunsThem() throws Exception {
        String pad = "x".repeat(150_000);
        String[][] bodies = {
                {"{\"version\":\"acme/echo\",\"input\":{\"p\":\"" + pad + "\"},\"version\":\"evil/model\"}", "400"},
                {"{\"input\":{},\"\\u0076ersion\":\"evil/model\"}", "403"},
                {"{\"version\":\"acme/echo\",\"VERSION\":\"evil/model\",\"input\":{}}", "400"},
                {"{\"ver\\u017fion\":\"evil/model\",\"input\":{}}", "400"},
                {"{\"version\":[\"acme/echo\"],\"input\":{}}", "400"},
                {"{\"version\":\"acme/echo\",\"input\":{}}{\"version\":\"evil/model\"}", "400"},
                {"{\"version\":\"acme/echo\",\"input\":{\"p\":\"" + pad + "\"}", "400"},
                {"{\"input\":{}}", "403"}};
        for (String[] b : bodies) {
            HttpResponse<String> r = post("/replicate/predictions", "application/json", b[0], USER, "gate");
            assertThat(r.statusCode()).as(b[0].substring(0, Math.min(80, b[0].length()))).isEqualTo(
                    Integer.parseInt(b[1]));
            assertThat(r.body()).containsAnyOf("body_not_decidable", "model_not_allowed");
        }
        HttpResponse<String> form = post("/replicate/predictions", "application/x-www-form-urlencoded",
                "version=evil%2Fmodel", USER, "gate");
        assertThat(form.statusCode()).isEqualTo(415);
        HttpResponse<String> training = post("/replicate/models/acme/echo/versions/" + suite.replicate.model("acme/echo")
                .versionId() + "/trainings", "application/json", "{\"destination\":\"evil/x\",\"input\":{}}", USER,
                "gate");
        assertThat(training.statusCode()).isEqualTo(403);
        assertThat(training.body()).contains("evil/x");
        assertThat(suite.replicate.requests()).as("Replicate ran nothing").isEmpty();
        // whatever reached the gateway was cut short: never a complete request it could forward
        for (GatewayRequest g : suite.gateway.requests()) {
            assertThat(suite.replicate.requests()).isEmpty();
            assertThat(g.request().bodySize()).isLessThan(pad.length());
        }
        assertThat(post("/replicate/predictions", "application/json", "{\"version\":\"acme/echo\",\"input\":{\"p\":\""
                + pad + "\"}}", USER, "gate").statusCode()).isEqualTo(201);
        assertThat(suite.replicate.requests()).hasSize(1);
    }

    /**
     * The gate reads the body as UTF-8, so a body the upstream may decode in another charset is refused however the
     * Content-Type spells its parameters. In UTF-7 this body's input hides a second {@code version}.
     */
    @Test
    void aGatedBodyInAnotherCharsetIsRefusedInEverySpelling() throws Exception {
        String body = "{\"version\":\"acme/echo\",\"input\":{\"p\":\"+ACIAfQ-,+ACI-version+ACI-:+ACI-evil/model+ACI-"
                + "\"}}";
        for (String type : new String[]{"application/json; charset=utf-7; x=\"charset=utf-8\"",
                "application/json; charset=utf-7; xcharset=utf-8", "application/json; charset=utf-8; charset=utf-7",
                "application/json; charset=utf-8x", "application/json; charset=\"utf-8", "application/json; charset "
                + "= utf-7", "application/json; x=\"a;charset=utf-8\"; charset=utf-16"}) {
            HttpResponse<String> r = post("/replicate/predictions", type, body, USER, "charset");
            assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(415);
            assertThat(r.body()).as(type).contains("content_type_not_allowed").contains("charset");
        }
        assertThat(suite.gateway.requests()).isEmpty();
        for (String type : new String[]{"application/json; charset=UTF-8", "application/json;charset=\"utf-8\"",
                "application/json; x=\"charset=utf-7\";;"}) {
            assertThat(post("/replicate/predictions", type, body, USER, "charset").statusCode()).as(type)
                    .isEqualTo(201);
        }
        // a charset the JVM does not know is the upstream's to judge, never a 500 of the container's
        HttpResponse<String> unknown = post("/roomy-proxy/predictions", "application/json; charset=x-unknown",
                "{\"version\":\"acme/echo\",\"input\":{}}");
        assertThat(unknown.statusCode()).as(unknown.body()).isEqualTo(201);
    }

    /** A gated body is read as sent only when no Content-Encoding field names a coding, not just the first. */
    @Test
    void aGatedBodyWithACodingInAnyContentEncodingFieldIsRefused() throws Exception {
        String body = "{\"version\":\"acme/echo\",\"input\":{}}";
        String[][] refused = {{"Content-Encoding", "identity", "Content-Encoding", "gzip"},
                {"Content-Encoding", "identity, deflate"}, {"Content-Encoding", "", "Content-Encoding", "br"}};
        for (String[] h : refused) {
            String[] headers = new String[h.length + 2];
            headers[0] = USER;
            headers[1] = "encoding";
            System.arraycopy(h, 0, headers, 2, h.length);
            HttpResponse<String> r = post("/replicate/predictions", "application/json", body, headers);
            assertThat(r.statusCode()).as(String.join(" ", h) + ": " + r.body()).isEqualTo(415);
            assertThat(r.body()).contains("content_encoding_not_allowed");
        }
        assertThat(suite.gateway.requests()).isEmpty();
        assertThat(post("/replicate/predictions", "application/json", body, USER, "encoding", "Content-Encoding",
                "identity", "Content-Encoding", "Identity").statusCode()).isEqualTo(201);
    }

    /**
     * Under a model allowlist, what a deployment runs is checked where it is decided: a change of an allowed
     * deployment to an unlisted version (even of an allowed model), a change of another deployment and a create of an
     * unlisted model never reach the gateway; a listed version, a change of hardware only and an allowed create do.
     */
    @Test
    void deploymentsCannotBeSwitchedToModelsOffTheAllowlist() throws Exception {
        String other = "f".repeat(64);
        String[][] refused = {
                {"PATCH", "/replicate/deployments/acme/prod", "{\"version\":\"" + other + "\"}", other},
                {"PATCH", "/replicate/deployments/acme/prod", "{\"version\":\"acme/echo:" + other + "\"}", "listed"},
                {"PATCH", "/replicate/deployments/acme/other", "{\"min_instances\":1}", "acme/other"},
                {"PATCH", "/replicate/Deployments/acme/prod", "{\"min_instances\":1}", "path_not_allowed"},
                {"POST", "/replicate/deployments", "{\"name\":\"x\",\"model\":\"evil/x\",\"version\":\""
                        + UpstreamSuite.LISTED_VERSION + "\",\"hardware\":\"cpu\"}", "evil/x"},
                {"POST", "/replicate/deployments", "{\"name\":\"x\",\"model\":\"acme/echo\",\"version\":\"" + other
                        + "\",\"hardware\":\"cpu\"}", other},
                {"POST", "/replicate/deployments", "{\"name\":\"x\",\"version\":\"" + UpstreamSuite.LISTED_VERSION
                        + "\"}", "needs a \\\"model"}}; // JSON-escaped quote
        for (String[] r : refused) {
            HttpResponse<String> a = send(r[0], r[1], r[2], USER, "deployer");
            assertThat(a.statusCode()).as(r[0] + " " + r[1] + " " + r[2] + ": " + a.body()).isIn(400, 403);
            assertThat(a.body()).as(r[2]).contains(r[3]);
        }
        assertThat(suite.gateway.requests()).isEmpty();
        String[][] passed = {
                {"PATCH", "/replicate/deployments/acme/prod", "{\"version\":\"" + UpstreamSuite.LISTED_VERSION + "\"}"},
                {"PATCH", "/replicate/deployments/acme/prod", "{\"min_instances\":1,\"max_instances\":2}"},
                {"POST", "/replicate/deployments", "{\"name\":\"x\",\"model\":\"acme/echo\",\"version\":\""
                        + UpstreamSuite.LISTED_VERSION + "\",\"hardware\":\"cpu\",\"min_instances\":0,"
                        + "\"max_instances\":1}"}};
        for (String[] r : passed) {
            HttpResponse<String> a = send(r[0], r[1], r[2], USER, "deployer");
            assertThat(a.body()).as(r[2]).doesNotContain("model_not_allowed");
        }
        assertThat(suite.replicate.requests()).extracting(q -> q.method() + " " + q.bodyAsString())
                .containsExactly("PATCH " + passed[0][2], "PATCH " + passed[1][2], "POST " + passed[2][2]);
    }

    /**
     * A {@code PUT} of a deployment is judged as its {@code PATCH} is: frameworks that route an update (Django REST
     * framework's viewsets, Rails' resources) take both, and whether Replicate's does is UNCONFIRMED.
     */
    @Test
    void aDeploymentChangeByPutIsJudgedAsByPatch() throws Exception {
        String other = "c".repeat(64);
        String[][] refused = {
                {"/replicate/deployments/acme/prod", "{\"version\":\"" + other + "\"}", other},
                {"/replicate/deployments/acme/other", "{\"min_instances\":1}", "acme/other"}};
        for (String[] r : refused) {
            HttpResponse<String> a = send("PUT", r[0], r[1], USER, "putter");
            assertThat(a.statusCode()).as(r[0] + " " + r[1] + ": " + a.body()).isEqualTo(403);
            assertThat(a.body()).as(r[1]).contains("model_not_allowed").contains(r[2]);
        }
        assertThat(suite.gateway.requests()).isEmpty();
        send("PUT", "/replicate/deployments/acme/prod", "{\"version\":\"" + UpstreamSuite.LISTED_VERSION + "\"}", USER,
                "putter");
        assertThat(suite.gateway.requests()).hasSize(1);
    }

    /**
     * A query naming a field the model allowlist reads in the body is refused, as one naming a webhook is: whether
     * Replicate reads create fields from the query is UNCONFIRMED (frameworks that merge query and body parameters
     * exist), and a deployment's {@code version}, judged only when the body has one, would then switch it unread.
     */
    @Test
    void aQueryNamingAFieldTheModelAllowlistReadsIsRefused() throws Exception {
        String other = "d".repeat(64);
        String hex = "0".repeat(64);
        String[][] refused = {
                {"PATCH", "/replicate/deployments/acme/prod?version=" + other, "{\"min_instances\":1}"},
                {"PATCH", "/replicate/deployments/acme/prod?VERSION%5B%5D=" + other, "{\"min_instances\":1}"},
                {"POST", "/replicate/predictions?cursor=a&version=evil/model", "{\"version\":\"acme/echo\",\"input\":{}}"},
                {"POST", "/replicate/predictions?%76ersion=evil/model", "{\"version\":\"acme/echo\",\"input\":{}}"},
                {"POST", "/replicate/models/acme/echo/versions/" + hex + "/trainings?destination=evil/x",
                        "{\"destination\":\"acme/x\",\"input\":{}}"},
                {"POST", "/replicate/deployments?model=evil/x", "{\"name\":\"x\",\"model\":\"acme/echo\",\"version\":\""
                        + UpstreamSuite.LISTED_VERSION + "\",\"hardware\":\"cpu\"}"}};
        for (String[] r : refused) {
            HttpResponse<String> a = send(r[0], r[1], r[2], USER, "querier");
            assertThat(a.statusCode()).as(r[0] + " " + r[1] + ": " + a.body()).isEqualTo(403);
            assertThat(a.body()).as(r[1]).contains("model_not_allowed").contains("JSON body only");
        }
        assertThat(suite.gateway.requests()).isEmpty();
        HttpResponse<String> plain = send("POST", "/replicate/predictions?cursor=version", "{\"version\":\"acme/echo\","
                + "\"input\":{}}", USER, "querier");
        assertThat(plain.statusCode()).as(plain.body()).isEqualTo(201);
    }

    /**
     * A prediction that pins a version runs only when that version's id is listed, also as {@code owner/name:<id>}
     * of an allowed model: whether Replicate checks the id against the name is UNCONFIRMED, and if it does not, the
     * allowed name would carry any model's version past the allowlist.
     */
    @Test
    void aPinnedVersionRunsOnlyWhenItsIdIsListed() throws Exception {
        String other = "e".repeat(64);
        for (String version : new String[]{"acme/echo:" + other, "ACME/Echo:" + other, other}) {
            HttpResponse<String> a = post("/replicate/predictions", "application/json", "{\"version\":\"" + version
                    + "\",\"input\":{}}", USER, "pinner");
            assertThat(a.statusCode()).as(version + ": " + a.body()).isEqualTo(403);
            assertThat(a.body()).contains("model_not_allowed").contains("listed on the allowlist");
        }
        assertThat(suite.gateway.requests()).isEmpty();
        String[] passed = {"acme/echo", "acme/echo:" + UpstreamSuite.LISTED_VERSION, UpstreamSuite.LISTED_VERSION};
        for (String version : passed) {
            HttpResponse<String> a = post("/replicate/predictions", "application/json", "{\"version\":\"" + version
                    + "\",\"input\":{}}", USER, "pinner");
            assertThat(a.body()).as(version).doesNotContain("model_not_allowed");
        }
        assertThat(suite.gateway.requests()).hasSize(passed.length);
    }

    private HttpResponse<String> send(String method, String path, String json, String... headers) throws Exception {
        return suite.http.send(suite.request(path, headers).method(method, HttpRequest.BodyPublishers.ofString(json))
                .header("Content-Type", "application/json").build(), HttpResponse.BodyHandlers.ofString());
    }

    /** For cookie-authenticated users: other sites cannot make the browser change state through the proxy. */
    @Test
    void crossSiteRequestsAndFormBodiesAreRefused() throws Exception {
        String ok = "{\"version\":\"acme/echo\",\"input\":{}}";
        String own = "http://127.0.0.1:" + suite.app.getPort();
        String[][] refused = {{"Sec-Fetch-Site", "cross-site"}, {"Sec-Fetch-Site", "same-site"},
                {"Origin", "https://evil.example"}, {"Origin", "null"}};
        for (String[] h : refused) {
            HttpResponse<String> r = post("/replicate/predictions", "application/json", ok, USER, "site", h[0], h[1]);
            assertThat(r.statusCode()).as(h[0] + ": " + h[1]).isEqualTo(403);
            assertThat(r.body()).contains("cross_site_refused");
        }
        for (String type : new String[]{"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; "
                + "boundary=x"}) {
            HttpResponse<String> r = post("/replicate/predictions", type, ok, USER, "site");
            assertThat(r.statusCode()).as(type + ": " + r.body()).isEqualTo(415);
            assertThat(r.body()).contains("content_type_not_allowed");
        }
        assertThat(suite.gateway.requests()).isEmpty();
        assertThat(post("/replicate/predictions", "application/json", ok, USER, "site", "Sec-Fetch-Site",
                "same-origin").statusCode()).isEqualTo(201);
        assertThat(post("/replicate/predictions", "application/json", ok, USER, "site", "Origin", own).statusCode())
                .isEqualTo(201);
        assertThat(suite.get("/replicate/account", USER, "site", "Sec-Fetch-Site", "cross-site").statusCode())
                .as("reads change nothing").isEqualTo(200);
        assertThat(suite.gateway.requests()).hasSize(3);
    }

    /**
     * An application's access check that refuses paths judges the form that is forwarded: {@code /%64eployments} is
     * {@code /deployments} to Replicate (and to aigw, which forwards it so), so it must be to the check too.
     */
    @Test
    void anAccessCheckOnThePathJudgesTheFormThatIsForwarded() throws Exception {
        for (String path : new String[]{"/narrow-proxy/deployments", "/narrow-proxy/%64eployments",
                "/narrow-proxy/deployment%73/acme/prod", "/narrow-proxy/%64%65ployments?cursor=x"}) {
            HttpResponse<String> r = suite.get(path, USER, "narrow");
            assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(403);
            assertThat(r.body()).as(path).contains("not_permitted");
        }
        assertThat(suite.gateway.requests()).isEmpty();
        assertThat(suite.get("/narrow-proxy/account", USER, "narrow").statusCode()).isEqualTo(200);
    }

    /** What clients and upstreams control cannot break or forge the summary log line. */
    @Test
    void logLinesCannotBeForged() throws Exception {
        Raw r = RawHttp.send(suite.app, "GET", "/app/replicate/account", "X-Test-User: u\tstatus=succeeded",
                "X-Tenant: t\u00c3\u00a9\tlog=forged", "X-Request-Id: \u00e2\u0080\u00a8 cache=HIT");
        assertThat(r.status()).isEqualTo(200);
        ExchangeRecord rec = suite.awaitRecord("/account", x -> x.metadata() != null
                && "u\tstatus=succeeded".equals(x.metadata().get("user"))); // not a call the caps test left
        String line = dev.aigw.internal.RecordFormat.summary(rec);
        assertThat(line).matches("[\\x20-\\x7e]+");
        // the values stay inside the metadata's JSON (escaped); outside it, no made-up key=value
        String outside = line.replaceFirst(" meta=\\{.*\\} sent=", " sent=");
        assertThat(outside).doesNotContain("status=succeeded").doesNotContain("log=forged")
                .containsOnlyOnce(" cache=");
        com.fasterxml.jackson.databind.JsonNode meta = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
                line.substring(line.indexOf(" meta=") + 6, line.indexOf(" sent=")));
        assertThat(meta.path("user").asText()).isEqualTo("u\tstatus=succeeded");
    }

    /** Answers whose URLs come from the request's Host never land in a shared cache. */
    @Test
    void hostDependentAnswersArePrivateAndVaryOnHost() throws Exception {
        HttpResponse<String> r = suite.get("/replicate/predictions", USER, "cache");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Cache-Control")).hasValueSatisfying(v -> assertThat(v)
                .containsAnyOf("private", "no-store"));
        assertThat(String.join(",", r.headers().allValues("Vary"))).contains("Host");
    }

    /**
     * Every proxied answer passed the application's access check, so no shared cache may keep one for other
     * clients, whatever the upstream says and also when the public URL is configured (answers then do not depend on
     * the request's Host).
     */
    @Test
    void answersBehindTheAccessCheckAreNeverSharedCacheable() throws Exception {
        String[][] upstream = {{"public, max-age=600"}, {"max-age=600, s-maxage=3600"}, {"PUBLIC"},
                {"no-cache, public"}, {"private=\"Set-Cookie, Link\", max-age=60, public"}};
        for (String[] cc : upstream) {
            suite.replicate.faults().next(1).onPath("/v1/account").headers("Cache-Control", cc[0]);
            HttpResponse<String> r = suite.get("/public-proxy/account", USER, "cacher");
            assertThat(r.statusCode()).as(cc[0]).isEqualTo(200);
            String seen = String.join(", ", r.headers().allValues("Cache-Control"));
            assertThat(seen).as(cc[0]).containsIgnoringCase("private").doesNotContainIgnoringCase("public")
                    .doesNotContainIgnoringCase("s-maxage");
        }
        suite.replicate.faults().next(1).onPath("/v1/account").headers("Cache-Control", "no-store");
        assertThat(suite.get("/public-proxy/account", USER, "cacher").headers().firstValue("Cache-Control"))
                .hasValueSatisfying(v -> assertThat(v).contains("no-store"));
    }

    /**
     * The proxy answers on the application's origin: an upstream's headers that act on that origin rather than on
     * the one answer (its cookies, its storage, where its users' browsers report, its sign-in prompt) never reach
     * the client, in any case of their names; the answer's own headers do.
     */
    @Test
    void upstreamHeadersThatActOnTheApplicationsOriginNeverReachTheClient() throws Exception {
        String[] acting = {
                "sEt-CoOkIe", "JSESSIONID=attacker; Path=/",
                "Clear-Site-Data", "\"cookies\", \"storage\", \"cache\"",
                "NEL", "{\"report_to\":\"evil\",\"max_age\":31536000,\"include_subdomains\":true}",
                "Report-To", "{\"group\":\"evil\",\"max_age\":31536000,\"endpoints\":[{\"url\":\"https://evil.example/\"}]}",
                "reporting-endpoints", "evil=\"https://evil.example/\"",
                "Service-Worker-Allowed", "/",
                "Refresh", "0; url=https://evil.example/",
                "WWW-Authenticate", "Basic realm=\"Sign in again\"",
                "Accept-CH", "Sec-CH-UA-Full-Version-List",
                "Critical-CH", "Sec-CH-UA-Full-Version-List",
                "Origin-Agent-Cluster", "?0",
                "Set-Login", "logged-out",
                "Expect-CT", "max-age=86400, enforce, report-uri=\"https://evil.example/\"",
                "Public-Key-Pins-Report-Only", "pin-sha256=\"x\"; max-age=1; report-uri=\"https://evil.example/\"",
                "Attribution-Reporting-Register-Source", "{\"destination\":\"https://evil.example\"}",
                "Use-As-Dictionary", "match=\"/app/*\", id=\"tracker-1\"",
                "X-Kept", "kept"};
        suite.replicate.faults().next(1).onPath("/v1/account").headers(acting);
        HttpResponse<String> r = suite.get("/replicate/account", USER, "origin");
        assertThat(r.statusCode()).isEqualTo(200);
        for (int i = 0; i < acting.length - 2; i += 2) {
            assertThat(r.headers().allValues(acting[i])).as(acting[i]).isEmpty();
        }
        assertThat(r.headers().firstValue("X-Kept")).hasValue("kept");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(t -> assertThat(t)
                .startsWith("application/json"));
    }

    /**
     * The gateway's DLP findings (which profile, entries and policies matched) are its report to the application, not
     * to the application's users: told to a client, they would show it which rule to write around.
     */
    @Test
    void theGatewaysDlpFindingsStayWithTheApplication() throws Exception {
        suite.gateway.faults().next(1).headers("cf-aig-dlp", "{\"findings\":[{\"profile\":{\"context\":{},"
                + "\"entry_ids\":[\"e-1\"],\"profile_id\":\"p-secret-rules\"},\"policy_ids\":[\"pol-1\"],"
                + "\"check\":\"REQUEST\"}],\"action\":\"FLAG\"}");
        HttpResponse<String> flagged = suite.get("/replicate/account", USER, "origin");
        assertThat(flagged.statusCode()).isEqualTo(200);
        assertThat(flagged.headers().allValues("cf-aig-dlp")).isEmpty();
        assertThat(flagged.headers().firstValue("cf-aig-cache-status")).isPresent();
    }

    /**
     * An upstream redirect would send the application's users from its origin to wherever it points (an open
     * redirect in the application's name): only one that leads back into the proxy passes; any other is a 502.
     */
    @Test
    void upstreamRedirectsAwayFromTheProxyAreRefused() throws Exception {
        String[] away = {"https://evil.example/sign-in", "//evil.example/sign-in", "/elsewhere",
                "https://api.replicate.com.evil.example/v1/account", "HTTPS://EVIL.EXAMPLE/"};
        for (String location : away) {
            suite.replicate.faults().next(1).onPath("/v1/account").redirect(302, location);
            HttpResponse<String> r = suite.get("/replicate/account", USER, "redirected");
            assertThat(r.statusCode()).as(location).isEqualTo(502);
            assertThat(r.headers().firstValue("Location")).as(location).isEmpty();
            assertThat(r.body()).as(location).contains("\"code\":\"upstream_redirect_refused\"")
                    .doesNotContain("evil.example");
        }
        // one that leads back into the proxy (Replicate's own URL, rewritten) passes
        suite.replicate.faults().next(1).onPath("/v1/account").redirect(307, "https://api.replicate.com/v1/account");
        HttpResponse<String> back = suite.http.send(suite.request("/replicate/account", USER, "redirected").GET()
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(back.statusCode()).isEqualTo(307);
        assertThat(back.headers().firstValue("Location")).hasValue(suite.app + "/replicate/account");
    }

    /** Per-user and total caps on calls in flight: 429 and 503 with Retry-After, released when calls end. */
    @Test
    void capsOnCallsInFlightAnswer429And503() throws Exception {
        suite.gateway.faults().next(UpstreamSuite.CAP_TOTAL).latency(Duration.ofMillis(2500));
        List<CompletableFuture<HttpResponse<String>>> held = new ArrayList<>();
        for (int i = 0; i < UpstreamSuite.CAP_TOTAL; i++) {
            held.add(suite.http.sendAsync(suite.request("/guarded-proxy/account", USER, i < UpstreamSuite.CAP_PER_USER
                    ? "capped-a" : "capped-b").GET().build(), HttpResponse.BodyHandlers.ofString()));
        }
        suite.gateway.awaitRequests(UpstreamSuite.CAP_TOTAL, UpstreamSuite.WAIT);
        HttpResponse<String> perUser = suite.get("/guarded-proxy/account", USER, "capped-a");
        assertThat(perUser.statusCode()).isEqualTo(429);
        assertThat(perUser.body()).contains("too_many_concurrent").contains("aigw.proxy.max-concurrent-per-user");
        assertThat(perUser.headers().firstValue("Retry-After")).isPresent();
        HttpResponse<String> total = suite.get("/guarded-proxy/account", USER, "capped-c");
        assertThat(total.statusCode()).isEqualTo(503);
        assertThat(total.body()).contains("proxy_busy");
        assertThat(total.headers().firstValue("Retry-After")).isPresent();
        assertThat(suite.gateway.requests()).hasSize(UpstreamSuite.CAP_TOTAL);
        for (CompletableFuture<HttpResponse<String>> f : held) {
            assertThat(f.get().statusCode()).isEqualTo(200);
        }
        long end = System.nanoTime() + UpstreamSuite.WAIT.toNanos();
        int status = 0;
        while (System.nanoTime() < end && (status = suite.get("/guarded-proxy/account", USER, "capped-a")
                .statusCode()) != 200) {
            Thread.sleep(50); // the permits return as the containers complete the requests
        }
        assertThat(status).as("the caps are released when calls end").isEqualTo(200);
    }

    /**
     * A client that keeps exactly its cap of calls busy, each worker sending its next call the moment the last one's
     * answer ended, is never refused: a call's place is free before the client can see its answer end (over
     * HTTP/1.1 and HTTP/2, answers with a length and without).
     */
    @Test
    void aClientAtItsCapIsNeverRefusedForCallsWhoseAnswersItHas() throws Exception {
        for (HttpClient.Version version : List.of(HttpClient.Version.HTTP_1_1, HttpClient.Version.HTTP_2)) {
            HttpClient client = HttpClient.newBuilder().version(version).build();
            List<CompletableFuture<List<Integer>>> workers = new ArrayList<>();
            for (int w = 0; w < UpstreamSuite.CAP_PER_USER; w++) {
                workers.add(CompletableFuture.supplyAsync(() -> {
                    List<Integer> refused = new ArrayList<>();
                    for (int i = 0; i < 60; i++) {
                        // the account has a length; a list is framed by the container (chunked, or DATA frames)
                        String path = i % 2 == 0 ? "/guarded-proxy/account" : "/guarded-proxy/predictions";
                        try {
                            int status = client.send(suite.request(path).GET().build(),
                                    HttpResponse.BodyHandlers.ofString()).statusCode();
                            if (status != 200) {
                                refused.add(status);
                            }
                        } catch (IOException | InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                    }
                    return refused;
                }));
            }
            for (CompletableFuture<List<Integer>> w : workers) {
                assertThat(w.get()).as("answers other than 200 to a client at its cap (%s)", version).isEmpty();
            }
        }
    }

    /** A stalled event stream releases the connection and the record after aigw.proxy.idle-timeout. */
    @Test
    void aStalledStreamIsEndedByTheIdleTimeout() throws Exception {
        suite.replicate.model("acme/stall").tokens("a").duration(Duration.ofMillis(100));
        String id = suite.createDirectly("acme/stall");
        suite.replicate.faults().next(1).onPath("/stream/").slowEvents(Duration.ofMillis(1500));
        long t0 = System.nanoTime();
        HttpResponse<InputStream> r = suite.http.send(suite.request("/guarded-stream/predictions/" + id, USER, "idle",
                "Accept", "text/event-stream").GET().build(), HttpResponse.BodyHandlers.ofInputStream());
        assertThat(r.statusCode()).isEqualTo(200);
        assertThatThrownBy(() -> {
            try (InputStream in = r.body()) {
                in.readAllBytes();
            }
        }).as("cut, never a clean end").isInstanceOf(IOException.class);
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertThat(ms).as("ended by the 1 s idle timeout, not the stream's end").isLessThan(4000);
        ExchangeRecord rec = suite.awaitRecord("/predictions/" + id);
        assertThat(rec.outcome()).isEqualTo(ExchangeRecord.Outcome.FAILURE);
        assertThat(rec.error()).contains("aigw.proxy.idle-timeout");
        // the fakes notice only at their next slow write that the stream was cut; let them finish
        Thread.sleep(Math.max(0, 5000 - (System.nanoTime() - t0) / 1_000_000));
    }

    /** Behind trusted proxies, one client is one rate-limit key however its address is spelt; IPv6 per /64. */
    @Test
    void theRateLimitKeyIsTheCanonicalClientAddress() throws Exception {
        String[][] same = {{"X-Forwarded-For", "203.0.113.9"}, {"Forwarded", "for=\"203.0.113.9:4711\";proto=http"},
                {"X-Forwarded-For", "[::ffff:203.0.113.9]"}};
        for (String[] h : same) {
            assertThat(suite.get("/keyed-proxy/account", h).statusCode()).as(h[1]).isEqualTo(200);
        }
        HttpResponse<String> fourth = suite.get("/keyed-proxy/account", "X-Forwarded-For", "1.1.1.1, 203.000.113.009");
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(fourth.headers().firstValue("Retry-After")).isPresent();
        assertThat(suite.get("/keyed-proxy/account", "X-Forwarded-For", "198.51.100.7").statusCode()).isEqualTo(200);
        String[][] net = {{"Forwarded", "for=\"[2001:db8:1:2::1]\""}, {"X-Forwarded-For", "2001:db8:1:2::2"},
                {"X-Forwarded-For", "2001:db8:1:2:ffff:ffff:ffff:3"}};
        for (String[] h : net) {
            assertThat(suite.get("/keyed-proxy/account", h).statusCode()).as(h[1]).isEqualTo(200);
        }
        assertThat(suite.get("/keyed-proxy/account", "X-Forwarded-For", "2001:db8:1:2::4").statusCode()).isEqualTo(429);
        assertThat(suite.get("/keyed-proxy/account", "X-Forwarded-For", "2001:db8:1:3::1").statusCode()).isEqualTo(200);
    }

    /**
     * Behind a front proxy that writes {@code X-Forwarded-For}, with {@code trusted-headers=x-forwarded}: a
     * {@code Forwarded} that the client's own side added is ignored, so the client keeps its own key (with both
     * believed, the disagreement would count all three calls against the front proxy's address).
     */
    @Test
    void believingOnlyTheFrontProxysHeaderKeepsEachClientsOwnKey() throws Exception {
        assertThat(suite.get("/xf-proxy/account", "X-Forwarded-For", "203.0.113.50", "Forwarded", "for=192.0.2.1")
                .statusCode()).isEqualTo(200);
        assertThat(suite.get("/xf-proxy/account", "X-Forwarded-For", "203.0.113.51", "Forwarded", "for=192.0.2.2")
                .statusCode()).isEqualTo(200);
        assertThat(suite.get("/xf-proxy/account", "X-Forwarded-For", "203.0.113.50", "Forwarded", "for=192.0.2.3")
                .statusCode()).as("203.0.113.50's second call; the proxy's own address is not what counts")
                .isEqualTo(200);
        assertThat(suite.get("/xf-proxy/account", "X-Forwarded-For", "203.0.113.50").statusCode())
                .as("203.0.113.50's third call, whatever Forwarded said before").isEqualTo(429);
    }

    /**
     * A header sent as several fields is one list (RFC 9110 §5.3): a front proxy that adds its own
     * {@code X-Forwarded-Host} field after the client's is the one believed for the public URL, as its
     * {@code X-Forwarded-For} is for the key, not the client's field that comes first.
     */
    @Test
    void theFrontProxysForwardedHostFieldWinsOverTheClientsEarlierOne() throws Exception {
        String id = suite.createDirectly("acme/echo");
        HttpResponse<String> r = suite.get("/xf-proxy/predictions/" + id, "X-Forwarded-For", "198.51.100.77",
                "X-Forwarded-Host", "evil.example", "X-Forwarded-Host", "app.example");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("://app.example/").doesNotContain("evil.example");
    }

    /**
     * Believing both headers ({@code any}, the default): a client behind a front proxy that writes
     * {@code X-Forwarded-Host}/{@code -Proto} cannot name the origin of its own answers' URLs by adding
     * {@code Forwarded: host=...} (it won over the front proxy's); where the two name the scheme or the host
     * differently, the request's own is used. The same origin spelt otherwise (case, quotes, the default port) is
     * believed, and the answer still varies on every header that can change it.
     */
    @Test
    void aClientsOwnForwardedDoesNotNameThePublicOriginBehindAnXForwardedProxy() throws Exception {
        String id = suite.createDirectly("acme/echo");
        HttpResponse<String> forged = suite.get("/keyed-proxy/predictions/" + id, "X-Forwarded-For", "198.51.100.90",
                "Forwarded", "for=198.51.100.90;host=evil.example;proto=http", "X-Forwarded-Host", "app.example",
                "X-Forwarded-Proto", "https");
        assertThat(forged.statusCode()).isEqualTo(200);
        assertThat(forged.body()).doesNotContain("evil.example").doesNotContain("app.example")
                .contains(suite.app + "/keyed-proxy/predictions/" + id);
        assertThat(varyTokens(forged)).contains("host", "forwarded", "x-forwarded-host", "x-forwarded-proto");
        HttpResponse<String> alike = suite.get("/keyed-proxy/predictions/" + id, "X-Forwarded-For", "198.51.100.91",
                "Forwarded", "for=198.51.100.91;host=\"APP.example:443\";proto=HTTPS", "X-Forwarded-Host",
                "app.example", "X-Forwarded-Proto", "https");
        assertThat(alike.statusCode()).isEqualTo(200);
        assertThat(alike.body().toLowerCase(java.util.Locale.ROOT))
                .contains("https://app.example/app/keyed-proxy/predictions/" + id.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * An answer that depends on how the request named the proxy varies on the headers that name it: with
     * {@code trusted-headers=x-forwarded}, {@code Forwarded} changes nothing, so it is not listed.
     */
    @Test
    void varyListsOnlyTheForwardingHeadersBelieved() throws Exception {
        HttpResponse<String> xf = suite.get("/xf-proxy/account", "X-Forwarded-For", "198.51.100.78");
        assertThat(xf.statusCode()).isEqualTo(200);
        assertThat(varyTokens(xf)).contains("host", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port",
                "x-forwarded-prefix").doesNotContain("forwarded");
        HttpResponse<String> any = suite.get("/keyed-proxy/account", "X-Forwarded-For", "198.51.100.79");
        assertThat(any.statusCode()).isEqualTo(200);
        assertThat(varyTokens(any)).contains("host", "forwarded", "x-forwarded-host");
    }

    private static List<String> varyTokens(HttpResponse<String> r) {
        return r.headers().allValues("Vary").stream().flatMap(v -> java.util.Arrays.stream(v.split(",")))
                .map(t -> t.strip().toLowerCase(java.util.Locale.ROOT)).toList();
    }

    /**
     * One user is one key however a realm that matches names loosely (LDAP, a case-insensitive collation) reports the
     * name it was typed as (before, {@code Kasimir Case} and {@code KASIMIR CASE} each had their own budget).
     */
    @Test
    void aUsersNameInAnotherCaseOrSpacingIsTheSameUser() throws Exception {
        for (String name : new String[]{"Kasimir Case", "KASIMIR CASE", "kasimir   case"}) {
            assertThat(suite.get("/keyed-proxy/account", USER, name).statusCode()).as(name).isEqualTo(200);
        }
        HttpResponse<String> fourth = suite.get("/keyed-proxy/account", USER, "kAsImIr cAsE");
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(suite.get("/keyed-proxy/account", USER, "kasimir-case").statusCode()).isEqualTo(200);
    }

    /**
     * Nor in a spelling that such realms ignore altogether: a collation ignores default-ignorable code points (a soft
     * hyphen, a zero-width space) and, accent-insensitive as MySQL's default {@code utf8mb4_0900_ai_ci} is, accents;
     * LDAP's {@code caseIgnoreMatch} maps the former to nothing (RFC 4518 §2.2). Before, each was one more budget.
     */
    @Test
    void aUsersNameWithIgnorableCharactersOrAccentsIsTheSameUser() throws Exception {
        String escaped = "X-Test-User-Escaped";
        for (String name : new String[]{"Jolanda%20Jung", "Jo%C2%ADlanda%20Jung", "J%C3%B3landa%20Ju%E2%80%8Bng"}) {
            assertThat(suite.get("/keyed-proxy/account", escaped, name).statusCode()).as(name).isEqualTo(200);
        }
        HttpResponse<String> fourth = suite.get("/keyed-proxy/account", escaped, "jolanda%CC%81%20jung%EF%BB%BF");
        assertThat(fourth.statusCode()).isEqualTo(429);
        assertThat(suite.get("/keyed-proxy/account", escaped, "jolanda-jung").statusCode()).isEqualTo(200);
    }

    /** The webhook path is guarded however it is spelt: nothing unverified reaches the application's handler. */
    @Test
    void theWebhookPathCannotBeSkipped() throws Exception {
        long now = Instant.now().getEpochSecond();
        byte[] body = "{\"id\":\"p-skip\",\"status\":\"processing\"}".getBytes(StandardCharsets.UTF_8);
        String sig = ReplicateWebhooks.sign(suite.replicate.webhookSecret(), "msg_skip", now, body);
        for (String path : new String[]{"/app/webhooks/replicate/", "/app/webhooks/replicate/x",
                "/app/webhooks/replicate;a=b", "/app/webhooks/replicate%2F", "/app/webhooks/replicate/..;/replicate",
                "/app/webhooks/%72eplicate/"}) {
            Raw r = RawHttp.send(suite.app, "POST", path, "webhook-id: msg_skip", "webhook-timestamp: " + now,
                    "webhook-signature: " + sig, "Content-Type: application/json", "Content-Length: " + body.length,
                    "", new String(body, StandardCharsets.ISO_8859_1));
            assertThat(r.status()).as(path).isIn(400, 404);
        }
        assertThat(suite.webhooks.received).as("nothing reached the handler").isEmpty();
        HttpResponse<String> ok = suite.http.send(suite.request("/webhooks/replicate").POST(HttpRequest.BodyPublishers
                        .ofByteArray(body)).header("webhook-id", "msg_skip").header("webhook-timestamp", "" + now)
                .header("webhook-signature", sig).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(suite.webhooks.received).singleElement().satisfies(w -> {
            assertThat(w.verified()).as("dev.aigw.webhook.verified").isTrue();
            assertThat(w.body()).isEqualTo(body);
        });
    }

    /** Headers and timestamp are judged before the body; the answer does not tell the server's clock. */
    @Test
    void aStaleDeliveryIsRefusedBeforeItsBodyWithoutTellingTheClock() throws Exception {
        long stale = Instant.now().getEpochSecond() - 600;
        try (Socket socket = new Socket(suite.app.getHost(), suite.app.getPort())) {
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /app/webhooks/replicate HTTP/1.1\r\nHost: x\r\nwebhook-id: msg_stale\r\n"
                    + "webhook-timestamp: " + stale + "\r\nwebhook-signature: v1,AAAA\r\nContent-Type: application/json"
                    + "\r\nContent-Length: 100000\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush(); // and no body at all
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(),
                    StandardCharsets.ISO_8859_1));
            assertThat(in.readLine()).contains(" 401");
            StringBuilder rest = new StringBuilder();
            char[] buf = new char[4096];
            try {
                // stop at the problem's end: a container that keeps the connection open would hold the read
                for (int n; rest.indexOf("}") < 0 && (n = in.read(buf)) > 0; ) {
                    rest.append(buf, 0, n);
                }
            } catch (IOException closed) {
                // the connection may be closed after the answer
            }
            String answer = rest.toString();
            assertThat(answer).contains("webhook_timestamp_out_of_tolerance").doesNotContain("600 s")
                    .doesNotContain(Long.toString(stale / 1000)).doesNotContain(" 599").doesNotContain(" 601");
        }
        assertThat(suite.webhooks.received).isEmpty();
    }

    /** An HTTP/2 request body without Content-Length (h2c) is forwarded, not dropped. */
    @Test
    void http2BodiesWithoutContentLengthAreForwarded() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> warm = h2.send(suite.request("/replicate/account", USER, "h2").GET().build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(warm.statusCode()).isEqualTo(200);
        byte[] json = "{\"version\":\"acme/echo\",\"input\":{\"prompt\":\"over h2\"}}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> r = h2.send(suite.request("/replicate/predictions", USER, "h2")
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(json))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(r.statusCode()).isEqualTo(201);
        assertThat(suite.replicate.requests()).filteredOn(q -> q.method().equals("POST")).singleElement()
                .satisfies(q -> assertThat(q.bodyAsString()).contains("over h2"));
    }

    /**
     * A POST without a body over HTTP/2 (h2c) — no Content-Length, no Content-Type, as clients send a cancel — is not
     * taken for a body of a form's type: it is forwarded, not refused 415.
     */
    @Test
    void http2PostsWithoutABodyAreNotRefusedForTheirType() throws Exception {
        HttpClient h2 = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).build();
        HttpResponse<String> created = h2.send(suite.request("/replicate/predictions", USER, "h2-cancel")
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(
                        "{\"version\":\"acme/echo\",\"input\":{}}")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        String id = created.body().replaceFirst("(?s).*?\"id\"\\s*:\\s*\"([^\"]+)\".*", "$1");
        for (int i = 0; i < 2; i++) { // the first may be the HTTP/1.1 upgrade, the next is an HTTP/2 stream
            HttpResponse<String> cancel = h2.send(suite.request("/replicate/predictions/" + id + "/cancel", USER,
                    "h2-cancel").POST(HttpRequest.BodyPublishers.noBody()).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(cancel.statusCode()).as(cancel.version() + ": " + cancel.body()).isEqualTo(200);
            if (i == 1) {
                assertThat(cancel.version()).isEqualTo(HttpClient.Version.HTTP_2);
            }
        }
        assertThat(suite.replicate.requests()).filteredOn(q -> q.path().endsWith("/cancel")).hasSize(2);
        // a body that does come without a type is still refused, and never reaches Replicate whole
        byte[] form = "{\"version\":\"acme/echo\",\"input\":{}}".getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> typeless = h2.send(suite.request("/roomy-proxy/predictions", USER, "h2-cancel")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.ByteArrayInputStream(form))).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(typeless.version()).isEqualTo(HttpClient.Version.HTTP_2);
        assertThat(typeless.statusCode()).as(typeless.body()).isEqualTo(415);
        assertThat(typeless.body()).contains("content_type_not_allowed");
        assertThat(suite.replicate.requests()).filteredOn(q -> q.method().equals("POST")
                && q.path().equals("/v1/predictions")).hasSize(1); // the create above only
    }
}
