package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonBodyGateTest {
    private static final ModelAllowlist ALLOW = ModelAllowlist.parse("acme/*");

    static JsonBodyGate gate(String field) {
        return ALLOW.gate(List.of(field.equals("destination") ? ModelAllowlist.BodyField.DESTINATION
                : ModelAllowlist.BodyField.PREDICTION_VERSION), "POST /predictions");
    }

    /** Feeds the body in chunks of {@code chunk} bytes; returns what passed. */
    static byte[] run(String field, byte[] body, int chunk) throws Refusal.Refused {
        JsonBodyGate g = gate(field);
        List<ByteBuffer> out = new ArrayList<>();
        for (int i = 0; i < body.length; i += chunk) {
            out.addAll(g.apply(ByteBuffer.wrap(body, i, Math.min(chunk, body.length - i))));
        }
        out.addAll(g.finish());
        java.io.ByteArrayOutputStream all = new java.io.ByteArrayOutputStream();
        out.forEach(b -> all.write(b.array(), b.arrayOffset() + b.position(), b.remaining()));
        return all.toByteArray();
    }

    private static void refused(String body, int status, String why) {
        for (int chunk : new int[]{1, 3, 1000}) {
            assertThatThrownBy(() -> run("version", body.getBytes(StandardCharsets.UTF_8), chunk)).as(body)
                    .isInstanceOf(Refusal.Refused.class).hasMessageContaining(why)
                    .satisfies(e -> assertThat(((Refusal.Refused) e).refusal().status()).isEqualTo(status));
        }
    }

    @Test
    void allowedBodiesPassWholeInAnyChunking() throws Exception {
        for (String body : List.of("{\"version\":\"acme/echo\",\"input\":{\"version\":\"evil/x\",\"a\":[1,-2.5e3,true,null]}}",
                " {\"input\":{},\"\\u0076ersion\":\"acme/echo\"} ", "{\"version\":\"ACME/echo\"}")) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            for (int chunk : new int[]{1, 2, 7, 4096}) {
                assertThat(run("version", b, chunk)).isEqualTo(b);
            }
        }
    }

    @Test
    void whatParsersReadDifferentlyIsRefused() {
        refused("{\"version\":\"evil/model\"}", 403, "evil/model");
        refused("{\"\\u0076ersion\":\"evil/model\"}", 403, "evil/model");
        refused("{\"version\":\"acme/echo\",\"version\":\"evil/model\"}", 400, "twice");
        refused("{\"version\":\"acme/echo\",\"\\u0076ersion\":\"acme/echo\"}", 400, "twice");
        refused("{\"version\":\"acme/echo\",\"VERSION\":\"evil/model\"}", 400, "twice");
        refused("{\"ver\\u017fion\":\"evil/model\"}", 400, "lower case");
        refused("{\"Version\":\"evil/model\"}", 400, "lower case");
        refused("{\"version\":[\"acme/echo\"]}", 400, "must be a string");
        refused("{\"version\":null}", 400, "must be a string");
        refused("{\"input\":{}}", 403, "needs a \"version\"");
        refused("{\"version\":\"acme/echo\"} {\"version\":\"evil/model\"}", 400, "after its root object");
        refused("[{\"version\":\"acme/echo\"}]", 400, "must be an object");
        refused("\ufeff{\"version\":\"acme/echo\"}", 400, "must be an object");
        refused("{\"version\":\"acme/echo\",}", 400, "not valid JSON");
        refused("{\"version\":\"acme/echo\" /* */}", 400, "not valid JSON");
        refused("{\"version\":\"acme/echo\",\"n\":NaN}", 400, "not valid JSON");
        refused("{\"version\":\"acme/echo\",\"n\":01}", 400, "");
        refused("{\"version\":\"acme/echo\"", 400, "incomplete");
        refused("{\"version\":\"acme/echo\",\"s\":\"a\u0001\"}", 400, "control character");
        refused("{\"version\":\"acme/echo:" + "0".repeat(63) + "\"}", 403, "allowlist");
        refused("{\"version\":\"acme/echo/../evil\"}", 403, "allowlist");
        refused("{\"a\":" + "[".repeat(600) + "]".repeat(600) + ",\"version\":\"acme/echo\"}", 400, "deeper");
        assertThatThrownBy(() -> run("version", new byte[]{'{', '"', (byte) 0xc0, (byte) 0xae, '"', ':', '1', '}'}, 1))
                .hasMessageContaining("UTF-8");
    }

    @Test
    void trainingsDestinationIsChecked() throws Exception {
        byte[] ok = "{\"destination\":\"acme/new\",\"input\":{}}".getBytes(StandardCharsets.UTF_8);
        assertThat(run("destination", ok, 5)).isEqualTo(ok);
        assertThatThrownBy(() -> run("destination", "{\"destination\":\"evil/new\"}".getBytes(StandardCharsets.UTF_8),
                4)).hasMessageContaining("evil/new");
        assertThatThrownBy(() -> run("destination", "{\"input\":{}}".getBytes(StandardCharsets.UTF_8), 4))
                .hasMessageContaining("needs a \"destination\"");
    }

    /** A deployment's create watches two fields, its change an optional one; each is judged as it comes. */
    @Test
    void deploymentFieldsAreCheckedEachByItsRule() throws Exception {
        String id = "0123456789abcdef".repeat(4);
        ModelAllowlist allow = ModelAllowlist.parse("acme/*, " + id);
        List<ModelAllowlist.BodyField> create = ModelAllowlist.classify("POST", "/deployments").bodyFields();
        List<ModelAllowlist.BodyField> change = ModelAllowlist.classify("PATCH", "/deployments/acme/prod")
                .bodyFields();
        byte[] ok = ("{\"name\":\"x\",\"model\":\"acme/echo\",\"version\":\"" + id + "\",\"hardware\":\"cpu\"}")
                .getBytes(StandardCharsets.UTF_8);
        assertThat(JsonBodyGate.all(allow.gate(create, "POST /deployments"), ok)).hasSize(1);
        String other = "f".repeat(64);
        for (String[] refused : new String[][]{{"{\"model\":\"evil/x\",\"version\":\"" + id + "\"}", "evil/x"},
                {"{\"model\":\"acme/echo\",\"version\":\"" + other + "\"}", other},
                {"{\"model\":\"acme/echo\",\"version\":\"acme/echo:" + id + "\"}", "listed"},
                {"{\"version\":\"" + id + "\"}", "needs a \"model\""}}) {
            assertThatThrownBy(() -> JsonBodyGate.all(allow.gate(create, "POST /deployments"),
                    refused[0].getBytes(StandardCharsets.UTF_8))).as(refused[0]).hasMessageContaining(refused[1])
                    .satisfies(e -> assertThat(((Refusal.Refused) e).refusal().status()).isEqualTo(403));
        }
        byte[] hardwareOnly = "{\"min_instances\":1}".getBytes(StandardCharsets.UTF_8);
        assertThat(JsonBodyGate.all(allow.gate(change, "PATCH /deployments/acme/prod"), hardwareOnly)).hasSize(1);
        assertThatThrownBy(() -> JsonBodyGate.all(allow.gate(change, "PATCH /deployments/acme/prod"),
                ("{\"version\":\"" + other + "\"}").getBytes(StandardCharsets.UTF_8))).hasMessageContaining(other);
        assertThatThrownBy(() -> JsonBodyGate.all(allow.gate(change, "PATCH /deployments/acme/prod"),
                ("{\"VERSION\":\"" + other + "\"}").getBytes(StandardCharsets.UTF_8))).hasMessageContaining("lower");
    }

    /** The body's last chunk leaves only once the whole body was judged: a refused body never arrives complete. */
    @Test
    void theLastChunkWaitsForTheVerdict() throws Exception {
        JsonBodyGate g = gate("version");
        assertThat(g.apply(ByteBuffer.wrap("{\"version\":\"acme/echo\",".getBytes(StandardCharsets.UTF_8)))).isEmpty();
        assertThat(g.apply(ByteBuffer.wrap("\"input\":{}".getBytes(StandardCharsets.UTF_8)))).hasSize(1);
        assertThatThrownBy(() -> g.apply(ByteBuffer.wrap(",\"version\":\"x\"}".getBytes(StandardCharsets.UTF_8))))
                .hasMessageContaining("twice");
    }
}
