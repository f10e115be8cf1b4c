package dev.aigw.samples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.GatewayRequest;
import org.apache.catalina.Context;
import org.apache.catalina.LifecycleState;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The packaged WAR, unchanged, on embedded Tomcat 10.1: the container finds aigw's initializer and the app's in the
 * WAR, and a call made through the deployed app is routed through the (fake) gateway. Only deployment settings are
 * added, as context parameters — what a {@code context.xml} or the environment would give a real deployment.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WarOnTomcatIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String GATEWAY_TOKEN = "cf-war-test-token";

    private FakeReplicate replicate;
    private FakeGateway gateway;
    private Tomcat tomcat;
    private Path base;
    private URI app;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void deploy() throws Exception {
        Path war = Path.of("target", "aigw-samples.war");
        assertThat(war).as("the packaged WAR (run after mvn package)").exists();
        replicate = FakeReplicate.start();
        replicate.model("acme/echo").tokens("deployed", " as", " a", " WAR");
        gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(GATEWAY_TOKEN).start();

        base = Files.createTempDirectory("samples-tomcat");
        Files.createDirectories(base.resolve("webapps"));
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        tomcat.setAddDefaultWebXmlToWebapp(false); // embedded Tomcat's defaults add a JSP servlet it cannot load
        Context ctx = tomcat.addWebapp("", war.toAbsolutePath().toString());
        if (ctx.getJarScanner() instanceof StandardJarScanner s) {
            s.setScanClassPath(false); // only the WAR's WEB-INF/lib, as in a real deployment
        }
        Map.of("aigw.base-url", gateway.baseUrl().toString(),
                "aigw.account-id", FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY,
                "aigw.token", GATEWAY_TOKEN,
                "aigw.proxy.replicate-token", FakeReplicate.DEFAULT_TOKEN,
                "replicate.api-token", FakeReplicate.DEFAULT_TOKEN,
                "samples.models", "acme/echo").forEach(ctx::addParameter);
        tomcat.start();
        assertThat(ctx.getState()).as("the WAR started").isEqualTo(LifecycleState.STARTED);
        app = URI.create("http://127.0.0.1:" + connector.getLocalPort());
    }

    @AfterAll
    void undeploy() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (replicate != null) {
            replicate.close();
        }
        if (base != null) {
            try (Stream<Path> files = Files.walk(base)) {
                files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
            }
        }
    }

    @Test
    void theDeployedWarServesThePageAndRoutesCallsThroughTheGateway() throws Exception {
        HttpResponse<String> page = send(HttpRequest.newBuilder(app.resolve("/")).GET(), null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("aigw demo");
        assertThat(send(HttpRequest.newBuilder(app.resolve("/api/config")).GET(), null).body())
                .contains("\"proxy\":\"/replicate\"", "acme/echo").doesNotContain(FakeReplicate.DEFAULT_TOKEN);

        HttpResponse<String> created = send(HttpRequest.newBuilder(app.resolve("/replicate/models/acme/echo/predictions"))
                .header("Content-Type", "application/json").header("Prefer", "wait")
                .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"prompt\":\"war\"}}")), "tomcat-user");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode prediction = JSON.readTree(created.body());
        assertThat(prediction.path("status").asText()).isEqualTo("succeeded");
        String id = prediction.path("id").asText();
        assertThat(prediction.at("/urls/get").asText()).isEqualTo(app + "/replicate/predictions/" + id);

        // the app's own JAX-RS call (looking the prediction up for its output stream) is routed too
        HttpResponse<String> stream = send(HttpRequest.newBuilder(app.resolve("/api/predictions/" + id + "/stream"))
                .GET(), "tomcat-user");
        assertThat(stream.statusCode()).isEqualTo(200);
        assertThat(stream.body()).contains("data: deployed", "data:  WAR", "event: done");

        assertThat(gateway.requests()).extracting(GatewayRequest::providerPath)
                .contains("/models/acme/echo/predictions", "/predictions/" + id);
        assertThat(gateway.requests()).allSatisfy(g -> {
            assertThat(g.metadata()).containsEntry("user_id", "tomcat-user");
            assertThat(g.header("Authorization")).isEqualTo("Bearer " + FakeReplicate.DEFAULT_TOKEN);
        });
        String calls = awaitCalls(2);
        assertThat(calls).contains("\"user\":\"tomcat-user\"", "\"source\":\"/replicate/*\"", "\"source\":\"/*\"");
    }

    private String awaitCalls(int n) throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        String body;
        do {
            body = send(HttpRequest.newBuilder(app.resolve("/api/calls")).GET(), null).body();
            if (JSON.readTree(body).size() >= n) {
                return body;
            }
            Thread.sleep(50);
        } while (System.nanoTime() < deadline);
        throw new AssertionError("fewer than " + n + " calls recorded: " + body);
    }

    private HttpResponse<String> send(HttpRequest.Builder b, String user) throws Exception {
        if (user != null) {
            b.header("X-Demo-User", user);
        }
        return http.send(b.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
