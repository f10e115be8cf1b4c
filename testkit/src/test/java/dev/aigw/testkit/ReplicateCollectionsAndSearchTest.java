package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Collections and the search endpoint (spec §2). */
class ReplicateCollectionsAndSearchTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create().replicate(b -> b.pageSize(2));
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    final String base = replicate.baseUrl().toString();

    @BeforeAll
    static void script() {
        FakeReplicate replicate = kit.replicate();
        replicate.model("acme/upscaler").description("Upscales images four times");
        replicate.model("acme/restorer").description("Restores old photos, also upscales");
        replicate.model("acme/hidden-upscaler").visibility("private");
        replicate.collection("super-resolution").name("Super resolution").description("Upscaling models")
                .fullDescription("## Overview\n\nSharper images.").models("acme/upscaler", "acme/not-scripted");
        replicate.collection("image-restoration").name("Image restoration").models("acme/restorer");
        replicate.collection("audio");
    }

    @Test
    void collectionsArePagedAndShownWithTheirModels() {
        JsonNode first = TestHttp.json(http.get(base + "/collections"));
        assertThat(first.path("results")).hasSize(2);
        first.path("results").forEach(c -> assertThat(c.fieldNames()).toIterable()
                .containsExactly("name", "slug", "description"));
        String next = first.path("next").asText();
        assertThat(next).startsWith("https://api.replicate.com/v1/collections?cursor=");
        JsonNode second = TestHttp.json(http.get(base + next.substring("https://api.replicate.com/v1".length())));
        List<String> slugs = new ArrayList<>(first.path("results").findValuesAsText("slug"));
        slugs.addAll(second.path("results").findValuesAsText("slug"));
        assertThat(slugs).containsExactlyInAnyOrder("super-resolution", "image-restoration", "audio");
        assertThat(second.path("next").isNull()).isTrue();

        HttpResponse<String> shown = http.get(base + "/collections/super-resolution");
        assertThat(shown.statusCode()).isEqualTo(200);
        JsonNode c = TestHttp.json(shown);
        assertThat(c.path("name").asText()).isEqualTo("Super resolution");
        assertThat(c.path("description").asText()).isEqualTo("Upscaling models");
        assertThat(c.path("full_description").asText()).startsWith("## Overview");
        assertThat(c.path("models")).hasSize(1); // only models that exist are shown
        assertThat(c.path("models").get(0).path("url").asText()).isEqualTo("https://replicate.com/acme/upscaler");
        assertThat(TestHttp.json(http.get(base + "/collections/audio")).path("full_description").isNull()).isTrue();

        HttpResponse<String> missing = http.get(base + "/collections/nope");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(TestHttp.json(missing).path("detail").asText()).isEqualTo("Collection not found");
        assertThat(new TestHttp(null).get(base + "/collections").statusCode()).isEqualTo(401);
    }

    @Test
    void searchFindsPublicModelsAndCollections() {
        JsonNode r = TestHttp.json(http.get(base + "/search?query=Upscal"));
        assertThat(r.path("query").asText()).isEqualTo("Upscal");
        List<String> names = new ArrayList<>();
        r.path("models").forEach(hit -> names.add(hit.path("model").path("name").asText()));
        assertThat(names).containsExactly("upscaler", "restorer"); // a name hit first; the private model never
        JsonNode metadata = r.path("models").get(0).path("metadata");
        assertThat(metadata.path("generated_description").asText()).isEqualTo("Upscales images four times");
        assertThat(metadata.path("tags").isArray()).isTrue();
        assertThat(metadata.path("score").asDouble()).isGreaterThan(r.path("models").get(1).path("metadata")
                .path("score").asDouble());
        assertThat(r.path("collections").findValuesAsText("slug")).containsExactly("super-resolution");
        assertThat(r.path("collections").get(0).path("models").toString())
                .isEqualTo("[\"acme/upscaler\",\"acme/not-scripted\"]");
        assertThat(r.path("pages").isArray()).isTrue();
        assertThat(TestHttp.json(http.get(base + "/search?query=upscal&limit=1")).path("models")).hasSize(1);
        assertThat(TestHttp.json(http.get(base + "/search?query=zebra")).path("models")).isEmpty();

        for (String bad : new String[]{"", "?query=", "?query=%20", "?query=x&limit=0", "?query=x&limit=51",
                "?query=x&limit=ten"}) {
            HttpResponse<String> refused = http.get(base + "/search" + bad);
            assertThat(refused.statusCode()).as(bad).isEqualTo(400);
            assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        }
        assertThat(TestHttp.json(http.get(base + "/search")).path("detail").asText())
                .isEqualTo("Query parameter \"query\" is required");
    }
}
