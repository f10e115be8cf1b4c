package dev.aigw.cluster;

import dev.aigw.ExchangeRecord;
import dev.aigw.servlet.containers.TomcatContainer;
import dev.aigw.servlet.suite.JettyEe10Container;
import dev.aigw.servlet.suite.ServletContainer;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.ReplicateWebhooks;
import jakarta.servlet.ServletContext;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Three instances of {@link ClusterApp} behind no load balancer but the test's own round robin: A on Jetty 12.1
 * (ee10), B on Tomcat 10.1, C on Jetty 12.1 again; in front of one fake gateway and fake Replicate.
 */
final class Cluster implements AutoCloseable {
    static final String CF_TOKEN = "cf-cluster-token";
    /** The metadata key of the principal: the request-context filter's default ({@code aigw.context.metadata}). */
    static final String USER_KEY = "user_id";
    static final String[] NAMES = {"A (jetty-12.1)", "B (tomcat-10.1)", "C (jetty-12.1)"};

    final FakeReplicate replicate;
    final FakeGateway gateway;
    final List<URI> apps = new ArrayList<>();
    private final List<ServletContainer> containers = new ArrayList<>();
    final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private int next;

    Cluster() throws Exception {
        replicate = FakeReplicate.builder().start();
        replicate.model("acme/echo").output("hello");
        gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(CF_TOKEN).start();
    }

    /** The gateway settings every instance shares (as init-params). */
    Map<String, String> gatewaySettings() {
        Map<String, String> m = new HashMap<>();
        m.put("aigw.base-url", gateway.baseUrl().toString());
        m.put("aigw.account-id", FakeGateway.DEFAULT_ACCOUNT);
        m.put("aigw.gateway-id", FakeGateway.DEFAULT_GATEWAY);
        m.put("aigw.token", CF_TOKEN);
        m.put("aigw.log", "off");
        return m;
    }

    /**
     * Starts the three instances; {@code app} makes instance {@code i}'s application and {@code params} its context
     * init-params.
     */
    void start(IntFunction<Map<String, String>> params, IntFunction<Consumer<ServletContext>> app) throws Exception {
        start(3, params, app);
    }

    /** Starts the first {@code instances} of the three (A, B, C). */
    void start(int instances, IntFunction<Map<String, String>> params, IntFunction<Consumer<ServletContext>> app)
            throws Exception {
        for (int i = 0; i < instances; i++) {
            ServletContainer c = i == 1 ? new TomcatContainer("tomcat-10.1") : new JettyEe10Container();
            containers.add(c);
            apps.add(c.start("/app", params.apply(i), new ClusterApp(app.apply(i))));
        }
    }

    /** The next instance, round robin. */
    int nextInstance() {
        return next++ % 3;
    }

    HttpResponse<String> proxied(int instance, String method, String path, String json, String user)
            throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(apps.get(instance) + "/replicate" + path))
                .timeout(Duration.ofSeconds(20)).header("X-Test-User", user)
                .method(method, json == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** A signed delivery of {@code body} as Replicate would send it. */
    record Delivery(String id, long timestamp, String body, String signature) {
    }

    Delivery delivery(String webhookId, String predictionId, String status) {
        String body = "{\"id\":\"" + predictionId + "\",\"model\":\"acme/echo\",\"status\":\"" + status
                + "\",\"output\":\"hello\",\"metrics\":{\"predict_time\":0.5}}";
        long ts = System.currentTimeMillis() / 1000;
        return new Delivery(webhookId, ts, body, ReplicateWebhooks.sign(replicate.webhookSecret(), webhookId, ts,
                body));
    }

    HttpResponse<String> deliver(int instance, Delivery d) throws Exception {
        HttpRequest r = HttpRequest.newBuilder(URI.create(apps.get(instance) + "/webhooks/replicate"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .header("webhook-id", d.id()).header("webhook-timestamp", Long.toString(d.timestamp()))
                .header("webhook-signature", d.signature())
                .POST(HttpRequest.BodyPublishers.ofString(d.body())).build();
        return http.send(r, HttpResponse.BodyHandlers.ofString());
    }

    /** The record of a webhook received by {@code instance}. */
    boolean receivedBy(ExchangeRecord r, int instance) {
        return "WEBHOOK".equals(r.method()) && r.routedUrl() != null
                && r.routedUrl().startsWith(apps.get(instance).toString());
    }

    static String field(String json, String name) {
        Matcher m = Pattern.compile("\"" + name + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
        return m.find() ? m.group(1) : null;
    }

    @Override
    public void close() throws Exception {
        Exception first = null;
        for (AutoCloseable c : containers) {
            try {
                c.close();
            } catch (Exception e) {
                first = first == null ? e : first;
            }
        }
        gateway.close();
        replicate.close();
        if (first != null) {
            throw first;
        }
    }
}
