package dev.aigw.samples.embedded;

import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;

import java.net.URI;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The offline stand-ins for Replicate and Cloudflare AI Gateway: aigw's testkit fakes, on 127.0.0.1, with two
 * scripted models whose output streams in word by word. The fake gateway behaves as the real one does for the demo:
 * it needs its token, forwards to Replicate, logs each call with an id, and caches when asked.
 */
public final class DemoServices implements AutoCloseable {
    public static final String WEBHOOK_PATH = "/api/webhooks/replicate";
    static final String EXPLAINER = "aigw-demo/explainer";
    static final String HAIKU = "aigw-demo/haiku";

    private final FakeReplicate replicate;
    private final FakeGateway gateway;
    private final String gatewayToken;

    private DemoServices(FakeReplicate replicate, FakeGateway gateway, String gatewayToken) {
        this.replicate = replicate;
        this.gateway = gateway;
        this.gatewayToken = gatewayToken;
    }

    public static DemoServices start() {
        FakeReplicate replicate = FakeReplicate.start();
        replicate.model(EXPLAINER).description("Says where its own words travelled.")
                .bootTime(Duration.ofMillis(300)).duration(Duration.ofMillis(2500))
                .tokens(words("Your prompt left the page for the app's /replicate proxy. aigw added the server's "
                        + "Replicate token, tagged the call with your name, and sent it through the AI Gateway, "
                        + "which logged it and passed it on to Replicate. These words come back as server-sent "
                        + "events, relayed by the app as they arrive. Run the same prompt again: the gateway "
                        + "answers from its cache."));
        replicate.model(HAIKU).description("A haiku, slowly.")
                .bootTime(Duration.ofMillis(200)).duration(Duration.ofMillis(1800))
                .tokens(words("Calls leave the server\nthrough one gate, each one written\ndown: who, when, how long."));
        String token = "cf-demo-" + HexFormat.of().formatHex(new SecureRandom().generateSeed(8));
        FakeGateway gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(token).start();
        return new DemoServices(replicate, gateway, token);
    }

    /** The app's settings to use these services, for an app answering at {@code app}. */
    public Map<String, String> settings(URI app) {
        Map<String, String> s = new LinkedHashMap<>();
        s.put("samples.mode", "embedded: fake Replicate and fake AI Gateway on 127.0.0.1, no network");
        s.put("samples.models", EXPLAINER + ", " + HAIKU);
        s.put("samples.webhook-url", app + WEBHOOK_PATH);
        s.put("aigw.base-url", gateway.baseUrl().toString());
        s.put("aigw.account-id", FakeGateway.DEFAULT_ACCOUNT);
        s.put("aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY);
        s.put("aigw.token", gatewayToken);
        // Identical runs within five minutes are answered from the gateway's cache (polls never are: aigw skips
        // the cache for reads of a prediction).
        s.put("aigw.cache-ttl", "300");
        s.put("aigw.proxy.replicate-token", FakeReplicate.DEFAULT_TOKEN);
        s.put("replicate.api-token", FakeReplicate.DEFAULT_TOKEN);
        s.put("aigw.webhook.path", WEBHOOK_PATH);
        s.put("aigw.webhook.secret", replicate.webhookSecret());
        s.put("aigw.log", "off"); // the launcher prints its own line per call
        return s;
    }

    public FakeReplicate replicate() {
        return replicate;
    }

    public FakeGateway gateway() {
        return gateway;
    }

    @Override
    public void close() {
        gateway.close();
        replicate.close();
    }

    /** "a b c" → "a", " b", " c": the chunks a language model streams. */
    private static String[] words(String text) {
        return text.split("(?=[ \n])");
    }
}
