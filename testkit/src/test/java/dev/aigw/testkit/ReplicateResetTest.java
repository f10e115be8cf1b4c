package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** {@link FakeReplicate#reset()} serves the scripted catalogue again, whatever the management API did to it. */
class ReplicateResetTest {
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    static final String V2 = "b".repeat(64);

    @Test
    void whatTheApiCreatedChangedOrDeletedIsUndoneByReset() {
        try (FakeReplicate replicate = FakeReplicate.builder().deploymentIdleBeforeDelete(Duration.ZERO).start()) {
            String base = replicate.baseUrl().toString();
            ModelScript keep = replicate.model("acme/keep").visibility("private").description("kept").readme("# Keep")
                    .output("scripted").example(Map.of("prompt", "hi"), "hello");
            String v1 = keep.versionId();
            keep.addVersion(V2);
            replicate.deployment("acme/prod", "acme/keep");
            replicate.deployment("acme/old", "acme/keep");
            String goneVersion = replicate.model("acme/gone").visibility("private").versionId();
            replicate.collection("picks").name("Picks").models("acme/keep");

            expect(http.post(base + "/models", "{\"owner\":\"testkit\",\"name\":\"new\",\"visibility\":\"public\","
                    + "\"hardware\":\"cpu\"}"), 201);
            expect(http.post(base + "/deployments", "{\"name\":\"made\",\"model\":\"acme/keep\",\"version\":\"" + v1
                    + "\",\"hardware\":\"cpu\",\"min_instances\":0,\"max_instances\":1}"), 200);
            expect(http.call("PATCH", base + "/models/acme/keep", "{\"description\":\"changed\",\"readme\":\"# New\","
                    + "\"github_url\":\"https://github.com/acme/keep\"}"), 200);
            expect(http.call("PATCH", base + "/deployments/acme/prod", "{\"version\":\"" + v1 + "\","
                    + "\"hardware\":\"cpu\",\"max_instances\":3}"), 200);
            expect(http.call("DELETE", base + "/deployments/acme/old", null), 204);
            expect(http.call("DELETE", base + "/models/acme/keep/versions/" + V2, null), 202); // no longer deployed
            expect(http.call("DELETE", base + "/models/acme/gone/versions/" + goneVersion, null), 202);
            expect(http.call("DELETE", base + "/models/acme/gone", null), 204);
            assertThat(keep.versionId()).isEqualTo(v1);
            assertThat(http.get(base + "/models/acme/gone").statusCode()).isEqualTo(404);
            assertThat(TestHttp.json(run(base, "acme/prod")).path("version").asText()).isEqualTo(v1);

            replicate.reset();

            assertThat(http.get(base + "/models/testkit/new").statusCode()).isEqualTo(404);
            assertThat(http.get(base + "/deployments/testkit/made").statusCode()).isEqualTo(404);
            JsonNode model = TestHttp.json(http.get(base + "/models/acme/keep"));
            assertThat(model.path("description").asText()).isEqualTo("kept");
            assertThat(model.path("visibility").asText()).isEqualTo("private");
            assertThat(model.path("github_url").isNull()).isTrue();
            assertThat(model.path("latest_version").path("id").asText()).isEqualTo(V2);
            assertThat(model.path("default_example").path("output").asText()).isEqualTo("hello");
            assertThat(http.get(base + "/models/acme/keep/readme").body()).isEqualTo("# Keep");
            assertThat(TestHttp.json(http.get(base + "/models/acme/keep/versions")).path("results")
                    .findValuesAsText("id")).containsExactly(V2, v1);
            assertThat(keep.versionId()).isEqualTo(V2);
            assertThat(TestHttp.json(http.get(base + "/models/acme/gone/versions")).path("results")
                    .findValuesAsText("id")).containsExactly(goneVersion);
            JsonNode picks = TestHttp.json(http.get(base + "/collections/picks"));
            assertThat(picks.path("name").asText()).isEqualTo("Picks");
            assertThat(picks.path("models").get(0).path("description").asText()).isEqualTo("kept");

            assertThat(ReplicateDeploymentsTest.names(TestHttp.json(http.get(base + "/deployments"))))
                    .containsExactly("old", "prod"); // newest first, as scripted
            JsonNode release = TestHttp.json(http.get(base + "/deployments/acme/prod")).path("current_release");
            assertThat(release.path("number").asInt()).isEqualTo(1);
            assertThat(release.path("version").asText()).isEqualTo(V2);
            assertThat(release.path("configuration").toString())
                    .isEqualTo("{\"hardware\":\"gpu-t4\",\"min_instances\":0,\"max_instances\":1}");
            JsonNode p = TestHttp.json(run(base, "acme/prod"));
            assertThat(p.path("version").asText()).isEqualTo(V2); // follows the latest version again
            assertThat(http.awaitTerminal(base + "/predictions/" + p.path("id").asText()).path("output").asText())
                    .isEqualTo("scripted");
            expect(http.post(base + "/deployments", "{\"name\":\"made\",\"model\":\"acme/keep\",\"version\":\"" + v1
                    + "\",\"hardware\":\"cpu\",\"min_instances\":0,\"max_instances\":1}"), 200); // the name is free
        }
    }

    @Test
    void scriptingAfterAResetOrOnAModelTheApiMadeIsPartOfTheScript() {
        try (FakeReplicate replicate = FakeReplicate.start()) {
            String base = replicate.baseUrl().toString();
            ModelScript echo = replicate.model("acme/echo").output("first");
            replicate.reset();
            echo.output("second").description("rescripted"); // a script kept across a reset still scripts
            expect(http.post(base + "/models", "{\"owner\":\"testkit\",\"name\":\"pushed\","
                    + "\"visibility\":\"private\",\"hardware\":\"cpu\"}"), 201);
            ModelScript pushed = replicate.model("testkit/pushed").addVersion(V2); // as if cog push-ed
            assertThat(versions(base, "testkit/pushed")).containsExactly(V2);
            assertThat(TestHttp.json(http.get(base + "/models/testkit/pushed")).path("visibility").asText())
                    .isEqualTo("private"); // the API's model, scripted

            replicate.reset();

            JsonNode model = TestHttp.json(http.get(base + "/models/acme/echo"));
            assertThat(model.path("description").asText()).isEqualTo("rescripted");
            JsonNode p = TestHttp.json(http.post(base + "/models/acme/echo/predictions", "{\"input\":{}}"));
            assertThat(http.awaitTerminal(base + "/predictions/" + p.path("id").asText()).path("output").asText())
                    .isEqualTo("second");
            // From the reset on, the model is the scripted one: defaults (public, a version of its own) plus V2.
            assertThat(TestHttp.json(http.get(base + "/models/testkit/pushed")).path("visibility").asText())
                    .isEqualTo("public");
            assertThat(versions(base, "testkit/pushed")).hasSize(2).first().isEqualTo(V2);
            assertThat(pushed.versionId()).isEqualTo(V2);
        }
    }

    @Test
    void scriptingAModelTheApiDeletedServesItAgainAndResetBringsItsWholeScript() {
        try (FakeReplicate replicate = FakeReplicate.start()) {
            String base = replicate.baseUrl().toString();
            ModelScript tmp = replicate.model("acme/tmp").visibility("private").readme("# Tmp");
            expect(http.call("DELETE", base + "/models/acme/tmp/versions/" + tmp.versionId(), null), 202);
            expect(http.call("DELETE", base + "/models/acme/tmp", null), 204);
            assertThat(tmp.versionId()).isNull();

            tmp.description("back");
            JsonNode model = TestHttp.json(http.get(base + "/models/acme/tmp"));
            assertThat(model.path("description").asText()).isEqualTo("back");
            assertThat(model.path("visibility").asText()).isEqualTo("public"); // defaults and that one change
            assertThat(http.get(base + "/models/acme/tmp/readme").statusCode()).isEqualTo(404);

            replicate.reset();

            model = TestHttp.json(http.get(base + "/models/acme/tmp"));
            assertThat(model.path("description").asText()).isEqualTo("back");
            assertThat(model.path("visibility").asText()).isEqualTo("private");
            assertThat(http.get(base + "/models/acme/tmp/readme").body()).isEqualTo("# Tmp");
            assertThat(tmp.versionId()).isNotNull();
        }
    }

    /** A class scripting its models in every test: what reset replays stays as large as what is scripted. */
    @Test
    void scriptingTheSameThingAgainKeepsTheRecordAsLargeAsTheScript() {
        try (FakeReplicate replicate = FakeReplicate.start()) {
            String base = replicate.baseUrl().toString();
            int recorded = 0;
            for (int i = 0; i < 10_000; i++) {
                replicate.model("acme/echo").output("out " + i).description("echo " + i).fails("boom").succeeds()
                        .addVersion(V2).requiredInput("prompt").visibility(i % 2 == 0 ? "private" : "public");
                replicate.deployment("acme/prod", "acme/echo");
                replicate.collection("picks").name("Picks " + i).models("acme/echo");
                if (i == 0) {
                    recorded = replicate.recordedScriptCalls();
                }
            }
            // the model, 4 fields, a version, an input, the deployment, the collection, its name and its model
            assertThat(recorded).isEqualTo(11);
            assertThat(replicate.recordedScriptCalls()).isEqualTo(recorded);

            replicate.reset();

            JsonNode model = TestHttp.json(http.get(base + "/models/acme/echo"));
            assertThat(model.path("description").asText()).isEqualTo("echo 9999");
            assertThat(model.path("visibility").asText()).isEqualTo("public");
            assertThat(versions(base, "acme/echo")).hasSize(2).first().isEqualTo(V2);
            assertThat(TestHttp.json(http.get(base + "/collections/picks")).path("name").asText())
                    .isEqualTo("Picks 9999");
            assertThat(TestHttp.json(http.get(base + "/collections/picks")).path("models")).hasSize(1);
            HttpResponse<String> refused = http.post(base + "/models/acme/echo/predictions", "{\"input\":{}}");
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(422); // requiredInput("prompt") kept
            JsonNode p = TestHttp.json(run(base, "acme/prod", "{\"input\":{\"prompt\":\"x\"}}"));
            assertThat(p.path("version").asText()).isEqualTo(V2);
            JsonNode done = http.awaitTerminal(base + "/predictions/" + p.path("id").asText());
            assertThat(done.path("status").asText()).isEqualTo("succeeded");
            assertThat(done.path("output").asText()).isEqualTo("out 9999");
        }
    }

    /**
     * Whatever order calls come in, reset serves what they made: a call replaced in the record is one whose effect the
     * later call overwrites and no call between depended on (a version pushed between two {@code version(...)}, an
     * example made from the model as it was).
     */
    @Test
    void resetServesWhatTheScriptingCallsMadeInAnyOrder() {
        java.util.Random random = new java.util.Random(20261202L);
        String[] ids = {"1".repeat(64), "2".repeat(64), "3".repeat(64)};
        try (FakeReplicate replicate = FakeReplicate.start()) {
            String base = replicate.baseUrl().toString();
            // the orders that must keep an earlier call: a version pushed between two version(...) calls, a
            // version(...) between two pushes of one id, an example between two settings
            replicate.model("acme/a").version(ids[0]).addVersion(ids[1]).version(ids[2]).addVersion(ids[0])
                    .version(ids[1]).addVersion(ids[0]).description("before").example(Map.of(), "x")
                    .description("after");
            for (int round = 0; round < 10; round++) {
                for (int call = 0; call < 30; call++) {
                    String name = random.nextBoolean() ? "acme/a" : "acme/b";
                    ModelScript m = replicate.model(name);
                    String id = ids[random.nextInt(ids.length)];
                    switch (random.nextInt(8)) {
                        case 0 -> m.version(id);
                        case 1 -> m.addVersion(id);
                        case 2 -> m.example(Map.of("n", call), "example " + round + "/" + call);
                        case 3 -> m.description("d" + random.nextInt(3));
                        case 4 -> m.readme("# r" + random.nextInt(3));
                        case 5 -> replicate.deployment("acme/dep", name);
                        case 6 -> replicate.collection("c").description("c" + random.nextInt(3)).models(name);
                        default -> m.visibility(random.nextBoolean() ? "public" : "private");
                    }
                }
                String live = served(base);
                replicate.reset();
                assertThat(served(base)).as("round " + round).isEqualTo(live);
            }
        }
    }

    /** What the catalogue serves, without its times and the ids of example predictions (new at each reset). */
    private static String served(String base) {
        StringBuilder out = new StringBuilder();
        for (String model : List.of("acme/a", "acme/b")) {
            JsonNode m = TestHttp.json(http.get(base + "/models/" + model));
            out.append(model).append(' ').append(m.path("description").asText()).append(' ')
                    .append(m.path("visibility").asText()).append(' ').append(versions(base, model)).append(' ')
                    .append(http.get(base + "/models/" + model + "/readme").body()).append('\n');
            TestHttp.json(http.get(base + "/models/" + model + "/examples")).path("results")
                    .forEach(e -> out.append(e.path("output").asText()).append(' ') // made from the model as it was:
                            .append(e.path("version").asText()).append('\n'));     // the version it had then
        }
        JsonNode dep = TestHttp.json(http.get(base + "/deployments/acme/dep")).path("current_release");
        JsonNode c = TestHttp.json(http.get(base + "/collections/c"));
        return out.append('\n').append(dep.path("model").asText()).append(' ').append(dep.path("version").asText())
                .append(' ').append(c.path("description").asText()).append(' ')
                .append(c.path("models").findValuesAsText("name")).toString();
    }

    private static HttpResponse<String> run(String base, String deployment) {
        return run(base, deployment, "{\"input\":{}}");
    }

    private static HttpResponse<String> run(String base, String deployment, String body) {
        HttpResponse<String> r = http.post(base + "/deployments/" + deployment + "/predictions", body);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(201);
        return r;
    }

    private static List<String> versions(String base, String model) {
        return TestHttp.json(http.get(base + "/models/" + model + "/versions")).path("results").findValuesAsText("id");
    }

    private static void expect(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    }
}
