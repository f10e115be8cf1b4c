package dev.aigw.servlet;

import dev.aigw.Exchange;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.internal.GatewayScope;
import jakarta.servlet.ServletContainerInitializer;
import jakarta.servlet.ServletContext;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * aigw's life in one web application (embedded Jetty ee10, with a class loader of the application's own, as a
 * deployed WAR has): installed once whether the initializer, the web-fragment listener or both run; one gateway,
 * shared with the application's JAX-RS clients through its class loader; everything released when it stops.
 */
class LifecycleTest {
    private static final String WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final URI CREATE = URI.create("https://api.replicate.com/v1/predictions");
    private static final Map<String, String> SETTINGS = Map.of(
            "aigw.base-url", "https://ai.example.test",
            "aigw.webhook.path", "/webhooks/replicate",
            "aigw.webhook.secret", WEBHOOK_SECRET);

    private final ClassLoader appLoader = new URLClassLoader(new URL[0], getClass().getClassLoader());
    private Server server;
    private ServletContextHandler context;

    private URI start(Map<String, String> settings, boolean initializer, boolean fragmentListener,
                      ServletContainerInitializer before) throws Exception {
        server = new Server();
        ServerConnector connector = new ServerConnector(server);
        connector.setHost("127.0.0.1");
        server.addConnector(connector);
        context = new ServletContextHandler();
        context.setContextPath("/app");
        context.setClassLoader(appLoader);
        settings.forEach(context::setInitParameter);
        if (before != null) {
            context.addServletContainerInitializer(before);
        }
        if (initializer) {
            context.addServletContainerInitializer(new AigwInitializer());
        }
        if (fragmentListener) {
            context.addEventListener(new AigwListener()); // as declared in web-fragment.xml
        }
        server.setHandler(context);
        server.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/app");
    }

    @AfterEach
    void stop() throws Exception {
        if (server != null) {
            server.stop();
        }
    }

    @Test
    void initializerAndListenerInstallOnceAndTheApplicationsEndReleasesEverything() throws Exception {
        start(SETTINGS, true, true, null);
        ServletContext ctx = context.getServletContext();
        assertThat(ctx.getFilterRegistrations()).containsOnlyKeys("aigw-webhook", "aigw-context");
        Gateway shared = (Gateway) ctx.getAttribute(AigwInitializer.GATEWAY_ATTRIBUTE);
        GatewayScope scope = GatewayScope.find(appLoader);
        assertThat(scope.bound()).isTrue();
        assertThat(scope.gateway(Map.of())).as("the application's JAX-RS clients get the filters' gateway")
                .isSameAs(shared);
        Gateway own = scope.gateway(Map.of("aigw.cache-ttl", "120"));
        Set<Thread> before = recordThreads();
        emit(shared);
        emit(own);
        Set<Thread> recordThreads = recordThreads();
        recordThreads.removeAll(before);
        assertThat(recordThreads).as("one record thread per gateway that recorded something").hasSize(2);

        server.stop();
        for (Thread t : recordThreads) {
            t.join(5000);
            assertThat(t.isAlive()).as("record thread ended with the application").isFalse();
        }
        assertThat(GatewayScope.find(appLoader)).as("unbound").isSameAs(GatewayScope.process());
        assertThat(ctx.getAttribute(AigwInitializer.GATEWAY_ATTRIBUTE)).isNull();
    }

