package dev.aigw.internal;

import dev.aigw.Exchange;
import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.Settings;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** Where a client configured from settings finds its gateway, and that a scope releases what it built. */
class GatewayScopeTest {
    private static final URI CREATE = URI.create("https://api.replicate.com/v1/predictions");
    private static final Settings APP = Settings.of(Map.of("aigw.base-url", "https://ai.example.test",
            "aigw.log", "off", "aigw.metadata", "{\"app\":\"one\"}"));

    private final ClassLoader app = new URLClassLoader(new URL[0], getClass().getClassLoader());
    private final ClassLoader appChild = new URLClassLoader(new URL[0], app);
    private final BlockingQueue<ExchangeRecord> records = new LinkedBlockingQueue<>();
    private final List<Gateway> built = new ArrayList<>();
    private final AtomicInteger sharedAsked = new AtomicInteger();
    private final Gateway shared = Gateway.builder().settings(APP).listener(records::add).build();
    private GatewayScope scope;

    private Gateway build(Settings s) {
        Gateway g = Gateway.builder().settings(s).listener(records::add).build();
        built.add(g);
        return g;
    }

    private GatewayScope bind() {
        scope = GatewayScope.bind(app, APP, () -> {
            sharedAsked.incrementAndGet();
            return shared;
        }, this::build);
        return scope;
    }

    @AfterEach
    void close() {
        if (scope != null) {
            scope.close();
        }
        shared.close();
    }

    @Test
    void clientsOfTheApplicationFindItsScopeThroughTheirLoadersAndTheirParents() {
        GatewayScope s = bind();
        assertThat(GatewayScope.find(app)).isSameAs(s);
        assertThat(GatewayScope.find(appChild)).isSameAs(s);
        assertThat(GatewayScope.find(null, appChild)).as("the next loader when the first finds nothing").isSameAs(s);
        assertThat(GatewayScope.find(getClass().getClassLoader())).as("outside the application")
                .isSameAs(GatewayScope.process());
        assertThat(s.bound()).isTrue();
        assertThat(GatewayScope.process().bound()).isFalse();
    }

    @Test
    void aClientWithoutPropertiesOfItsOwnGetsTheApplicationsGateway() {
        GatewayScope s = bind();
        assertThat(s.gateway(Map.of())).isSameAs(shared);
        assertThat(s.gateway(Map.of("jersey.config.client.connectTimeout", 5))).as("only aigw.* keys count")
                .isSameAs(shared);
        assertThat(built).isEmpty();
    }

    @Test
    void clientsWithTheSamePropertiesShareOneGatewayBuiltOverTheApplicationsSettings() throws Exception {
        GatewayScope s = bind();
        Gateway a = s.gateway(Map.of("aigw.cache-ttl", "120"));
        assertThat(s.gateway(Map.of("aigw.cache-ttl", 120))).isSameAs(a);
        Gateway b = s.gateway(Map.of("aigw.cache-ttl", "300"));
        assertThat(b).isNotSameAs(a);
        assertThat(built).containsExactly(a, b);
        assertThat(a.defaults().cacheTtl()).hasSeconds(120);
        assertThat(a.defaults().metadata()).as("the application's settings underneath")
                .containsEntry("app", "one");
        assertThat(a.root()).isEqualTo(URI.create("https://ai.example.test"));
    }

    @Test
    void closingTheScopeUnbindsItAndClosesTheGatewaysItBuiltButNotTheApplications() throws Exception {
        GatewayScope s = bind();
        Gateway own = s.gateway(Map.of("aigw.cache-ttl", "120"));
        emit(own);
        assertThat(records.poll(5, TimeUnit.SECONDS)).as("delivered while open").isNotNull();

        s.close();
        assertThat(GatewayScope.find(app)).isSameAs(GatewayScope.process());
        emit(own);
        assertThat(records.poll(300, TimeUnit.MILLISECONDS)).as("closed: its record thread is gone").isNull();
        emit(shared);
        assertThat(records.poll(5, TimeUnit.SECONDS)).as("the application's own gateway is the application's to close")
                .isNotNull();
        s.close(); // idempotent
    }

    @Test
    void aStragglerAfterTheApplicationStoppedGetsNothingThatCouldOutliveIt() throws Exception {
        GatewayScope s = bind();
        assertThat(s.gateway(Map.of())).isSameAs(shared);
        s.close();
        assertThat(s.gateway(Map.of())).isSameAs(shared);
        assertThat(sharedAsked).as("the application is not asked again").hasValue(1);
        Gateway late = s.gateway(Map.of("aigw.cache-ttl", "120"));
        emit(late);
        assertThat(records.poll(300, TimeUnit.MILLISECONDS)).as("built closed: no record thread").isNull();
    }

    @Test
    void releasesRunOncePerKeyWhenTheApplicationStopsAndAtOnceAfter() {
        GatewayScope s = bind();
        List<String> ran = new ArrayList<>();
        s.onClose("cache", () -> ran.add("cache"));
        s.onClose("cache", () -> ran.add("cache again")); // the same key: kept once
        s.onClose("broken", () -> {
            throw new IllegalStateException("a release that fails");
        });
        s.onClose("other", () -> ran.add("other"));
        assertThat(ran).isEmpty();
        s.close();
        assertThat(ran).as("a failing release stops none of the others").containsExactly("cache", "other");
        s.close();
        assertThat(ran).as("once").hasSize(2);
        s.onClose("late", () -> ran.add("late"));
        assertThat(ran).as("after the application stopped: at once").endsWith("late");

        GatewayScope.process().onClose("process", () -> ran.add("process"));
        assertThat(ran).as("the process scope keeps nothing: it lasts as long as the JVM").doesNotContain("process");
    }

    @Test
    void theProcessScopeKeysGatewaysBySystemPropertiesToo() {
        GatewayScope p = GatewayScope.process();
        Gateway a = p.gateway(Map.of("aigw.base-url", "https://ai.example.test", "aigw.log", "off"));
        assertThat(p.gateway(Map.of("aigw.base-url", "https://ai.example.test", "aigw.log", "off"))).isSameAs(a);
        System.setProperty("aigw.cache-ttl", "120");
        try {
            Gateway b = p.gateway(Map.of("aigw.base-url", "https://ai.example.test", "aigw.log", "off"));
            assertThat(b).isNotSameAs(a);
            assertThat(b.defaults().cacheTtl()).hasSeconds(120);
        } finally {
            System.clearProperty("aigw.cache-ttl");
        }
    }

    @Test
    void anApplicationOnTheClassPathLivesAsLongAsTheProcess() {
        assertThat(GatewayScope.holdsThisLibrary(ClassLoader.getSystemClassLoader())).isFalse();
        assertThat(GatewayScope.holdsThisLibrary(app)).as("a child of aigw's loader").isFalse();
    }

    private static void emit(Gateway g) {
        Exchange x = g.exchange("POST", CREATE, null);
        assertThat(x).isNotNull();
        x.complete();
    }
}
