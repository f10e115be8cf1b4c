package dev.aigw.servlet.suite;

import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.ReplicateWebhooks;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A WAR with only aigw's jars and settings added gets all three filters through the initializer. */
public abstract class WarDropInTests extends SuiteGroup {
    protected WarDropInTests(ContainerSuite suite) {
        super(suite);
    }

    @Test
    void aWarWithOnlyTheJarAndSettingsGetsEverything() throws Exception {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("aigw.account-id", FakeGateway.DEFAULT_ACCOUNT);
        settings.put("aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY);
        settings.put("aigw.base-url", suite.gateway.baseUrl().toString());
        settings.put("aigw.token", ContainerSuite.CF_TOKEN);
        settings.put("aigw.log", "off");
        settings.put("aigw.context.metadata", "trace=traceparent, request=header:X-Request-Id");
        settings.put("aigw.proxy.path", "/replicate");
        settings.put("aigw.proxy.replicate-token", suite.replicate.token());
        settings.put("aigw.proxy.access", "anyone");
        settings.put("aigw.webhook.path", "/webhooks/replicate");
        settings.put("aigw.webhook.secret", suite.replicate.webhookSecret());
        Path war = WarBuilder.build(Files.createTempDirectory("aigw-war"), settings);
        try (ServletContainer c = suite.container()) {
            URI base = c.deployWar("/war", war);
            Assumptions.assumeTrue(base != null, c.name() + " deploys no WARs");

            // the proxy and the request context
            HttpResponse<String> r = suite.http.send(HttpRequest.newBuilder(URI.create(base + "/replicate/account"))
                    .header("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")
                    .header("X-Request-Id", "war-1").GET().build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            GatewayRequest g = suite.gateway.awaitRequests(1, ContainerSuite.WAIT).get(0);
            assertThat(g.metadata()).containsEntry("trace", "0af7651916cd43dd8448eb211c80319c")
                    .containsEntry("request", "war-1");
            assertThat(g.header("Authorization")).isEqualTo("Bearer " + suite.replicate.token());

            // the webhook filter in front of the WAR's own handler
            byte[] body = "{\"id\":\"war\",\"status\":\"succeeded\"}".getBytes(StandardCharsets.UTF_8);
            long ts = Instant.now().getEpochSecond();
            String sig = ReplicateWebhooks.sign(suite.replicate.webhookSecret(), "msg_war", ts, body);
            HttpResponse<String> ok = suite.http.send(HttpRequest.newBuilder(URI.create(base + "/webhooks/replicate"))
                    .header("webhook-id", "msg_war").header("webhook-timestamp", Long.toString(ts))
                    .header("webhook-signature", sig).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).isEqualTo("received " + body.length + " bytes: " + new String(body,
                    StandardCharsets.UTF_8));
            HttpResponse<String> forged = suite.http.send(HttpRequest.newBuilder(URI.create(base
                            + "/webhooks/replicate")).header("webhook-id", "msg_forged")
                    .header("webhook-timestamp", Long.toString(ts)).header("webhook-signature", sig)
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(forged.statusCode()).isEqualTo(401);

            // the application's own content is untouched
            assertThat(suite.http.send(HttpRequest.newBuilder(URI.create(base + "/index.html")).GET().build(),
                    HttpResponse.BodyHandlers.ofString()).body()).contains("a web application");
        }
    }
}
