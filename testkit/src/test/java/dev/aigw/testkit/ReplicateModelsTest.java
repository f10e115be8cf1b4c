package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Model management (spec §2): create, update, readme, examples, delete; versions list and delete. */
class ReplicateModelsTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create()
            .replicate(b -> b.deploymentIdleBeforeDelete(Duration.ZERO));
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    final String base = replicate.baseUrl().toString();

    @Test
    void aCreatedModelIsShownUpdatedGivenAReadmeAndDeleted() {
        HttpResponse<String> created = http.post(base + "/models", "{\"owner\":\"acme\",\"name\":\"hot-dog\","
                + "\"visibility\":\"private\",\"hardware\":\"cpu\",\"description\":\"Detect hot dogs\"}");
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode m = TestHttp.json(created);
        assertThat(m.path("url").asText()).isEqualTo("https://replicate.com/acme/hot-dog");
        assertThat(m.path("visibility").asText()).isEqualTo("private");
        assertThat(m.path("description").asText()).isEqualTo("Detect hot dogs");
        assertThat(m.path("latest_version").isNull()).isTrue();
        assertThat(m.path("default_example").isNull()).isTrue();
        assertThat(m.has("github_url") && m.path("github_url").isNull()).isTrue();
        assertThat(TestHttp.json(http.get(base + "/models/acme/hot-dog"))).isEqualTo(m);
        assertThat(TestHttp.json(http.get(base + "/models")).path("results").findValuesAsText("name"))
                .doesNotContain("hot-dog"); // models.list: public models
        assertThat(http.post(base + "/models", "{\"owner\":\"acme\",\"name\":\"hot-dog\",\"visibility\":\"public\","
                + "\"hardware\":\"cpu\"}").statusCode()).isEqualTo(409);
        // Without a version the model cannot run.
        assertThat(http.post(base + "/models/acme/hot-dog/predictions", "{\"input\":{}}").statusCode()).isEqualTo(422);

        HttpResponse<String> noReadme = http.get(base + "/models/acme/hot-dog/readme");
        assertThat(noReadme.statusCode()).isEqualTo(404);
        assertThat(noReadme.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        HttpResponse<String> patched = http.call("PATCH", base + "/models/acme/hot-dog", "{\"description\":\"Hot dog?\","
                + "\"readme\":\"# Hot dog\\n\\nKetchup.\",\"github_url\":\"https://github.com/acme/hot-dog\","
                + "\"weights_url\":\"https://example.com/w\"}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        assertThat(TestHttp.json(patched).path("description").asText()).isEqualTo("Hot dog?");
        assertThat(TestHttp.json(patched).path("github_url").asText()).isEqualTo("https://github.com/acme/hot-dog");
        HttpResponse<String> readme = http.get(base + "/models/acme/hot-dog/readme");
        assertThat(readme.statusCode()).isEqualTo(200);
        assertThat(readme.headers().firstValue("Content-Type").orElseThrow()).startsWith("text/plain");
        assertThat(readme.body()).isEqualTo("# Hot dog\n\nKetchup.");

        JsonNode refused = TestHttp.json(http.call("PATCH", base + "/models/acme/hot-dog",
                "{\"visibility\":\"public\",\"paper_url\":3}"));
        assertThat(refused.path("status").asInt()).isEqualTo(422);
        assertThat(refused.path("invalid_fields").findValuesAsText("type"))
                .containsExactlyInAnyOrder("additional_property_not_allowed", "type");
        assertThat(http.call("PATCH", base + "/models/acme/none", "{}").statusCode()).isEqualTo(404);

        HttpResponse<String> deleted = http.call("DELETE", base + "/models/acme/hot-dog", null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        HttpResponse<String> gone = http.get(base + "/models/acme/hot-dog");
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(TestHttp.json(gone).path("detail").asText()).isEqualTo("Model not found");
        assertThat(http.call("DELETE", base + "/models/acme/hot-dog", null).statusCode()).isEqualTo(404);
    }

    @Test
    void badCreatesAreRefusedWithInvalidFields() {
        JsonNode empty = TestHttp.json(http.post(base + "/models", "{}"));
        assertThat(empty.path("status").asInt()).isEqualTo(422);
        assertThat(empty.path("invalid_fields").findValuesAsText("field"))
                .containsExactlyInAnyOrder("owner", "name", "visibility", "hardware");
        JsonNode bad = TestHttp.json(http.post(base + "/models", "{\"owner\":\"acme\",\"name\":\"a/b\","
                + "\"visibility\":\"secret\",\"hardware\":\"tpu\"}"));
        assertThat(bad.path("invalid_fields").findValuesAsText("type")).containsExactlyInAnyOrder("format", "enum",
                "enum");
        assertThat(bad.path("detail").asText()).contains("visibility").contains("hardware").contains("name");
        assertThat(http.post(base + "/models", "[]").statusCode()).isEqualTo(400);
    }

    @Test
    void versionsAreListedNewestFirstAndDeletedUnderReplicatesRules() {
        ModelScript m = replicate.model("acme/tuned").visibility("private").output("x");
        String v1 = m.versionId();
        String v2 = "c".repeat(64);
        m.addVersion(v2);
        JsonNode versions = TestHttp.json(http.get(base + "/models/acme/tuned/versions"));
        assertThat(versions.path("results").findValuesAsText("id")).containsExactly(v2, v1);
        assertThat(TestHttp.json(http.get(base + "/models/acme/tuned")).path("latest_version").path("id").asText())
                .isEqualTo(v2);

        JsonNode p1 = TestHttp.json(http.post(base + "/predictions", "{\"version\":\"" + v1 + "\",\"input\":{}}"));
        assertThat(p1.path("version").asText()).isEqualTo(v1);
        http.post(base + "/deployments", ReplicateDeploymentsTest.create("keeper", "acme/tuned", v1, 0, 1));
        String v1Url = base + "/models/acme/tuned/versions/" + v1;
        HttpResponse<String> deployed = http.call("DELETE", v1Url, null);
        assertThat(deployed.statusCode()).isEqualTo(409);
        assertThat(TestHttp.json(deployed).path("detail").asText()).contains("deployment");
        http.call("PATCH", base + "/deployments/testkit/keeper", "{\"version\":\"" + v2 + "\"}");

        HttpResponse<String> accepted = http.call("DELETE", v1Url, null);
        assertThat(accepted.statusCode()).as(accepted.body()).isEqualTo(202);
        assertThat(accepted.body()).isEmpty();
        assertThat(http.get(v1Url).statusCode()).isEqualTo(404);
        assertThat(http.get(base + "/predictions/" + p1.path("id").asText()).statusCode()).isEqualTo(404);
        assertThat(TestHttp.json(http.get(base + "/models/acme/tuned/versions")).path("results")
                .findValuesAsText("id")).containsExactly(v2);
        assertThat(http.post(base + "/predictions", "{\"version\":\"" + v1 + "\",\"input\":{}}").statusCode())
                .isEqualTo(422);
        assertThat(http.call("DELETE", v1Url, null).statusCode()).isEqualTo(404);

        HttpResponse<String> withVersions = http.call("DELETE", base + "/models/acme/tuned", null);
        assertThat(withVersions.statusCode()).isEqualTo(409);
        assertThat(TestHttp.json(withVersions).path("detail").asText()).contains("versions");

        ModelScript open = replicate.model("acme/open");
        assertThat(http.call("DELETE", base + "/models/acme/open/versions/" + open.versionId(), null).statusCode())
                .isEqualTo(409);
        assertThat(http.call("DELETE", base + "/models/acme/open", null).statusCode()).isEqualTo(409);
    }

    @Test
    void examplesAreListedAndTheFirstIsTheDefault() {
        replicate.model("acme/hello").example(Map.of("text", "world"), "hello world").example(Map.of("text", "you"),
                "hello you");
        JsonNode page = TestHttp.json(http.get(base + "/models/acme/hello/examples"));
        assertThat(page.path("results").findValuesAsText("output")).containsExactly("hello world", "hello you");
        JsonNode first = page.path("results").get(0);
        assertThat(first.path("status").asText()).isEqualTo("succeeded");
        assertThat(first.path("input").path("text").asText()).isEqualTo("world");
        assertThat(first.path("model").asText()).isEqualTo("acme/hello");
        assertThat(TestHttp.json(http.get(base + "/models/acme/hello")).path("default_example")).isEqualTo(first);
        assertThat(TestHttp.json(http.get(base + "/models/acme/none/examples")).path("detail").asText())
                .isEqualTo("Model not found");
        assertThat(TestHttp.json(http.get(base + "/models/acme/hello/readme")).path("detail").asText())
                .isEqualTo("README not found");
    }

    @Test
    void listingSortsAsAsked() {
        replicate.model("acme/first");
        ModelScript second = replicate.model("acme/second");
        replicate.model("acme/first").addVersion("d".repeat(64)); // first now has the newest version
        assertThat(names("")).containsSubsequence("first", "second");
        assertThat(names("?sort_by=model_created_at")).containsSubsequence("second", "first");
        assertThat(names("?sort_by=model_created_at&sort_direction=asc")).containsSubsequence("first", "second");
        assertThat(second.versionId()).isNotNull();
    }

    private java.util.List<String> names(String query) {
        return TestHttp.json(http.get(base + "/models" + query)).path("results").findValuesAsText("name");
    }
}