    @Test
    void withoutAnInitializerTheWebFragmentListenerInstallsAndTheWebhookNeverFailsOpen() throws Exception {
        URI app = start(SETTINGS, false, true, null);
        assertThat(context.getServletContext().getFilterRegistrations()).containsKey("aigw-webhook");
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(app + "/webhooks/replicate")).header("webhook-id", "msg_1")
                .header("webhook-timestamp", Long.toString(System.currentTimeMillis() / 1000))
                .header("webhook-signature", "v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
                .POST(HttpRequest.BodyPublishers.ofString("{\"id\":\"p\"}")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
        assertThat(GatewayScope.find(appLoader).bound()).isTrue();
    }

    @Test
    void anApplicationsOwnGatewayIsSharedAndLeftToTheApplication() throws Exception {
        BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
        Gateway appGateway = Gateway.builder().baseUrl("https://ai.example.test").listener(records::add).build();
        try {
            start(SETTINGS, true, true, (classes, ctx) -> ctx.setAttribute(AigwInitializer.GATEWAY_ATTRIBUTE,
                    appGateway));
            assertThat(GatewayScope.find(appLoader).gateway(Map.of())).isSameAs(appGateway);
            server.stop();
            emit(appGateway);
            assertThat(records.poll(5, TimeUnit.SECONDS)).as("still open: the application closes it").isNotNull();
        } finally {
            appGateway.close();
        }
    }

    @Test
    void aStartThatFailsLeavesNothingBound() {
        Map<String, String> bad = Map.of("aigw.base-url", "https://ai.example.test",
                "aigw.webhook.path", "/webhooks/replicate", "aigw.webhook.secret", "not-a-secret");
        assertThatThrownBy(() -> start(bad, true, true, null)).isInstanceOf(GatewayConfigurationException.class)
                .hasMessageContaining("aigw.webhook.secret");
        assertThat(GatewayScope.find(appLoader)).isSameAs(GatewayScope.process());
    }

    /**
     * The proxy's own timer threads are started from threads that may carry the application's class loader as their
     * context loader (the sweeper's from a request thread; the client watch's, with the first call that waits, from
     * the sweeper's): neither keeps it.
     */
    @Test
    void theProxysTimerThreadsStartedFromARequestDoNotCarryTheApplicationsLoader() throws Exception {
        assumeClientWatch();
        try (dev.aigw.testkit.FakeGateway gateway = dev.aigw.testkit.FakeGateway.builder()
                .provider("replicate", URI.create("http://127.0.0.1:9/v1")).start()) {
            Set<Thread> before = threads("aigw-proxy-");
            URI app = startProxyApp(gateway);
            gateway.faults().next(1).hold(java.time.Duration.ofMinutes(2)); // the call waits: the watch starts
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            java.util.concurrent.CompletableFuture<HttpResponse<String>> call = http.sendAsync(HttpRequest.newBuilder(
                    URI.create(app + "/replicate/account")).build(), HttpResponse.BodyHandlers.ofString());
            gateway.awaitRequests(1, java.time.Duration.ofSeconds(20));
            Set<Thread> started = awaitNew("aigw-proxy-watch", before);
            assertThat(started).as("the watch's thread, started by the waiting call").isNotEmpty();
            started.addAll(threads("aigw-proxy-sweeper"));
            started.removeAll(before);
            assertThat(started).allSatisfy(t -> assertThat(t.getContextClassLoader()).as(t.getName())
                    .isNotSameAs(appLoader));
            call.cancel(true);
            gateway.reset(); // answers the held call
        }
    }

    /**
     * A call answered at once never starts the client watch: only a call still waiting for its head after
     * {@code ClientWatch.AFTER_NANOS} is watched (the thread exists only while calls are watched), so under a steady
     * load of quick calls the connection tables are never read.
     */
    @Test
    void callsAnsweredAtOnceStartNoClientWatch() throws Exception {
        assumeClientWatch();
        try (dev.aigw.testkit.FakeGateway gateway = dev.aigw.testkit.FakeGateway.builder()
                .provider("replicate", URI.create("http://127.0.0.1:9/v1")).start()) {
            Set<Thread> before = threads("aigw-proxy-watch");
            URI app = startProxyApp(gateway);
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            for (int i = 0; i < 20; i++) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create(app + "/replicate/account"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as("an answer from the fake gateway, whatever it is").isPositive();
            }
            assertThat(gateway.requests()).as("the calls went upstream").hasSize(20);
            Thread.sleep(1_500); // past the wait after which a call still open would be watched
            Set<Thread> started = threads("aigw-proxy-watch");
            started.removeAll(before);
            assertThat(started).as("watch threads started by calls answered at once").isEmpty();
        }
    }

    /**
     * The webhook filter's timer thread, which judges the pace of the bodies being read whether bytes come or not,
     * starts with a body read non-blocking (from a request thread: without the application's loader) and ends with
     * the application, the body still unread.
     */
    @Test
    void theWebhookFiltersTimerThreadStartsWithABodyBeingReadAndEndsWithTheApplication() throws Exception {
        ServletContainerInitializer receiver = (classes, ctx) -> {
            jakarta.servlet.ServletRegistration.Dynamic r = ctx.addServlet("receiver",
                    new jakarta.servlet.http.HttpServlet() {
                    });
            r.setAsyncSupported(true); // so that the filter reads the body non-blocking
            r.addMapping("/webhooks/replicate");
        };
        Set<Thread> before = threads("aigw-webhook-");
        URI app = start(SETTINGS, true, false, receiver);
        try (java.net.Socket s = new java.net.Socket(app.getHost(), app.getPort())) {
            s.getOutputStream().write(("POST /app/webhooks/replicate HTTP/1.1\r\nHost: x\r\nwebhook-id: msg_1\r\n"
                    + "webhook-timestamp: " + System.currentTimeMillis() / 1000 + "\r\nwebhook-signature: v1,AAAA\r\n"
                    + "Content-Length: 1000\r\n\r\n{").getBytes(java.nio.charset.StandardCharsets.ISO_8859_1));
            Set<Thread> started = awaitNew("aigw-webhook-sweeper", before);
            assertThat(started).as("the timer thread, started by the body being read").isNotEmpty()
                    .allSatisfy(t -> assertThat(t.getContextClassLoader()).isNotSameAs(appLoader));
            server.stop();
            for (Thread t : started) {
                t.join(5000);
                assertThat(t.isAlive()).as("timer thread ended with the application").isFalse();
            }
        }
    }

    private static void assumeClientWatch() {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isReadable(
                java.nio.file.Path.of("/proc/net/tcp")), "the client watch needs /proc/net/tcp (Linux)");
    }

    /** The application with its proxy at {@code /replicate} (anyone may call it) in front of {@code gateway}. */
    private URI startProxyApp(dev.aigw.testkit.FakeGateway gateway) throws Exception {
        return start(Map.of("aigw.base-url", gateway.baseUrl().toString(),
                "aigw.account-id", dev.aigw.testkit.FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", dev.aigw.testkit.FakeGateway.DEFAULT_GATEWAY,
                "aigw.proxy.path", "/replicate", "aigw.proxy.access", "anyone"), true, false, null);
    }

    /** The threads named {@code namePrefix}… not in {@code before}, once there is one (or 20 s passed). */
    private static Set<Thread> awaitNew(String namePrefix, Set<Thread> before) throws InterruptedException {
        Set<Thread> started;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while ((started = threads(namePrefix)).stream().allMatch(before::contains) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        started.removeAll(before);
        return started;
    }

    private static Set<Thread> recordThreads() {
        return threads("aigw-records");
    }

    private static Set<Thread> threads(String namePrefix) {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith(namePrefix))
                .collect(Collectors.toCollection(HashSet::new));
    }

    private static void emit(Gateway g) {
        Exchange x = g.exchange("POST", CREATE, null);
        assertThat(x).isNotNull();
        x.complete();
    }
}
