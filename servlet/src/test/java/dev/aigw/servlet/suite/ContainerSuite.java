package dev.aigw.servlet.suite;

import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.testkit.FakeGateway;
import dev.aigw.testkit.FakeReplicate;
import dev.aigw.testkit.GatewayRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The shared container suite: one set of tests, run on every container by one small subclass per container
 * ({@link #container()}). Everything is real: the container on loopback, the JDK HTTP client, the testkit's fake
 * Replicate and fake gateway. The test classes extending this hold the tests, grouped by filter.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
public abstract class ContainerSuite {
    protected static final String CF_TOKEN = "cf-suite-token";
    protected static final Duration WAIT = Duration.ofSeconds(20);

    protected FakeReplicate replicate;
    protected FakeGateway gateway;
    protected Gateway aigw;
    protected final List<ExchangeRecord> records = new CopyOnWriteArrayList<>();
    protected ServletContainer container;
    protected URI app;
    protected HttpClient http;

    /** The container under test, not started. */
    protected abstract ServletContainer container();

    /** Extra setup of the test application (aigw filters), after the suite's own servlets. */
    protected void configure(jakarta.servlet.ServletContext ctx) {
    }

    /** Context init-params of the test application. */
    protected Map<String, String> initParams() {
        return Map.of();
    }

    @BeforeAll
    void startAll() throws Exception {
        replicate = FakeReplicate.builder().start();
        replicate.model("acme/echo").output("hello");
        gateway = FakeGateway.builder().provider("replicate", replicate.baseUrl()).token(CF_TOKEN).start();
        aigw = Gateway.builder().baseUrl(gateway.baseUrl().toString()).accountId(FakeGateway.DEFAULT_ACCOUNT)
                .gatewayId(FakeGateway.DEFAULT_GATEWAY).token(CF_TOKEN).log(Gateway.Log.OFF)
                .listener(records::add).build();
        container = container();
        app = container.start("/app", initParams(), new SuiteApp(aigw, replicate.token(), this::configure));
        http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5))
                .build();
    }

    @AfterAll
    void stopAll() throws Exception {
        if (container != null) {
            container.close();
        }
        if (aigw != null) {
            aigw.close();
        }
        if (gateway != null) {
            gateway.close();
        }
        if (replicate != null) {
            replicate.close();
        }
    }

    @BeforeEach
    void resetFakes() {
        replicate.reset();
        gateway.reset();
        records.clear();
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

    /** Gateway requests whose metadata has {@code key = value}. */
    protected List<GatewayRequest> gatewayRequestsWith(String key, Object value) {
        return gateway.requests().stream().filter(r -> value.equals(r.metadata().get(key))).toList();
    }
}
