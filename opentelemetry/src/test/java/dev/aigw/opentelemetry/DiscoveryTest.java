package dev.aigw.opentelemetry;

import dev.aigw.Gateway;
import dev.aigw.Settings;
import dev.aigw.testkit.GatewayRequest;
import dev.aigw.testkit.TestkitExtension;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Scope;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import org.jboss.weld.environment.se.Weld;
import org.jboss.weld.environment.se.WeldContainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Picked up without code: the jar is a discovered observer of every gateway; it uses the MicroProfile Telemetry
 * instance (a CDI bean) when there is one, GlobalOpenTelemetry once something set it, and before that passes the
 * caller's trace on without ever fixing the global to a no-op.
 */
class DiscoveryTest {
    @RegisterExtension
    static TestkitExtension kit = TestkitExtension.create();

    @BeforeAll
    static void models() {
        kit.replicate().model("acme/echo").output("hello").bootTime(Duration.ZERO).duration(Duration.ofMillis(10));
    }

    @Test
    void aGatewayFromSettingsUsesGlobalOpenTelemetryOnceSetAndNeverFixesItEarlier() throws Exception {
        GlobalOpenTelemetry.resetForTest();
        Settings settings = Settings.of(Map.of("aigw.base-url", kit.gateway().baseUrl().toString(),
                "aigw.account-id", dev.aigw.testkit.FakeGateway.DEFAULT_ACCOUNT, "aigw.gateway-id",
                dev.aigw.testkit.FakeGateway.DEFAULT_GATEWAY, "aigw.token", kit.gatewayToken(), "aigw.log", "off"));
        try (TestOtel app = new TestOtel(); TestOtel global = new TestOtel();
             Gateway gateway = Gateway.fromSettings(settings)) {
            assertThat(gateway.observers()).singleElement().isInstanceOf(AigwTelemetry.class);

            // no global yet: the caller's own span (from an SDK aigw was not given) still reaches the gateway
            Span job = app.sdk.getTracer("app").spanBuilder("job").startSpan();
            try (Scope s = job.makeCurrent()) {
                Kit.create(gateway);
            } finally {
                job.end();
            }
            GatewayRequest first = kit.gateway().requests().get(0);
            assertThat(first.otelTraceId()).isEqualTo(job.getSpanContext().getTraceId());
            assertThat(first.otelParentSpanId()).isEqualTo(job.getSpanContext().getSpanId());
            assertThat(GlobalOpenTelemetry.isSet()).as("aigw never called get() before set()").isFalse();

            GlobalOpenTelemetry.set(global.sdk); // what the agent or the application does, possibly after start-up
            Thread.sleep(300); // aigw looks again at most every 250 ms
            Kit.create(gateway);
            assertThat(global.awaitSpan(SpanKind.CLIENT, "generate_content acme/echo").getParentSpanContext()
                    .isValid()).isFalse();
            assertThat(app.spans.getFinishedSpanItems()).extracting(s -> s.getName()).containsExactly("job");
        } finally {
            GlobalOpenTelemetry.resetForTest();
        }
    }

    /** What a MicroProfile Telemetry runtime provides: the application's OpenTelemetry as a CDI bean. */
    public static class Producer {
        static OpenTelemetry instance;

        @Produces
        @Singleton
        OpenTelemetry openTelemetry() {
            return instance;
        }
    }

    @Test
    void theMicroProfileTelemetryInstanceIsFoundInTheApplicationsCdiContainer() throws Exception {
        try (TestOtel mp = new TestOtel()) {
            Producer.instance = mp.sdk;
            try (WeldContainer cdi = new Weld().disableDiscovery().addBeanClass(Producer.class).initialize();
                 Gateway gateway = Kit.gateway(kit).observer(new AigwTelemetry()).build()) {
                assertThat(cdi.isRunning()).isTrue();
                Kit.create(gateway);
                mp.awaitSpan(SpanKind.CLIENT, "generate_content acme/echo");
            }
        }
    }
}
