package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** Deployment management (spec §2): create, list, get, update, run, delete — and what each refuses. */
class ReplicateDeploymentsTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create()
            .replicate(b -> b.pageSize(2).deploymentIdleBeforeDelete(Duration.ZERO));
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final String base = kit.replicate().baseUrl().toString();

    static String create(String name, String model, String version, int min, int max) {
        return "{\"name\":\"" + name + "\",\"model\":\"" + model + "\",\"version\":\"" + version
                + "\",\"hardware\":\"gpu-t4\",\"min_instances\":" + min + ",\"max_instances\":" + max + "}";
    }

    @Test
    void aCreatedDeploymentIsListedShownUpdatedRunAndDeleted() {
        ModelScript sdxl = kit.replicate().model("acme/sdxl").output("image");
        String v1 = sdxl.versionId();
        String v2 = "b".repeat(64);
        sdxl.addVersion(v2);
        kit.replicate().deployment("acme/older", "acme/sdxl");

        HttpResponse<String> created = http.post(base + "/deployments", create("gen", "acme/sdxl", v1, 0, 2));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(200); // spec §2: 200, not 201
        JsonNode d = TestHttp.json(created);
        assertThat(d.path("owner").asText()).isEqualTo("testkit"); // the token's account
        assertThat(d.path("name").asText()).isEqualTo("gen");
        JsonNode release = d.path("current_release");
        assertThat(release.path("number").asInt()).isEqualTo(1);
        assertThat(release.path("model").asText()).isEqualTo("acme/sdxl");
        assertThat(release.path("version").asText()).isEqualTo(v1);
        assertThat(release.path("created_by").path("username").asText()).isEqualTo("testkit");
        assertThat(release.path("configuration").toString())
                .isEqualTo("{\"hardware\":\"gpu-t4\",\"min_instances\":0,\"max_instances\":2}");
        assertThat(TestHttp.json(http.get(base + "/deployments/testkit/gen"))).isEqualTo(d);

        kit.replicate().deployment("acme/newest", "acme/sdxl");
        JsonNode page = TestHttp.json(http.get(base + "/deployments"));
        assertThat(names(page)).containsExactly("newest", "gen"); // newest first
        String next = page.path("next").asText();
        assertThat(next).startsWith("https://api.replicate.com/v1/deployments?cursor=");
        JsonNode second = TestHttp.json(http.get(base + next.substring("https://api.replicate.com/v1".length())));
        assertThat(names(second)).contains("older"); // (and others' deployments)
        assertThat(second.path("previous").asText()).startsWith("https://api.replicate.com/v1/deployments?cursor=");

        HttpResponse<String> patched = http.call("PATCH", base + "/deployments/testkit/gen",
                "{\"version\":\"" + v2 + "\",\"min_instances\":1}");
        assertThat(patched.statusCode()).as(patched.body()).isEqualTo(200);
        JsonNode r2 = TestHttp.json(patched).path("current_release");
        assertThat(r2.path("number").asInt()).isEqualTo(2);
        assertThat(r2.path("version").asText()).isEqualTo(v2);
        assertThat(r2.path("configuration").path("min_instances").asInt()).isEqualTo(1);
        assertThat(r2.path("configuration").path("max_instances").asInt()).isEqualTo(2);
        assertThat(TestHttp.json(http.call("PATCH", base + "/deployments/testkit/gen", "{\"hardware\":\"cpu\"}"))
                .path("current_release").path("number").asInt()).isEqualTo(3);

        HttpResponse<String> run = http.post(base + "/deployments/testkit/gen/predictions", "{\"input\":{}}");
        assertThat(run.statusCode()).isEqualTo(201);
        JsonNode p = TestHttp.json(run);
        assertThat(p.path("version").asText()).isEqualTo(v2);
        assertThat(p.path("deployment").asText()).isEqualTo("testkit/gen");

        HttpResponse<String> online = http.call("DELETE", base + "/deployments/testkit/gen", null);
        assertThat(online.statusCode()).isEqualTo(409);
        assertThat(online.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(TestHttp.json(online).path("detail").asText()).contains("offline").contains("min_instances 0");
        http.call("PATCH", base + "/deployments/testkit/gen", "{\"min_instances\":0}");
        http.awaitTerminal(base + "/predictions/" + p.path("id").asText());
        HttpResponse<String> deleted = http.call("DELETE", base + "/deployments/testkit/gen", null);
        assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(http.get(base + "/deployments/testkit/gen").statusCode()).isEqualTo(404);
        assertThat(http.post(base + "/deployments/testkit/gen/predictions", "{\"input\":{}}").statusCode())
                .isEqualTo(404);
        assertThat(http.call("DELETE", base + "/deployments/testkit/gen", null).statusCode()).isEqualTo(404);
        assertThat(names(TestHttp.json(http.get(base + "/deployments"))))
                .doesNotContain("gen");
    }

    /** The deployments' own names (a release's creator has a name too). */
    static java.util.List<String> names(JsonNode page) {
        java.util.List<String> names = new java.util.ArrayList<>();
        page.path("results").forEach(d -> names.add(d.path("name").asText()));
        return names;
    }

    @Test
    void badCreatesAndUpdatesAreRefusedAsReplicateDoes() {
        ModelScript m = kit.replicate().model("acme/base");
        HttpResponse<String> empty = http.post(base + "/deployments", "{}");
        assertThat(empty.statusCode()).isEqualTo(422);
        JsonNode problem = TestHttp.json(empty);
        assertThat(problem.path("title").asText()).isEqualTo("Input validation failed");
        assertThat(problem.path("invalid_fields").findValuesAsText("field"))
                .containsExactlyInAnyOrder("name", "model", "version", "hardware", "min_instances", "max_instances");
        assertThat(problem.path("invalid_fields").findValuesAsText("type")).containsOnly("required");

        JsonNode bad = TestHttp.json(http.post(base + "/deployments", "{\"name\":\"x\",\"model\":\"acme/base\","
                + "\"version\":\"" + m.versionId() + "\",\"hardware\":\"tpu\",\"min_instances\":6,"
                + "\"max_instances\":\"3\",\"region\":\"eu\"}"));
        assertThat(bad.path("invalid_fields").findValuesAsText("type"))
                .containsExactlyInAnyOrder("additional_property_not_allowed", "enum", "number_lte", "type");
        assertThat(TestHttp.json(http.post(base + "/deployments", create("x", "acme/base", m.versionId(), 3, 1)))
                .path("invalid_fields").findValuesAsText("type")).containsExactly("number_lte");

        HttpResponse<String> unknownVersion = http.post(base + "/deployments", create("x", "acme/base", "0".repeat(64),
                0, 1));
        assertThat(unknownVersion.statusCode()).isEqualTo(422);
        assertThat(TestHttp.json(unknownVersion).path("title").asText()).isEqualTo("Invalid version or not permitted");
        assertThat(http.post(base + "/deployments", create("x", "acme/none", m.versionId(), 0, 1)).statusCode())
                .isEqualTo(422);
        assertThat(http.post(base + "/deployments", "not json").statusCode()).isEqualTo(400);

        assertThat(http.post(base + "/deployments", create("dup", "acme/base", m.versionId(), 0, 1)).statusCode())
                .isEqualTo(200);
        assertThat(http.post(base + "/deployments", create("dup", "acme/base", m.versionId(), 0, 1)).statusCode())
                .isEqualTo(409);

        HttpResponse<String> missing = http.call("PATCH", base + "/deployments/acme/none", "{\"min_instances\":1}");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(TestHttp.json(missing).path("detail").asText()).isEqualTo("Deployment not found");
        String dup = base + "/deployments/testkit/dup";
        assertThat(http.call("PATCH", dup, "{\"version\":\"acme/base:" + m.versionId() + "\"}").statusCode())
                .isEqualTo(422); // a version id, not owner/name:id
        assertThat(TestHttp.json(http.call("PATCH", dup, "{\"min_instances\":2}")).path("invalid_fields")
                .findValuesAsText("type")).containsExactly("number_lte"); // above max_instances 1
        assertThat(TestHttp.json(http.call("PATCH", dup, "{\"model\":\"acme/other\"}")).path("invalid_fields")
                .findValuesAsText("type")).containsExactly("additional_property_not_allowed");
        assertThat(TestHttp.json(http.get(dup)).path("current_release").path("number").asInt()).isEqualTo(1);
    }

    /** Replicate keeps a deployment that was used within 15 minutes; the fake does too unless told otherwise. */
    @Test
    void aRecentlyUsedDeploymentIsNotDeletedByDefault() {
        try (FakeReplicate strict = FakeReplicate.start()) {
            strict.deployment("acme/prod", "acme/echo");
            String url = strict.baseUrl() + "/deployments/acme/prod";
            HttpResponse<String> r = http.call("DELETE", url, null);
            assertThat(r.statusCode()).isEqualTo(409);
            assertThat(TestHttp.json(r).path("detail").asText()).contains("unused for at least 15 minutes");
            assertThat(http.get(url).statusCode()).isEqualTo(200);
        }
    }
}
