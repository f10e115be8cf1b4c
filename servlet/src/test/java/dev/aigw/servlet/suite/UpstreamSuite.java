package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.servlet.PredictionCreators;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletRegistration;
import dev.aigw.Gateway;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.RefusingPort;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The shared container suite's base: what every test needs, and the groups that exercise the proxy's upstream
 * client (proxy, bad input, security, exhaustion), which {@link JdkUpstreamSuite} runs a second time with the JDK's
 * client on one Jetty and one Tomcat. {@link ContainerSuite} adds the groups the upstream client plays no part in.
 * One set of tests, run on every container by one small subclass per container
 * ({@link #container()}). Everything is real: the container on loopback, the JDK HTTP client, the testkit's fake
 * Replicate and fake gateway. This class owns them (started once per container) and the helpers; the tests live in
 * groups ({@link SuiteGroup}, one file each), which it runs as the {@code @Nested} classes at its end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class UpstreamSuite {
    protected static final String CF_TOKEN = "cf-suite-token";
    protected static final Duration WAIT = Duration.ofSeconds(20);

    protected FakeReplicate replicate;
    protected FakeGateway gateway;
    protected Gateway aigw;
    /** A second gateway whose replicate route points at the fake's event streams (see ProxyTests). */
    protected FakeGateway streamGateway;
    protected Gateway streamAigw;
    /** A gateway on a raw socket whose answers' fields tests script byte for byte (AnswerHeaderTests). */
    protected RawUpstream rawUpstream;
    protected Gateway rawAigw;
    /** A gateway address nothing listens on. */
    protected Gateway deadAigw;
    /** Where the {@code /hooked-proxy} lets webhooks go: a port that refuses the fake Replicate's deliveries. */
    protected RefusingPort hookTarget;
    protected final List<ExchangeRecord> records = new CopyOnWriteArrayList<>();
    protected ServletContainer container;
    protected URI app;
    protected HttpClient http;

    /** The container under test, not started. */
    protected abstract ServletContainer container();

    /**
     * The proxies' {@code aigw.proxy.upstream}: {@code auto} unless {@link JdkUpstreamSuite} or
     * {@code -Daigw.suite.upstream} says otherwise.
     */
    protected String upstream() {
        return System.getProperty("aigw.suite.upstream", "auto");
    }

    /** The client {@link #upstream()} comes to on this class path: {@code jetty} or {@code jdk}. */
    protected final String upstreamClient() {
        return dev.aigw.servlet.internal.proxy.Upstream.resolve(upstream(), false);
    }

    /** The webhook test vector of Replicate's spec §6. */
    protected static final String VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    protected static final long VECTOR_TIMESTAMP = 1614265330L;

    protected final PredictionCreators creators = new PredictionCreators();
    protected final WebhookReceiver webhooks = new WebhookReceiver();
    /** In front of aigw's filters on the paths ExhaustionTests parks clients at. */
    protected final ChainGauge gauge = new ChainGauge();

    /** aigw's filters and the application's webhook handler, registered as an application would. */
    protected void configure(ServletContext ctx) {
        FilterRegistration.Dynamic g = ctx.addFilter("chain-gauge", gauge); // first: before aigw's filters
        g.setAsyncSupported(true);
        g.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, "/webhooks/parked", "/roomy-proxy/*",
                "/webhooks/budget", "/webhooks/budget-slow");
        webhook(ctx, "aigw-webhook", "/webhooks/replicate", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()).gateway(aigw).creators(creators).maxBodyBytes(64 * 1024));
        // a chain that is not async-supported, as in older applications: an application filter declared without
        // asyncSupported in front of aigw's, so that these filters read bodies blocking (WebhookTests). Their budget
        // is one body: a share not given back would refuse every later delivery
        FilterRegistration.Dynamic legacy = ctx.addFilter("legacy",
                (jakarta.servlet.Filter) (rq, rs, ch) -> ch.doFilter(rq, rs));
        legacy.setAsyncSupported(false);
        legacy.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), false, BLOCKING + "/*");
        webhook(ctx, "aigw-webhook-blocking", BLOCKING + "/replicate", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()).gateway(aigw).creators(creators).maxBodyBytes(64 * 1024)
                .maxUnverifiedBytes(64 * 1024));
        webhook(ctx, "aigw-webhook-blocking-vector", BLOCKING + "/vector", AigwWebhookFilter.builder()
                .secret(VECTOR_SECRET).clock(Clock.fixed(Instant.ofEpochSecond(VECTOR_TIMESTAMP), ZoneOffset.UTC)));
        webhook(ctx, "aigw-webhook-blocking-slow", BLOCKING + "/slow", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()).maxBodyBytes(64 * 1024).maxUnverifiedBytes(64 * 1024)
                .readLimits(Duration.ofSeconds(2), 4096));
        webhook(ctx, "aigw-webhook-vector", "/webhooks/vector", AigwWebhookFilter.builder().secret(VECTOR_SECRET)
                .clock(Clock.fixed(Instant.ofEpochSecond(VECTOR_TIMESTAMP), ZoneOffset.UTC)));
        webhook(ctx, "aigw-webhook-slow", "/webhooks/slow", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()).readLimits(Duration.ofSeconds(2), 4096));
        webhook(ctx, "aigw-webhook-parked", "/webhooks/parked", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()).readLimits(Duration.ofSeconds(90), 1)); // senders may stop a while
        webhook(ctx, "aigw-webhook-budget", "/webhooks/budget", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()).gateway(aigw).maxBodyBytes(64 * 1024)
                .maxUnverifiedBytes(BUDGET).readLimits(Duration.ofSeconds(90), 1)); // WebhookTests
        webhook(ctx, "aigw-webhook-budget-slow", "/webhooks/budget-slow", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()).maxBodyBytes(64 * 1024).maxUnverifiedBytes(BUDGET)
                .readLimits(Duration.ofSeconds(1), 1));
        proxy(ctx, "aigw-proxy", "/replicate", AigwProxyFilter.builder().gateway(aigw).path("/replicate")
                .replicateToken(replicate.token()).models("acme/*, deployments/acme/prod, " + LISTED_VERSION).rateLimit("20/min"));
        // paths spelling Replicate's words with capitals are the application's own: they work (Proxy-, WebhookTests)
        proxy(ctx, "aigw-proxy-capitals", "/Predictions", AigwProxyFilter.builder().gateway(aigw).path("/Predictions")
                .replicateToken(replicate.token()).access(r -> true, "anyone"));
        webhook(ctx, "aigw-webhook-capitals", "/Webhooks/Default", AigwWebhookFilter.builder()
                .secret(replicate.webhookSecret()));
        proxy(ctx, "aigw-proxy-stream", "/stream-proxy", AigwProxyFilter.builder().gateway(streamAigw)
                .path("/stream-proxy").replicateToken(replicate.token()));
        proxy(ctx, "aigw-proxy-passthrough", "/passthrough", AigwProxyFilter.builder().gateway(aigw)
                .path("/passthrough").access(r -> true, "anyone"));
        proxy(ctx, "aigw-proxy-dead", "/dead-proxy", AigwProxyFilter.builder().gateway(deadAigw).path("/dead-proxy")
                .replicateToken(replicate.token()).connectTimeout(Duration.ofSeconds(2)));
        proxy(ctx, "aigw-proxy-slow", "/slow-proxy", AigwProxyFilter.builder().gateway(aigw).path("/slow-proxy")
                .replicateToken(replicate.token()).timeout(Duration.ofMillis(500)));
        proxy(ctx, "aigw-proxy-guarded", "/guarded-proxy", AigwProxyFilter.builder().gateway(aigw)
                .path("/guarded-proxy").replicateToken(replicate.token()).access(r -> true, "anyone")
                .maxConcurrent(CAP_TOTAL, CAP_PER_USER));
        proxy(ctx, "aigw-proxy-roomy", "/roomy-proxy", AigwProxyFilter.builder().gateway(aigw).path("/roomy-proxy")
                .replicateToken(replicate.token()).access(r -> true, "anyone").maxConcurrent(256, 256));
        proxy(ctx, "aigw-proxy-keyed", "/keyed-proxy", AigwProxyFilter.builder().gateway(aigw).path("/keyed-proxy")
                .replicateToken(replicate.token()).access(r -> true, "anyone").trustedProxies("127.0.0.1, ::1")
                .rateLimit("3/min"));
        proxy(ctx, "aigw-proxy-xf", "/xf-proxy", AigwProxyFilter.builder().gateway(aigw).path("/xf-proxy")
                .replicateToken(replicate.token()).access(r -> true, "anyone").trustedProxies("127.0.0.1, ::1")
                .trustedHeaders("x-forwarded").rateLimit("2/min"));
        // a public URL set, as in production: its answers do not depend on the request's Host (SecurityTests)
        proxy(ctx, "aigw-proxy-public", "/public-proxy", AigwProxyFilter.builder().gateway(aigw).path("/public-proxy")
                .replicateToken(replicate.token()).publicUrl("https://app.example/app/public-proxy"));
        proxy(ctx, "aigw-proxy-raw", "/raw-proxy", AigwProxyFilter.builder().gateway(rawAigw).path("/raw-proxy")
                .replicateToken(replicate.token()).access(r -> true, "anyone"));
        // webhook allowlists (WebhookUrlTests): with the model allowlist in one body pass, and none at all
        proxy(ctx, "aigw-proxy-hooked", "/hooked-proxy", AigwProxyFilter.builder().gateway(aigw).path("/hooked-proxy")
                .replicateToken(replicate.token()).access(r -> true, "anyone").models("acme/*")
                .webhookUrls(HOOKS + " " + hookTarget.url("/hooks/replicate")));
        // an application's own path rule in its access check (README: "a Predicate can also refuse paths")
        proxy(ctx, "aigw-proxy-narrow", "/narrow-proxy", AigwProxyFilter.builder().gateway(aigw).path("/narrow-proxy")
                .replicateToken(replicate.token()).access(r -> !r.getRequestURI().contains("/deployments"),
                        "anyone, not deployments"));
        proxy(ctx, "aigw-proxy-hookless", "/hookless-proxy", AigwProxyFilter.builder().gateway(aigw)
                .path("/hookless-proxy").replicateToken(replicate.token()).access(r -> true, "anyone")
                .webhookUrls("none"));
        proxy(ctx, "aigw-proxy-guarded-stream", "/guarded-stream", AigwProxyFilter.builder().gateway(streamAigw)
                .path("/guarded-stream").replicateToken(replicate.token()).idleTimeout(Duration.ofSeconds(1)));
        stoppedProxy = AigwProxyFilter.builder().gateway(aigw).path("/stopped-proxy").replicateToken(replicate.token())
                .access(r -> true, "anyone").upstream(upstream()).build();
        FilterRegistration.Dynamic stopped = ctx.addFilter("aigw-proxy-stopped", stoppedProxy);
        stopped.setAsyncSupported(true);
        stopped.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true,
                "/stopped-proxy/*");
        ServletRegistration.Dynamic receiver = ctx.addServlet("webhook-receiver", webhooks);
        receiver.setAsyncSupported(true);
        // wider than the filters' paths, as applications map handlers: the filter must still guard every spelling
        receiver.addMapping("/webhooks/*", "/Webhooks/*");
    }

    /** The {@code /stopped-proxy} instance, which ProxyTests destroys while requests still reach it. */
    protected AigwProxyFilter stoppedProxy;

    /** The version id on the {@code /replicate} proxy's allowlist (SecurityTests). */
    protected static final String LISTED_VERSION = "ab".repeat(32);

    /** The first entry of the {@code /hooked-proxy}'s webhook allowlist (WebhookUrlTests). */
    protected static final String HOOKS = "https://app.example.com/replicate/webhook";

    /** Where webhook filters sit behind an application filter that is not async-supported (WebhookTests). */
    protected static final String BLOCKING = "/webhooks/blocking";

    /** {@code aigw.webhook.max-unverified-bytes} of the {@code /webhooks/budget} filter (WebhookTests). */
    protected static final int BUDGET = 128 * 1024;

    /** Caps of the {@code /guarded-proxy} instance (SecurityTests). */
    protected static final int CAP_TOTAL = 6;
    protected static final int CAP_PER_USER = 3;

    private static void webhook(ServletContext ctx, String name, String path, AigwWebhookFilter.Builder b) {
        FilterRegistration.Dynamic r = ctx.addFilter(name, b.path(path).build());
        r.setAsyncSupported(true);
        r.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), false, path, path + "/*");
    }

    private void proxy(ServletContext ctx, String name, String path, AigwProxyFilter.Builder b) {
        FilterRegistration.Dynamic r = ctx.addFilter(name, b.upstream(upstream()).build());
        r.setAsyncSupported(true);
        r.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true, path + "/*");
    }

    /** Context init-params of the test application. */
    protected Map<String, String> initParams() {
        return Map.of();
    }

    @BeforeAll
    void startAll() throws Exception {
        replicate = FakeReplicate.builder().start();
        replicate.model("acme/echo").output("hello");
        gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(CF_TOKEN).decodePaths()
                .start(); // acts on what a path means, as a normalising server: spelling tricks would work there
        aigw = Gateway.builder().baseUrl(gateway.baseUrl().toString()).accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token(CF_TOKEN).log(Gateway.Log.OFF)
                .listener(records::add).listener(creators).build();
        streamGateway = FakeGateway.builder().provider("replicate",
                java.net.URI.create("http://127.0.0.1:" + replicate.port() + "/stream/v1")).token(CF_TOKEN).start();
        streamAigw = Gateway.builder().baseUrl(streamGateway.baseUrl().toString())
                .accountId(FakeGateway.DEFAULT_ACCOUNT).gatewayId(FakeGateway.DEFAULT_GATEWAY).token(CF_TOKEN)
                .log(Gateway.Log.OFF).listener(records::add).build();
        rawUpstream = new RawUpstream();
        rawAigw = Gateway.builder().baseUrl(rawUpstream.baseUrl().toString()).accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token(CF_TOKEN).log(Gateway.Log.OFF).build();
        hookTarget = RefusingPort.open();
        int deadPort;
        try (java.net.ServerSocket ss = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = ss.getLocalPort();
        }
        deadAigw = Gateway.builder().baseUrl("http://127.0.0.1:" + deadPort + "/v1")
                .accountId(FakeGateway.DEFAULT_ACCOUNT).gatewayId(FakeGateway.DEFAULT_GATEWAY).token(CF_TOKEN)
                .log(Gateway.Log.OFF).listener(records::add).build();
        container = container();
        app = container.start("/app", initParams(), new SuiteApp(aigw, replicate.token(), this::configure));
    }

    @AfterAll
    void stopAll() throws Exception {
        if (container != null) {
            container.close();
        }
        if (aigw != null) {
            aigw.close();
        }
        for (AutoCloseable c : new AutoCloseable[]{streamAigw, deadAigw, rawAigw, rawUpstream, streamGateway,
                gateway, hookTarget}) {
            if (c != null) {
                c.close();
            }
        }
        if (replicate != null) {
            replicate.close();
        }
    }

    @BeforeEach
    void resetFakes() {
        // a fresh client per test: no keep-alive connection carries one test's state into the next
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
        replicate.reset();
        gateway.reset();
        streamGateway.reset();
        rawUpstream.reset();
        records.clear();
        webhooks.received.clear();
        webhooks.answer.set(200);
        gauge.reset();
    }

    protected HttpRequest.Builder request(String path, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(app + path)).timeout(WAIT);
        for (int i = 0; i < headers.length; i += 2) {
            b.header(headers[i], headers[i + 1]);
        }
        return b;
    }

    protected HttpResponse<String> get(String path, String... headers) throws Exception {
        return http.send(request(path, headers).GET().build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Creates a prediction at the fake Replicate directly (not through aigw); returns its id. */
    protected String createDirectly(String model) throws Exception {
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(replicate.baseUrl() + "/predictions"))
                .header("Authorization", "Bearer " + replicate.token()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"version\":\"" + model + "\",\"input\":{}}")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 201) {
            throw new AssertionError("create failed: " + r.statusCode() + " " + r.body());
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"id\"\\s*:\\s*\"([^\"]*)\"").matcher(r.body());
        return m.find() ? m.group(1) : null;
    }

    /** The first record whose URL ends with {@code urlSuffix}, waiting for it. */
    protected ExchangeRecord awaitRecord(String urlSuffix) throws InterruptedException {
        return awaitRecord(urlSuffix, r -> true);
    }

    /**
     * The first record for {@code urlSuffix} that is {@code ours}: a call of an earlier test may still be recorded
     * after this test began (the answer completes before its record is handed on).
     */
    protected ExchangeRecord awaitRecord(String urlSuffix, java.util.function.Predicate<ExchangeRecord> ours)
            throws InterruptedException {
        long end = System.nanoTime() + WAIT.toNanos();
        while (System.nanoTime() < end) {
            for (ExchangeRecord r : records) {
                if (r.url() != null && r.url().endsWith(urlSuffix) && ours.test(r)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no record for " + urlSuffix + " in " + records);
    }

    /** Gateway requests whose metadata has {@code key = value}. */
    protected List<GatewayRequest> gatewayRequestsWith(String key, Object value) {
        return gateway.requests().stream().filter(r -> value.equals(r.metadata().get(key))).toList();
    }

    // The groups that exercise the proxy's upstream client. JUnit finds inherited @Nested classes, so each
    // subclass runs them (and ContainerSuite's too).

    @Nested
    class Proxy extends ProxyTests {
        Proxy() {
            super(UpstreamSuite.this);
        }
    }

    @Nested
    class BadInput extends BadInputTests {
        BadInput() {
            super(UpstreamSuite.this);
        }
    }

    @Nested
    class Security extends SecurityTests {
        Security() {
            super(UpstreamSuite.this);
        }
    }

    @Nested
    class AnswerHeaders extends AnswerHeaderTests {
        AnswerHeaders() {
            super(UpstreamSuite.this);
        }
    }

    @Nested
    class Exhaustion extends ExhaustionTests {
        Exhaustion() {
            super(UpstreamSuite.this);
        }
    }

    @Nested
    class WebhookAllowlist extends WebhookUrlTests {
        WebhookAllowlist() {
            super(UpstreamSuite.this);
        }
    }
}
