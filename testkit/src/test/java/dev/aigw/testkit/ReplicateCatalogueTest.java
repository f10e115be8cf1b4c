package dev.aigw.testkit;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Every operation of the Replicate endpoint catalogue (spec §2) is answered with its documented success status:
 * none falls through to the fake's unknown-route 404, none is a 405.
 */
class ReplicateCatalogueTest {
    /** Spec §2, in its order: method, path under /v1, documented success status. */
    static final List<String> CATALOGUE = List.of(
            "GET /account 200",
            "GET /collections 200",
            "GET /collections/{collection_slug} 200",
            "GET /deployments 200",
            "POST /deployments 200",
            "GET /deployments/{owner}/{name} 200",
            "PATCH /deployments/{owner}/{name} 200",
            "DELETE /deployments/{owner}/{name} 204",
            "POST /deployments/{owner}/{name}/predictions 201",
            "GET /files 200",
            "POST /files 201",
            "GET /files/{file_id} 200",
            "DELETE /files/{file_id} 204",
            "GET /files/{file_id}/download 200",
            "GET /hardware 200",
            "GET /models 200",
            "POST /models 201",
            "QUERY /models 200",
            "GET /models/{owner}/{name} 200",
            "PATCH /models/{owner}/{name} 200",
            "DELETE /models/{owner}/{name} 204",
            "GET /models/{owner}/{name}/examples 200",
            "POST /models/{owner}/{name}/predictions 201",
            "GET /models/{owner}/{name}/readme 200",
            "GET /models/{owner}/{name}/versions 200",
            "GET /models/{owner}/{name}/versions/{version_id} 200",
            "DELETE /models/{owner}/{name}/versions/{version_id} 202",
            "POST /models/{owner}/{name}/versions/{version_id}/trainings 201",
            "GET /predictions 200",
            "POST /predictions 201",
            "GET /predictions/{prediction_id} 200",
            "POST /predictions/{prediction_id}/cancel 200",
            "GET /search 200",
            "GET /trainings 200",
            "GET /trainings/{training_id} 200",
            "POST /trainings/{training_id}/cancel 200",
            "GET /webhooks/default/secret 200");

    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create()
            .replicate(b -> b.deploymentIdleBeforeDelete(Duration.ZERO));
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final String base = kit.replicate().baseUrl().toString();
    static String oldVersion;
    static String version;

    @BeforeAll
    static void script() {
        FakeReplicate replicate = kit.replicate();
        ModelScript cat = replicate.model("acme/cat").visibility("private").readme("# Cat")
                .example(java.util.Map.of("prompt", "meow"), "purr");
        oldVersion = cat.versionId();
        version = "a".repeat(64);
        cat.addVersion(version);
        replicate.deployment("acme/dep", "acme/cat");
        replicate.deployment("acme/idle", "acme/cat");
        replicate.collection("featured").models("acme/cat");
    }

    @Test
    void everyOperationOfTheSpecIsAnswered() {
        assertThat(CATALOGUE).hasSize(37); // the spec's operation count
        String prediction = TestHttp.json(http.post(base + "/predictions", "{\"version\":\"" + version
                + "\",\"input\":{}}")).path("id").asText();
        String training = TestHttp.json(http.post(base + "/models/acme/cat/versions/" + version + "/trainings",
                "{\"destination\":\"acme/cat\",\"input\":{}}")).path("id").asText();
        String kept = kit.replicate().generatedFile("kept.bin", "application/octet-stream", 10);
        String doomed = kit.replicate().generatedFile("doomed.bin", "application/octet-stream", 10);

        // Deletes last, so they do not take away what the others use.
        List<String> order = new ArrayList<>(CATALOGUE);
        order.sort(Comparator.comparing(line -> line.startsWith("DELETE ")));
        List<String> wrong = new ArrayList<>();
        for (String line : order) {
            String[] parts = line.split(" ");
            String method = parts[0];
            boolean delete = method.equals("DELETE");
            String path = parts[1]
                    .replace("/deployments/{owner}/{name}", delete ? "/deployments/acme/idle" : "/deployments/acme/dep")
                    .replace("/models/{owner}/{name}", delete && !parts[1].contains("versions") ? "/models/acme/fresh"
                            : "/models/acme/cat")
                    .replace("{version_id}", delete ? oldVersion : version)
                    .replace("{collection_slug}", "featured")
                    .replace("{file_id}", delete ? doomed : kept)
                    .replace("{prediction_id}", prediction)
                    .replace("{training_id}", training);
            if (path.endsWith("/download")) {
                path += "?owner=testkit&expiry=9999999999&signature=x";
            } else if (path.equals("/search")) {
                path += "?query=cat";
            }
            HttpResponse<String> r = http.send(request(method, parts[1], base + path));
            if (r.statusCode() != Integer.parseInt(parts[2])) {
                wrong.add(line + " -> " + r.statusCode() + " " + r.body());
            }
        }
        assertThat(wrong).isEmpty();

        // What a missing route looks like, so the statuses above cannot have come from one.
        HttpResponse<String> unknown = http.get(base + "/deployment");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(TestHttp.json(unknown).path("detail").asText()).isEqualTo("Not found.");
        assertThat(http.call("PUT", base + "/models/acme/cat", "{}").statusCode()).isEqualTo(404);
    }

    /** A request of the row's operation carrying the body that operation needs. */
    private static HttpRequest request(String method, String template, String url) {
        HttpRequest.Builder b = http.request(url);
        String json = switch (method + " " + template) {
            case "POST /deployments" -> ReplicateDeploymentsTest.create("made", "acme/cat", version, 0, 1);
            case "PATCH /deployments/{owner}/{name}" -> "{\"max_instances\":2}";
            case "POST /deployments/{owner}/{name}/predictions", "POST /models/{owner}/{name}/predictions" ->
                    "{\"input\":{}}";
            case "POST /models" -> "{\"owner\":\"acme\",\"name\":\"fresh\",\"visibility\":\"private\","
                    + "\"hardware\":\"cpu\"}";
            case "PATCH /models/{owner}/{name}" -> "{\"description\":\"a cat model\"}";
            case "POST /models/{owner}/{name}/versions/{version_id}/trainings" ->
                    "{\"destination\":\"acme/cat\",\"input\":{}}";
            case "POST /predictions" -> "{\"version\":\"" + version + "\",\"input\":{}}";
            default -> null;
        };
        if (json != null) {
            return b.header("Content-Type", "application/json").method(method,
                    HttpRequest.BodyPublishers.ofString(json)).build();
        }
        if (method.equals("QUERY")) {
            return b.header("Content-Type", "text/plain").method(method, HttpRequest.BodyPublishers.ofString("cat"))
                    .build();
        }
        if (template.equals("/files") && method.equals("POST")) {
            String multipart = "--b\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a.txt\"\r\n"
                    + "Content-Type: text/plain\r\n\r\nhello\r\n--b--\r\n";
            return b.header("Content-Type", "multipart/form-data; boundary=b")
                    .POST(HttpRequest.BodyPublishers.ofString(multipart)).build();
        }
        return b.method(method, HttpRequest.BodyPublishers.noBody()).build();
    }
}
