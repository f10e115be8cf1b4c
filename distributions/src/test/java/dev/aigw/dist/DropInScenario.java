package dev.aigw.dist;

import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.ReplicateWebhooks;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * What a team does with aigw on a standalone container, end to end: deploy an ordinary WAR (aigw's jars in
 * {@code WEB-INF/lib}, settings as context params), use it, undeploy it, deploy it again, stop the container; and
 * what must hold: the application's own JAX-RS call, the proxy (on Jetty's client, bundled as servlet/README.md
 * advises) and the webhook filter all work with the context params, a tampered webhook never reaches the application, one gateway and one "routing" line per deployment, and
 * after an undeploy no class loader of the application and no thread of aigw's is left (checked in the container's
 * heap), with no leak warning in the container's log.
 */
final class DropInScenario {
    static final String CONTEXT = "app";
    static final String PROBE = "/index.html";
    static final String GATEWAY_TOKEN = "cf-distribution-token";
    private static final Duration RELEASE_TIMEOUT = Duration.ofSeconds(30);
    /** Messages containers write when an application leaves something behind (Tomcat's leak detection). */
    private static final Pattern LEAK_WARNING = Pattern.compile(
            "(?i).*(failed to stop|memory leak|ThreadLocal with key|not been cleared|registered the JDBC driver"
                    + "|still running|leak).*");

    private DropInScenario() {
    }

