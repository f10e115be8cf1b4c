package dev.aigw.reliability;

import dev.aigw.CallOptions;
import dev.aigw.Gateway;
import dev.aigw.GatewayContext;
import dev.aigw.jaxrs.AigwFeature;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.RefusingPort;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.ws.rs.client.Client;
import jakarta.ws.rs.client.ClientBuilder;
import jakarta.ws.rs.client.Entity;
import jakarta.ws.rs.core.Response;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.glassfish.jersey.client.ClientProperties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Secret hygiene: real calls through both paths, with distinctive credentials, succeed and fail in every way the
 * paths know; then every log line, console line, record, exception and proxy or webhook answer is searched for the
 * credentials in every form a leak takes. {@link #theScannerFindsASecretInEveryChannel} shows the search would see
 * a leak in each channel.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SecretHygieneTest {
    static final String REPLICATE_TOKEN = "r8_HygieneServerToken7Qx2Lw9Vb4";
    static final String CLIENT_TOKEN = "r8_HygieneBrowserToken3Mv8Kd1Tz6";
    static final String GATEWAY_TOKEN = "cfHygieneGatewayToken9Zk4Pq7Rn2";
    static final String WRONG_GATEWAY_TOKEN = "cfHygieneWrongToken5Hy3Jc8Ws1";
    static final String WEBHOOK_SECRET = "whsec_" + Base64.getEncoder().encodeToString(
            "hygiene-webhook-signing-key-0001".getBytes(StandardCharsets.US_ASCII));
    static final Map<String, String> SECRETS = Map.of("replicate token", REPLICATE_TOKEN, "browser token",
            CLIENT_TOKEN, "gateway token", GATEWAY_TOKEN, "wrong gateway token", WRONG_GATEWAY_TOKEN,
            "webhook secret", WEBHOOK_SECRET);

    private FakeReplicate replicate;
    private FakeGateway gateway;
    private Gateway aigw;
    private Gateway wrongTokenAigw;
    private Gateway deadAigw;
    private final RefusingPort nobody = RefusingPort.open();
    private Server server;
    private URI app;
    private Client jaxrs;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private volatile SecretScanner scanner;

    @BeforeAll
    void start() throws Exception {
        replicate = FakeReplicate.builder().token(REPLICATE_TOKEN).webhookSecret(WEBHOOK_SECRET).start();
        replicate.model("acme/echo").output("hello");
        gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(GATEWAY_TOKEN).start();
        aigw = gateway(gateway.baseUrl().toString(), GATEWAY_TOKEN);
        wrongTokenAigw = gateway(gateway.baseUrl().toString(), WRONG_GATEWAY_TOKEN);
        deadAigw = gateway(nobody.url("/v1").toString(), GATEWAY_TOKEN);

        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        connector.setPort(0);
        server.addConnector(connector);
        ServletContextHandler ctx = new ServletContextHandler();
        ctx.setContextPath("/app");
        proxy(ctx, "/replicate", AigwProxyFilter.builder().gateway(aigw).path("/replicate")
                .replicateToken(REPLICATE_TOKEN).timeout(Duration.ofSeconds(2)));
        proxy(ctx, "/wrong-token", AigwProxyFilter.builder().gateway(wrongTokenAigw).path("/wrong-token")
                .replicateToken(REPLICATE_TOKEN));
        proxy(ctx, "/hooked", AigwProxyFilter.builder().gateway(aigw).path("/hooked").replicateToken(REPLICATE_TOKEN)
                .webhookUrls("https://app.example.com/webhooks/replicate"));
        proxy(ctx, "/dead", AigwProxyFilter.builder().gateway(deadAigw).path("/dead").replicateToken(REPLICATE_TOKEN)
                .connectTimeout(Duration.ofSeconds(1)));
        FilterHolder webhook = new FilterHolder(AigwWebhookFilter.builder().secret(WEBHOOK_SECRET).gateway(aigw).build());
        webhook.setAsyncSupported(true);
        ctx.addFilter(webhook, "/webhooks/replicate", EnumSet.of(DispatcherType.REQUEST));
        ServletHolder receiver = new ServletHolder(new HttpServlet() {
            @Override
            protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
                req.getInputStream().readAllBytes();
                resp.setStatus(200);
            }
        });
        receiver.setAsyncSupported(true);
        ctx.addServlet(receiver, "/webhooks/replicate");
        server.setHandler(ctx);
        server.start();
        app = URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app");
        jaxrs = ClientBuilder.newClient().register(new AigwFeature(aigw))
                .property(ClientProperties.CONNECT_TIMEOUT, 10_000).property(ClientProperties.READ_TIMEOUT, 10_000);
    }

    private Gateway gateway(String base, String token) {
        return Gateway.builder().baseUrl(base).accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token(token).log(Gateway.Log.JSON)
                .listener(r -> {
                    SecretScanner s = scanner;
                    if (s != null) {
                        s.record(r);
                    }
                }).build();
    }

    private static void proxy(ServletContextHandler ctx, String path, AigwProxyFilter.Builder b) {
        FilterHolder h = new FilterHolder(b.access(r -> true, "anyone").build());
        h.setAsyncSupported(true);
        ctx.addFilter(h, path + "/*", EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC));
    }

    @AfterAll
    void stop() throws Exception {
        nobody.close();
        if (jaxrs != null) {
            jaxrs.close();
        }
        if (server != null) {
            server.stop();
        }
        for (AutoCloseable c : new AutoCloseable[] {aigw, wrongTokenAigw, deadAigw, gateway, replicate}) {
            if (c != null) {
                c.close();
            }
        }
    }

    @Test
    void noCredentialAppearsInAnyLogRecordExceptionOrAnswer() throws Exception {
        SecretScanner scanned;
        try (SecretScanner s = new SecretScanner(SECRETS)) {
            scanned = s;
            scanner = s;
            try {
                jaxrsCalls(s);
                proxyCalls(s);
                webhookCalls(s);
                awaitRecords(s, 2 * 12); // each record twice: toString and its JSON line
            } finally {
                scanner = null;
            }
            assertThat(s.findings()).as("secrets found").isEmpty();
            // the search had something to search in every channel aigw writes to
            assertThat(s.channelsSeen()).contains(SecretScanner.Channel.LOG, SecretScanner.Channel.RECORD,
                    SecretScanner.Channel.EXCEPTION, SecretScanner.Channel.RESPONSE);
        }
        StringBuilder tally = new StringBuilder("secret hygiene: searched");
        for (SecretScanner.Channel c : SecretScanner.Channel.values()) {
            tally.append(' ').append(c.name().toLowerCase(java.util.Locale.ROOT)).append('=').append(scanned.count(c));
        }
        System.out.println(tally.append(" for ").append(SECRETS.size()).append(" secrets in ")
                .append(SecretScanner.forms("whsec_x").size()).append(" forms each"));
    }

    /** The app's own Replicate token in Authorization, as an app sends it; aigw adds the gateway token. */
    private void jaxrsCalls(SecretScanner s) {
        String id = null;
        try (Response created = replicateCall("/predictions").post(Entity.json(
                "{\"version\":\"acme/echo\",\"input\":{\"prompt\":\"hi\"}}"))) {
            String body = created.readEntity(String.class);
            assertThat(created.getStatus()).isEqualTo(201);
            id = field(body, "id");
        }
        try (Response got = replicateCall("/predictions/" + id).get()) {
            assertThat(got.getStatus()).isEqualTo(200);
            got.readEntity(String.class);
        }
        // Replicate refuses a bad token; the gateway refuses a wrong gateway token (a separate client)
        try (Response refused = jaxrs.target("https://api.replicate.com/v1/account").request()
                .header("Authorization", "Bearer " + CLIENT_TOKEN).get()) {
            assertThat(refused.getStatus()).isEqualTo(401);
            refused.readEntity(String.class);
        }
        try (Client wrong = ClientBuilder.newClient().register(new AigwFeature(wrongTokenAigw))) {
            try (Response r = wrong.target("https://api.replicate.com/v1/account").request()
                    .header("Authorization", "Bearer " + REPLICATE_TOKEN).get()) {
                assertThat(r.getStatus()).isEqualTo(401);
                r.readEntity(String.class);
            }
        }
        // transport failures: reset, slower than the timeout, nothing listening
        gateway.faults().next(2).resetBeforeFirstByte();
        expectFailure(s, () -> replicateCall("/account").get().close());
        gateway.faults().next(1).latency(Duration.ofSeconds(4));
        try (Client impatient = ClientBuilder.newClient().register(new AigwFeature(aigw))
                .property(ClientProperties.READ_TIMEOUT, 1000)) {
            expectFailure(s, () -> impatient.target("https://api.replicate.com/v1/account").request()
                    .header("Authorization", "Bearer " + REPLICATE_TOKEN).get().close());
        }
        try (Client dead = ClientBuilder.newClient().register(new AigwFeature(deadAigw))
                .property(ClientProperties.CONNECT_TIMEOUT, 1000)) {
            expectFailure(s, () -> dead.target("https://api.replicate.com/v1/account").request()
                    .header("Authorization", "Bearer " + REPLICATE_TOKEN).get().close());
        }
        gateway.faults().clear();
    }

    private jakarta.ws.rs.client.Invocation.Builder replicateCall(String path) {
        return jaxrs.target("https://api.replicate.com/v1" + path).request()
                .header("Authorization", "Bearer " + REPLICATE_TOKEN);
    }

    private static void expectFailure(SecretScanner s, Runnable call) {
        try {
            call.run();
            throw new AssertionError("the call was expected to fail");
        } catch (RuntimeException e) {
            s.exception(e);
        }
    }

    /** A browser with its own token: the proxy sends the server's instead, and answers problems of its own. */
    private void proxyCalls(SecretScanner s) throws Exception {
        HttpResponse<String> created = proxied(s, "POST", "/replicate/predictions", "{\"version\":\"acme/echo\","
                + "\"input\":{\"prompt\":\"hi\"},\"webhook\":\"" + app + "/webhooks/replicate\","
                + "\"webhook_events_filter\":[\"completed\"]}");
        assertThat(created.statusCode()).isEqualTo(201);
        assertThat(proxied(s, "GET", "/replicate/predictions/" + field(created.body(), "id"), null).statusCode())
                .isEqualTo(200);
        assertThat(proxied(s, "GET", "/replicate/webhooks/default/secret", null).statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(proxied(s, "GET", "/wrong-token/account", null).statusCode()).isEqualTo(401);
        gateway.faults().next(2).resetBeforeFirstByte(); // two: the JDK client retries an idempotent GET once
        assertThat(proxied(s, "GET", "/replicate/account", null).statusCode()).isEqualTo(502);
        gateway.faults().clear(); // Jetty's client retries nothing: the second reset is left over
        gateway.faults().next(1).latency(Duration.ofSeconds(4));
        assertThat(proxied(s, "GET", "/replicate/account", null).statusCode()).isEqualTo(504);
        assertThat(proxied(s, "GET", "/dead/account", null).statusCode()).isEqualTo(502);
        gateway.faults().clear();
        // a webhook URL carrying a credential, off the webhook allowlist or not canonical: refused without repeating it
        assertThat(proxied(s, "POST", "/hooked/predictions", "{\"version\":\"acme/echo\",\"input\":{},"
                + "\"webhook\":\"https://evil.example/collect?key=" + WRONG_GATEWAY_TOKEN + "\"}").statusCode())
                .isEqualTo(403);
        // a receiver's key in the path (Zapier's /hooks/catch/<id>/<key>): the 403 and its record name the origin only
        assertThat(proxied(s, "POST", "/hooked/predictions", "{\"version\":\"acme/echo\",\"input\":{},"
                + "\"webhook\":\"https://evil.example/hooks/catch/1/" + WRONG_GATEWAY_TOKEN + "\"}").statusCode())
                .isEqualTo(403);
        assertThat(proxied(s, "POST", "/hooked/predictions", "{\"version\":\"acme/echo\",\"input\":{},"
                + "\"webhook\":\"https://u:" + WRONG_GATEWAY_TOKEN + "@app.example.com/webhooks/replicate\"}")
                .statusCode()).isEqualTo(400);
        expectFailure(s, () -> AigwProxyFilter.builder().webhookUrls("https://app.example.com/webhooks/replicate "
                + "https://u:" + WRONG_GATEWAY_TOKEN + "@app.example.com/webhooks/replicate"));
        // the webhook Replicate sends for the prediction above reaches the app verified
        assertThat(replicate.awaitWebhookDeliveries(1, Duration.ofSeconds(10))).anySatisfy(
                d -> assertThat(d.status()).isEqualTo(200));
    }

    private HttpResponse<String> proxied(SecretScanner s, String method, String path, String json) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(app + path)).timeout(Duration.ofSeconds(10))
                .header("Authorization", "Bearer " + CLIENT_TOKEN).method(method, json == null
                        ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        s.response(r);
        return r;
    }

    /** Tampered, stale and replayed webhooks, each answered by the filter. */
    private void webhookCalls(SecretScanner s) throws Exception {
        String body = "{\"id\":\"hyg1\",\"status\":\"succeeded\",\"model\":\"acme/echo\"}";
        long now = System.currentTimeMillis() / 1000;
        assertThat(webhook(s, "msg_hyg_1", now, body, body).statusCode()).isEqualTo(200);
        HttpResponse<String> replay = webhook(s, "msg_hyg_1", now, body, body);
        assertThat(replay.headers().firstValue("aigw-webhook")).as("replay").hasValue("duplicate");
        assertThat(webhook(s, "msg_hyg_2", now, body, body.replace("succeeded", "failed")).statusCode()).isEqualTo(401);
        assertThat(webhook(s, "msg_hyg_3", now - 3600, body, body).statusCode()).isEqualTo(401);
    }

    private HttpResponse<String> webhook(SecretScanner s, String id, long timestamp, String signed, String sent)
            throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(WEBHOOK_SECRET.substring(6)), "HmacSHA256"));
        String signature = Base64.getEncoder().encodeToString(mac.doFinal((id + "." + timestamp + "." + signed)
                .getBytes(StandardCharsets.UTF_8)));
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app + "/webhooks/replicate"))
                .header("webhook-id", id).header("webhook-timestamp", Long.toString(timestamp))
                .header("webhook-signature", "v1," + signature).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(sent)).build(), HttpResponse.BodyHandlers.ofString());
        s.response(r);
        return r;
    }

    /** Records are delivered on the dispatcher thread: wait for at least so many, then until no more come. */
    private static void awaitRecords(SecretScanner s, int atLeast) throws InterruptedException {
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int seen = -1;
        while (System.nanoTime() < end) {
            int now = s.count(SecretScanner.Channel.RECORD);
            if (now >= atLeast && now == seen) {
                return;
            }
            seen = now;
            Thread.sleep(300);
        }
        throw new AssertionError("only " + seen + " record lines arrived, expected at least " + atLeast);
    }

    @Test
    void theScannerFindsASecretInEveryChannel() throws Exception {
        String planted = "r8_PlantedToken4Gd7Ne2Yq5";
        try (SecretScanner s = new SecretScanner(Map.of("planted", planted))) {
            scanner = s;
            try {
                // LOG: a line through System.Logger, as aigw logs
                System.getLogger("dev.aigw.test").log(System.Logger.Level.DEBUG, "planted " + planted);
                // CONSOLE: Base64 on stderr
                System.err.println(Base64.getEncoder().encodeToString(planted.getBytes(StandardCharsets.UTF_8)));
                // RECORD: a real call whose metadata carries the value
                try (GatewayContext.Scope scope = GatewayContext.open(CallOptions.builder()
                        .metadata("note", planted).build());
                     Response r = replicateCall("/account").get()) {
                    r.readEntity(String.class);
                }
                // EXCEPTION: in a cause, URL-encoded
                s.exception(new IOException("outer", new IllegalStateException("inner "
                        + java.net.URLEncoder.encode(planted + "/x", StandardCharsets.UTF_8))));
                // RESPONSE: a prediction input echoed back through the proxy
                proxied(s, "POST", "/replicate/predictions", "{\"version\":\"acme/echo\",\"input\":{\"prompt\":\""
                        + planted + "\"}}");
                long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                while (System.nanoTime() < end && s.count(SecretScanner.Channel.RECORD) < 4) {
                    Thread.sleep(20);
                }
            } finally {
                scanner = null;
            }
            List<SecretScanner.Finding> found = s.findings();
            assertThat(found).extracting(SecretScanner.Finding::channel).contains(SecretScanner.Channel.values());
            assertThat(found).extracting(SecretScanner.Finding::form).contains("as is", "base64", "url-encoded");
        }
    }

    private static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }
}
