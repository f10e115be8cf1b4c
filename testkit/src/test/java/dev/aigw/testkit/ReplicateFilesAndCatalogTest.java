package dev.aigw.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class ReplicateFilesAndCatalogTest {
    @RegisterExtension
    static final TestkitExtension kit = TestkitExtension.create().replicate(b -> b.maxFileSize(1024));
    static final TestHttp http = new TestHttp(FakeReplicate.DEFAULT_TOKEN);
    final FakeReplicate replicate = kit.replicate();
    final String base = replicate.baseUrl().toString();

    HttpResponse<String> upload(byte[] content, String auth) {
        String boundary = "----testkitBoundary";
        String head = "--" + boundary + "\r\nContent-Disposition: form-data; name=\"content\"; filename=\"a.txt\"\r\n"
                + "Content-Type: text/plain\r\n\r\n";
        String meta = "\r\n--" + boundary + "\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
                + "Content-Type: application/json\r\n\r\n{\"k\":\"v\"}\r\n--" + boundary + "--\r\n";
        byte[] body = concat(head.getBytes(StandardCharsets.UTF_8), content, meta.getBytes(StandardCharsets.UTF_8));
        return http.send(HttpRequest.newBuilder(java.net.URI.create(base + "/files")).timeout(TestHttp.TIMEOUT)
                .header("Authorization", auth).header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build());
    }

    static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void filesUploadGetListDelete() {
        HttpResponse<String> created = upload("hello".getBytes(StandardCharsets.UTF_8),
                "Token " + FakeReplicate.DEFAULT_TOKEN);
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode f = TestHttp.json(created);
        String id = f.path("id").asText();
        assertThat(f.path("name").asText()).isEqualTo("a.txt");
        assertThat(f.path("content_type").asText()).isEqualTo("text/plain");
        assertThat(f.path("size").asInt()).isEqualTo(5);
        assertThat(f.path("metadata").path("k").asText()).isEqualTo("v");
        assertThat(f.path("checksums").path("sha256").asText())
                .isEqualTo("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824");
        assertThat(f.path("urls").path("get").asText()).isEqualTo("https://api.replicate.com/v1/files/" + id);
        assertThat(TestHttp.json(http.get(base + "/files/" + id)).path("id").asText()).isEqualTo(id);
        assertThat(TestHttp.json(http.get(base + "/files")).path("results").findValuesAsText("id")).contains(id);
        HttpResponse<String> download = new TestHttp(null).get(base + "/files/" + id
                + "/download?owner=testkit&expiry=9999999999&signature=x");
        assertThat(download.body()).isEqualTo("hello");
        HttpResponse<String> deleted = http.send(http.request(base + "/files/" + id).DELETE().build());
        assertThat(deleted.statusCode()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(http.get(base + "/files/" + id).statusCode()).isEqualTo(404);
    }

    /** A generated file is shown like an upload and downloads byte for byte in its pattern, with matching checksums. */
    @Test
    void generatedFilesAreServedAsTheyAreMade() throws Exception {
        long size = 3 * 64 * 1024 + 17; // several chunks and a partial one
        String id = replicate.generatedFile("big.bin", "application/octet-stream", size);
        JsonNode f = TestHttp.json(http.get(base + "/files/" + id));
        assertThat(f.path("name").asText()).isEqualTo("big.bin");
        assertThat(f.path("size").asLong()).isEqualTo(size);
        assertThat(TestHttp.json(http.get(base + "/files")).path("results").findValuesAsText("id")).contains(id);

        HttpResponse<byte[]> download = java.net.http.HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        java.net.URI.create(base + "/files/" + id + "/download?owner=testkit&expiry=1&signature=x"))
                .timeout(TestHttp.TIMEOUT).build(), HttpResponse.BodyHandlers.ofByteArray());
        assertThat(download.statusCode()).isEqualTo(200);
        assertThat(download.headers().firstValueAsLong("Content-Length")).hasValue(size);
        byte[] body = download.body();
        assertThat(body).hasSize((int) size);
        for (int i = 0; i < body.length; i++) {
            if (body[i] != FakeReplicate.generatedByte(i)) {
                throw new AssertionError("byte " + i + " is " + body[i] + ", expected " + FakeReplicate.generatedByte(i));
            }
        }
        assertThat(f.path("checksums").path("sha256").asText()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("SHA-256").digest(body)));
        assertThat(f.path("etag").asText()).isEqualTo(java.util.HexFormat.of().formatHex(
                java.security.MessageDigest.getInstance("MD5").digest(body)));
    }

    @Test
    void oversizedUploadIs413() {
        HttpResponse<String> r = upload(new byte[4096], "Bearer " + FakeReplicate.DEFAULT_TOKEN);
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(r.headers().firstValue("Content-Type")).hasValue("application/problem+json");
        assertThat(TestHttp.json(r).path("detail").asText()).isEqualTo("Files must be less than 100MB in size");
    }

    @Test
    void modelsVersionsAccountHardware() {
        ModelScript m = replicate.model("acme/catalog").description("a catalog model");
        JsonNode model = TestHttp.json(http.get(base + "/models/acme/catalog"));
        assertThat(model.path("owner").asText()).isEqualTo("acme");
        assertThat(model.path("latest_version").path("id").asText()).isEqualTo(m.versionId());
        assertThat(TestHttp.json(http.get(base + "/models")).path("results").findValuesAsText("name")).contains("catalog");
        JsonNode versions = TestHttp.json(http.get(base + "/models/acme/catalog/versions"));
        assertThat(versions.path("results").get(0).path("id").asText()).isEqualTo(m.versionId());
        assertThat(http.get(base + "/models/acme/catalog/versions/" + m.versionId()).statusCode()).isEqualTo(200);
        assertThat(http.get(base + "/models/acme/catalog/versions/" + "0".repeat(64)).statusCode()).isEqualTo(404);
        HttpResponse<String> search = http.send(http.request(base + "/models").header("Content-Type", "text/plain")
                .method("QUERY", HttpRequest.BodyPublishers.ofString("\"catalog\"")).build());
        assertThat(TestHttp.json(search).path("results").findValuesAsText("name")).containsExactly("catalog");
        assertThat(TestHttp.json(http.get(base + "/account")).path("type").asText()).isEqualTo("user");
        assertThat(TestHttp.json(http.get(base + "/hardware")).findValuesAsText("sku")).contains("cpu", "gpu-t4");
    }

    @Test
    void trainingsCreateGetListCancel() {
        ModelScript base1 = replicate.model("acme/base").duration(Duration.ofMillis(100));
        replicate.model("acme/tuned");
        String url = base + "/models/acme/base/versions/" + base1.versionId() + "/trainings";
        assertThat(TestHttp.json(http.post(url, "{\"destination\":\"acme/missing\",\"input\":{}}")).path("detail")
                .asText()).isEqualTo("The specified training destination does not exist");
        HttpResponse<String> created = http.post(url, "{\"destination\":\"acme/tuned\",\"input\":{\"steps\":1}}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode t = TestHttp.json(created);
        assertThat(t.path("urls").path("get").asText()).startsWith("https://api.replicate.com/v1/trainings/");
        JsonNode done = http.awaitTerminal(base + "/trainings/" + t.path("id").asText());
        assertThat(done.path("output").path("version").asText()).startsWith("acme/tuned:");
        assertThat(done.path("output").path("weights").asText()).contains("/delivery/");
        assertThat(TestHttp.json(http.get(base + "/trainings")).path("results")).isNotEmpty();
        base1.duration(Duration.ofSeconds(30));
        JsonNode slow = TestHttp.json(http.post(url, "{\"destination\":\"acme/tuned\",\"input\":{}}"));
        assertThat(TestHttp.json(http.post(base + "/trainings/" + slow.path("id").asText() + "/cancel", ""))
                .path("status").asText()).isEqualTo("canceled");
    }
}