    /** Runs the whole scenario; {@code installedBy} is "initializer" or "listener" (no initializers run). */
    static void run(Distribution container, String installedBy) throws Exception {
        try (FakeReplicate replicate = FakeReplicate.start();
             FakeGateway gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl())
                     .token(GATEWAY_TOKEN).start()) {
            replicate.model("acme/echo").output("hello from echo").bootTime(Duration.ofMillis(5))
                    .duration(Duration.ofMillis(5));
            Path war = TestWar.configure(Path.of(System.getProperty("dist.war")),
                    Files.createDirectories(container.base).resolve("configured.war"), Map.of(
                            "ACCOUNT", FakeGateway.DEFAULT_ACCOUNT,
                            "GATEWAY", FakeGateway.DEFAULT_GATEWAY,
                            "BASE_URL", gateway.baseUrl().toString(),
                            "GATEWAY_TOKEN", GATEWAY_TOKEN,
                            "REPLICATE_TOKEN", replicate.token(),
                            "WEBHOOK_SECRET", replicate.webhookSecret()));
            Timer t = new Timer(container.name);
            try (Distribution c = container.start()) {
                t.lap("started");
                Heap heap = new Heap(c.javaHome, c.pid());

                c.deploy(CONTEXT, war, PROBE);
                t.lap("deployed");
                use(c, gateway, replicate, 1);
                // which client the proxy's calls went out with: Jetty's (jetty-client in WEB-INF/lib), whose
                // threads the first proxied call started; the JDK's would be aigw-proxy-<n>
                List<String> upstream = heap.threads().stream().filter(n -> n.startsWith("aigw-proxy-")
                        && !n.equals("aigw-proxy-sweeper") && !n.equals("aigw-proxy-watch")).toList();
                assertThat(upstream).as("the proxy's upstream threads").isNotEmpty()
                        .allMatch(n -> n.startsWith("aigw-proxy-jetty"));
                t.lap("used (upstream: Jetty's client, threads " + upstream.size() + ")");
                c.undeploy(CONTEXT, PROBE);
                t.lap("undeployed");
                assertReleased(c, heap, 0);
                t.lap("released (heap and threads checked)");

                c.deploy(CONTEXT, war, PROBE);
                t.lap("redeployed");
                use(c, gateway, replicate, 2);
                t.lap("used");
                assertReleased(c, heap, 1);
                t.lap("first deployment still released");
            }
            t.lap("stopped");
            String log = container.log();
            assertThat(container.exitedCleanly()).as(container + " stopped on SIGTERM:\n" + log).isTrue();
            assertThat(count(log, "aigw: routing [replicate] through " + gateway.baseUrl()))
                    .as("one gateway, one 'aigw: routing' line per deployment:\n" + log).isEqualTo(2);
            assertThat(count(log, "aigw: webhook verification at /webhooks/replicate, request context [user_id, "
                    + "client, trace_id] on /*, Replicate proxy at /replicate/* in '/" + CONTEXT + "' (" + installedBy + ")"))
                    .as("filters installed once per deployment, by the " + installedBy + ":\n" + log).isEqualTo(2);
            List<String> warnings = log.lines().filter(l -> LEAK_WARNING.matcher(l).matches()).toList();
            assertThat(warnings).as("leak warnings in the container's log:\n" + log).isEmpty();
        }
    }

    /** The application's own call, the proxy and the webhook filter, with the context params' settings. */
    private static void use(Distribution c, FakeGateway gateway, FakeReplicate replicate, int round)
            throws Exception {
        gateway.clearRequests();
        URI app = c.url(CONTEXT);

        // the application's own JAX-RS call: routed, with the gateway token and the metadata of the context params
        HttpResponse<String> call = get(c, URI.create(app + "/call"));
        assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
        assertThat(call.body()).startsWith("201 ").contains("hello from echo");
        GatewayRequest routed = only(gateway, "/models/acme/echo/predictions");
        assertThat(routed.header("cf-aig-authorization")).isEqualTo("Bearer " + GATEWAY_TOKEN);
        assertThat(routed.metadata()).containsEntry("app", "distribution-test");

        // the proxy: the server's Replicate token, through the same gateway
        HttpResponse<String> proxied = get(c, URI.create(app + "/replicate/account"));
        assertThat(proxied.statusCode()).as(proxied.body()).isEqualTo(200);
        GatewayRequest account = only(gateway, "/account");
        assertThat(account.header("Authorization")).isEqualTo("Bearer " + replicate.token());
        assertThat(account.metadata()).containsEntry("app", "distribution-test");
        // both made by the same anonymous client: tagged by default with the same pseudonym, not its address
        assertThat(routed.metadata().get("client")).asString().matches("[0-9a-f]{16}")
                .isEqualTo(account.metadata().get("client"));

        // webhooks: a signed delivery reaches the application, a tampered one never does
        byte[] body = ("{\"id\":\"p" + round + "\",\"status\":\"succeeded\"}").getBytes(StandardCharsets.UTF_8);
        long ts = Instant.now().getEpochSecond();
        String id = "msg_" + c.name + "_" + round;
        String sig = ReplicateWebhooks.sign(replicate.webhookSecret(), id, ts, body);
        HttpResponse<String> ok = post(c, URI.create(app + "/webhooks/replicate"), id, ts, sig, body);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).isEqualTo("accepted " + body.length + " bytes");
        byte[] tampered = ("{\"id\":\"p" + round + "\",\"status\":\"succeeded\",\"x\":1}")
                .getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> forged = post(c, URI.create(app + "/webhooks/replicate"), id + "_t", ts, sig, tampered);
        assertThat(forged.statusCode()).as(forged.body()).isEqualTo(401);
        assertThat(forged.body()).doesNotContain("accepted");
    }

    /**
     * After a full collection, exactly {@code live} copies of the application (its marker class's static instance)
     * and of aigw's gateway are left; with none live, no aigw thread and no JDK HTTP client thread either.
     */
    private static void assertReleased(Distribution c, Heap heap, int live) throws Exception {
        long deadline = System.nanoTime() + RELEASE_TIMEOUT.toNanos();
        String state;
        while (true) {
            c.touch();
            long[] n = heap.instances("dev.aigw.dist.app.LoaderMarker", "dev.aigw.Gateway");
            List<String> threads = live > 0 ? List.of() : heap.threads().stream()
                    .filter(t -> t.startsWith("aigw-") || t.matches("HttpClient-\\d+-.*")).toList();
            boolean threadsOk = live > 0 || threads.isEmpty();
            state = "application class loaders " + n[0] + ", gateways " + n[1] + ", aigw threads " + threads;
            if (n[0] == live && n[1] == live && threadsOk) {
                return;
            }
            if (System.nanoTime() > deadline) {
                Path dump = heap.dump(c.base.resolve("leak.hprof"));
                fail(c + ": expected " + live + " live deployment(s) after undeploy and GC, found " + state
                        + " (heap dump: " + dump + ")\n" + c.log());
            }
            Thread.sleep(500);
        }
    }

    private static GatewayRequest only(FakeGateway gateway, String providerPath) {
        List<GatewayRequest> matching = gateway.requests().stream()
                .filter(r -> providerPath.equals(r.providerPath())).toList();
        assertThat(matching).as("gateway requests for " + providerPath + ": " + gateway.requests()).hasSize(1);
        return matching.get(0);
    }

    private static HttpResponse<String> get(Distribution c, URI uri) throws Exception {
        return c.http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static HttpResponse<String> post(Distribution c, URI uri, String id, long ts, String sig, byte[] body)
            throws Exception {
        return c.http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30))
                .header("webhook-id", id).header("webhook-timestamp", Long.toString(ts))
                .header("webhook-signature", sig).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static int count(String text, String needle) {
        int n = 0;
        for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + needle.length())) {
            n++;
        }
        return n;
    }

    /** Prints how long each step took (in the test's output file), to keep an eye on the suite's time budget. */
    private static final class Timer {
        private final String name;
        private final long start = System.nanoTime();
        private long last = start;

        Timer(String name) {
            this.name = name;
        }

        void lap(String step) {
            long now = System.nanoTime();
            System.out.printf("%s: %-40s %6d ms (total %6d ms)%n", name, step, (now - last) / 1_000_000,
                    (now - start) / 1_000_000);
            last = now;
        }
    }
}
