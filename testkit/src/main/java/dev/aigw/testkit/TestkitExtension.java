package dev.aigw.testkit;

import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

import java.net.URI;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;

/**
 * JUnit 5 extension running a {@link FakeReplicate} behind a {@link FakeGateway} (provider {@code replicate}).
 * As a static {@code @RegisterExtension} field (or {@code @ExtendWith}) both start once per class and stop after
 * it; as an instance field they start and stop around each test. Recorded requests, logs, faults, throttling,
 * predictions and the gateway cache are reset before every test, and the fake Replicate's catalogue goes back to what
 * was scripted (see {@link FakeReplicate#reset()}). Test methods can take
 * {@code FakeReplicate} and {@code FakeGateway} parameters.
 * <pre>
 * &#64;RegisterExtension
 * static TestkitExtension kit = TestkitExtension.create();
 * final FakeReplicate replicate = kit.replicate(); // a static kit has started before the test instance is made
 * </pre>
 * The gateway is authenticated with {@link #DEFAULT_GATEWAY_TOKEN} unless {@link #openGateway()} is called (new
 * Cloudflare gateways require authentication).
 */
public final class TestkitExtension implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback,
        AfterEachCallback, ParameterResolver {
    public static final String DEFAULT_GATEWAY_TOKEN = "cf-testkit-token";

    private Consumer<FakeReplicate.Builder> replicateConfig = b -> { };
    private BiConsumer<FakeGateway.Builder, FakeReplicate> gatewayConfig = (b, r) -> { };
    private String gatewayToken = DEFAULT_GATEWAY_TOKEN;
    private FakeReplicate replicate;
    private FakeGateway gateway;
    private String startedBy;

    /** For {@code @ExtendWith(TestkitExtension.class)}; prefer {@link #create()} with {@code @RegisterExtension}. */
    public TestkitExtension() {
    }

    public static TestkitExtension create() {
        return new TestkitExtension();
    }

    /** Extra FakeReplicate settings (token, useLocalUrls, ...). */
    public TestkitExtension replicate(Consumer<FakeReplicate.Builder> config) {
        this.replicateConfig = Objects.requireNonNull(config);
        return this;
    }

    /** Extra FakeGateway settings (cacheTtl, rateLimit, ...); provider {@code replicate} is always wired. */
    public TestkitExtension gateway(Consumer<FakeGateway.Builder> config) {
        Objects.requireNonNull(config);
        this.gatewayConfig = (b, r) -> config.accept(b);
        return this;
    }

    /**
     * Extra FakeGateway settings that need the running FakeReplicate, e.g. a second route to its event streams:
     * {@code (g, r) -> g.provider("replicate-stream", URI.create("http://127.0.0.1:" + r.port()))}.
     */
    public TestkitExtension gatewayWithReplicate(BiConsumer<FakeGateway.Builder, FakeReplicate> config) {
        this.gatewayConfig = Objects.requireNonNull(config);
        return this;
    }

    /** Token the gateway requires in {@code cf-aig-authorization: Bearer ...}. */
    public TestkitExtension gatewayToken(String token) {
        this.gatewayToken = Objects.requireNonNull(token);
        return this;
    }

    /** Gateway without authentication. */
    public TestkitExtension openGateway() {
        this.gatewayToken = null;
        return this;
    }

    public FakeReplicate replicate() {
        return require(replicate);
    }

    public FakeGateway gateway() {
        return require(gateway);
    }

    /** The gateway route replacing {@code https://api.replicate.com/v1}. */
    public URI replicateViaGateway() {
        return gateway().providerUrl("replicate");
    }

    /** The token the gateway requires, or null for an open gateway. */
    public String gatewayToken() {
        return gatewayToken;
    }

    @Override
    public void beforeAll(ExtensionContext context) {
        startIfNeeded(context);
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        if (!startIfNeeded(context)) {
            replicate.reset();
            gateway.reset();
        }
    }

    @Override
    public void afterEach(ExtensionContext context) {
        stopIfStartedBy(context);
    }

    @Override
    public void afterAll(ExtensionContext context) {
        stopIfStartedBy(context);
    }

    private synchronized boolean startIfNeeded(ExtensionContext context) {
        if (replicate != null) {
            return false;
        }
        FakeReplicate.Builder rb = FakeReplicate.builder();
        replicateConfig.accept(rb);
        FakeReplicate r = rb.start();
        try {
            FakeGateway.Builder gb = FakeGateway.builder().provider("replicate", r.baseUrl());
            if (gatewayToken != null) {
                gb.token(gatewayToken);
            }
            gatewayConfig.accept(gb, r);
            gateway = gb.start();
        } catch (RuntimeException e) {
            r.stop();
            throw e;
        }
        replicate = r;
        startedBy = context.getUniqueId();
        return true;
    }

    private synchronized void stopIfStartedBy(ExtensionContext context) {
        if (replicate != null && context.getUniqueId().equals(startedBy)) {
            try {
                gateway.stop();
            } finally {
                replicate.stop();
                replicate = null;
                gateway = null;
                startedBy = null;
            }
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        Class<?> type = parameter.getParameter().getType();
        return type == FakeReplicate.class || type == FakeGateway.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        startIfNeeded(context);
        return parameter.getParameter().getType() == FakeReplicate.class ? replicate : gateway;
    }

    private static <T> T require(T value) {
        if (value == null) {
            throw new IllegalStateException("the testkit is not running (use it from a test or @BeforeAll/@BeforeEach)");
        }
        return value;
    }
}
