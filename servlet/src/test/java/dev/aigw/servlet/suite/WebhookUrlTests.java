package dev.aigw.servlet.suite;

import dev.aigw.testkit.RecordedRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code aigw.proxy.webhook-urls} through the real proxy: the {@code /hooked-proxy} allows webhooks under
 * {@link UpstreamSuite#HOOKS} and {@code http://127.0.0.1:<port>/hooks/replicate} (with the model allowlist
 * {@code acme/*}, read in the same pass), the {@code /hookless-proxy} none. An allowed webhook reaches the fake
 * Replicate byte for byte; a refused one never reaches it. Only webhooks to the refusing loopback port are ever
 * forwarded: the fake Replicate delivers to what it is given, and tests talk to loopback only.
 */
public abstract class WebhookUrlTests extends SuiteGroup {
    protected WebhookUrlTests(UpstreamSuite suite) {
        super(suite);
    }

    private HttpResponse<String> send(String method, String path, String json, String... headers) throws Exception {
        HttpRequest.Builder b = suite.request(path, headers).method(method, HttpRequest.BodyPublishers.ofString(json));
        if (!json.isEmpty()) {
            b.header("Content-Type", "application/json");
        }
        return suite.http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private String hook() {
        return suite.hookTarget.url("/hooks/replicate").toString();
    }

    @Test
    void anAllowedWebhookIsForwardedByteForByte() throws Exception {
        String[] bodies = {
                "{\"version\":\"acme/echo\",\"input\":{\"webhook\":\"https://evil.example/\"},\"webhook\":\"" + hook()
                        + "/run-1?token=a%20b\",\"webhook_events_filter\":[\"completed\"]}",
                // escapes decoded as Replicate decodes them: this is the allowed URL
                "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\"" + hook().replace("http", "\\u0068ttp")
                        .replace("/", "\\/") + "\"}",
                "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\"" + hook() + "/\"}"};
        for (String body : bodies) {
            HttpResponse<String> r = send("POST", "/hooked-proxy/predictions", body);
            assertThat(r.statusCode()).as(body + ": " + r.body()).isEqualTo(201);
        }
        HttpResponse<String> model = send("POST", "/hooked-proxy/models/acme/echo/predictions",
                "{\"input\":{},\"webhook_completed\":\"" + hook() + "\"}");
        assertThat(model.statusCode()).as(model.body()).isEqualTo(201);
        List<RecordedRequest> creates = suite.replicate.requests().stream().filter(q -> q.method().equals("POST"))
                .toList();
        assertThat(creates).extracting(RecordedRequest::bodyAsString).containsExactly(bodies[0], bodies[1], bodies[2],
                "{\"input\":{},\"webhook_completed\":\"" + hook() + "\"}");
    }

    /** Each refusal names the field and what is allowed, and Replicate never gets the body. */
    @Test
    void aWebhookOffTheListNeverReachesReplicate() throws Exception {
        String evil = "https://evil.example/collect";
        String[][] refused = {
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\"" + evil + "\"}",
                        "403", "webhook_not_allowed"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + "https:\\/\\/evil.example\\/\"}", "403", "webhook_not_allowed"},
                {"/hooked-proxy/models/acme/echo/predictions", "{\"input\":{},\"webhook_completed\":\"" + evil + "\"}",
                        "403", "webhook_not_allowed"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + UpstreamSuite.HOOKS + "-evil\"}", "403", "webhook_not_allowed"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + "https://app.example.com.evil.example/replicate/webhook\"}", "403", "webhook_not_allowed"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + "https://app.example.com@evil.example/replicate/webhook\"}", "400", "user info"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + "https://app.example.com\\\\@evil.example/replicate/webhook\"}", "400", "backslash"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + UpstreamSuite.HOOKS + "/%2e%2e/%2e%2e/admin\"}", "400", "percent-encodes"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + UpstreamSuite.HOOKS + "/..%20/..%20/admin\"}", "400", "dot segment"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + UpstreamSuite.HOOKS + "/..%00/admin\"}", "400", "NUL"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + UpstreamSuite.HOOKS + "\",\"webhook\":\"" + evil + "\"}", "400", "twice"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":null}", "400",
                        "must be a string"},
                {"/hooked-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + UpstreamSuite.HOOKS + "/" + "x".repeat(2000) + "\"}", "400", "longer than"},
                // not a create Replicate is known to take a webhook on: any POST body's root webhook is read
                {"/hooked-proxy/predictions/abc/cancel", "{\"webhook\":\"" + evil + "\"}", "403",
                        "webhook_not_allowed"},
                {"/hooked-proxy/trainings", "{\"webhook\":\"" + evil + "\"}", "403", "webhook_not_allowed"},
                {"/hooked-proxy/predictions?%77ebhook=" + evil, "{\"version\":\"acme/echo\",\"input\":{}}", "403",
                        "JSON body only"},
                // both lists in one pass: an allowed webhook does not carry a model off the model allowlist
                {"/hooked-proxy/predictions", "{\"version\":\"evil/model\",\"input\":{},\"webhook\":\"" + hook()
                        + "\"}", "403", "model_not_allowed"},
                {"/hookless-proxy/predictions", "{\"version\":\"acme/echo\",\"input\":{},\"webhook\":\""
                        + UpstreamSuite.HOOKS + "\"}", "403", "allows no webhook"}};
        for (String[] r : refused) {
            HttpResponse<String> a = send("POST", r[0], r[1]);
            assertThat(a.statusCode()).as(r[1] + ": " + a.body()).isEqualTo(Integer.parseInt(r[2]));
            assertThat(a.body()).as(r[1]).contains(r[3]);
            if (a.body().contains("webhook_not_allowed") && !r[0].startsWith("/hookless") && !r[0].contains("?")) {
                assertThat(a.body()).as("names what is allowed").contains(UpstreamSuite.HOOKS + ", " + hook());
            }
        }
        HttpResponse<String> encoded = suite.http.send(suite.request("/hooked-proxy/predictions/abc/cancel")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).header("Content-Type", "application/json")
                .header("Content-Encoding", "gzip").build(), HttpResponse.BodyHandlers.ofString());
        assertThat(encoded.statusCode()).as(encoded.body()).isEqualTo(415);
        assertThat(suite.replicate.requests()).as("Replicate got none of these bodies").isEmpty();
        for (var g : suite.gateway.requests()) {
            assertThat(g.request().bodyAsString()).as("no complete body reached the gateway")
                    .doesNotEndWith("}");
        }
    }

    /** Under {@code none} a create without a webhook (or with one only inside its input) still runs. */
    @Test
    void noneRefusesEveryWebhookButNotTheCreate() throws Exception {
        String body = "{\"version\":\"acme/echo\",\"input\":{\"webhook\":\"" + UpstreamSuite.HOOKS + "\"}}";
        HttpResponse<String> r = send("POST", "/hookless-proxy/predictions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        HttpResponse<String> legacy = send("POST", "/hookless-proxy/predictions", "{\"version\":\"acme/echo\","
                + "\"input\":{},\"webhook_completed\":\"" + UpstreamSuite.HOOKS + "\"}");
        assertThat(legacy.statusCode()).as(legacy.body()).isEqualTo(403);
        assertThat(legacy.body()).contains("webhook_not_allowed").contains("webhook_completed");
        assertThat(suite.replicate.requests()).singleElement().satisfies(q -> assertThat(q.body())
                .isEqualTo(body.getBytes(StandardCharsets.UTF_8)));
    }

    /** A POST without a body needs no Content-Type under the webhook allowlist: nothing is read. */
    @Test
    void aPostWithoutABodyIsNotReadNorRefused() throws Exception {
        String id = suite.createDirectly("acme/echo");
        suite.replicate.reset();
        HttpResponse<String> r = suite.http.send(suite.request("/hooked-proxy/predictions/" + id + "/cancel")
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.body()).doesNotContain("content_type_not_allowed", "body_not_decidable");
        assertThat(suite.replicate.requests()).singleElement().satisfies(q -> assertThat(q.path())
                .endsWith("/cancel"));
    }
}
