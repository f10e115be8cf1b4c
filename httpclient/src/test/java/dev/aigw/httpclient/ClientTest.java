package dev.aigw.httpclient;

import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.httpclient.internal.RoutingHttpClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.lang.ref.WeakReference;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ExecutorService;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The one line: wrapping with a gateway or from settings, what is delegated, what is refused, and the lifecycle. */
class ClientTest extends GatewayTestBase {
    private static final String[] KEYS = {"aigw.account-id", "aigw.gateway-id", "aigw.token", "aigw.base-url",
        "aigw.log", "aigw.metadata"};

    @AfterEach
    void clearSettings() {
        for (String k : KEYS) {
            System.clearProperty(k);
        }
    }

    private void configure(Map<String, String> settings) {
        settings.forEach(System::setProperty);
    }

    private Map<String, String> fakeGatewaySettings() {
        return Map.of("aigw.account-id", dev.aigw.testkit.FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", dev.aigw.testkit.FakeGateway.DEFAULT_GATEWAY, "aigw.token", CF_TOKEN,
                "aigw.base-url", fakeGateway.baseUrl().toString(), "aigw.log", "off",
                "aigw.metadata", "{\"app\":\"settings\"}");
    }

    @Test
    void theSettingsVariantRoutesThroughTheConfiguredGateway() throws Exception {
        configure(fakeGatewaySettings());
        HttpClient c = AigwHttpClient.wrap(jdk);
        assertThat(get(c, "/account").statusCode()).isEqualTo(200);
        var seen = fakeGateway.requests().get(0);
        assertThat(seen.header("cf-aig-authorization")).isEqualTo("Bearer " + CF_TOKEN);
        assertThat(parse(seen.header("cf-aig-metadata"))).isEqualTo(parse("{\"app\":\"settings\"}"));
    }

    @Test
    void unconfiguredAigwIsOffAndTheClientIsReturnedAsItIs() {
        assumeTrue(java.util.stream.Stream.of("AIGW_ACCOUNT_ID", "CLOUDFLARE_ACCOUNT_ID", "AIGW_BASE_URL", "AIGW_ENABLED")
                .noneMatch(System.getenv()::containsKey), "aigw is configured in this environment");
        assertThat(AigwHttpClient.wrap(jdk)).isSameAs(jdk);
        try (Gateway off = Gateway.builder().build()) {
            assertThat(AigwHttpClient.wrap(jdk, off)).isSameAs(jdk);
        }
    }

    @Test
    void aBadSettingFailsTheWrapNamingItWithoutShowingTheToken() {
        configure(Map.of("aigw.account-id", "not-an-account", "aigw.gateway-id", "gw", "aigw.token", "secret-token-value"));
        assertThatThrownBy(() -> AigwHttpClient.wrap(jdk))
                .isInstanceOf(GatewayConfigurationException.class)
                .hasMessageContaining("aigw.account-id").hasMessageContaining("not-an-account")
                .hasMessageContaining("system property")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("secret-token-value"));
    }

    @Test
    void wrappingTwiceIsANoOpWithTheSameGatewayAndRefusedWithAnother() {
        HttpClient c = client();
        assertThat(AigwHttpClient.wrap(c, gateway)).isSameAs(c);
        try (Gateway other = gatewayBuilder().build()) {
            assertThatThrownBy(() -> AigwHttpClient.wrap(c, other)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("already routes through an aigw gateway")
                    .hasMessageContaining("the original client, wrapped once")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain(CF_TOKEN));
        }
        assertThatThrownBy(() -> AigwHttpClient.wrap(null, gateway)).isInstanceOf(NullPointerException.class)
                .hasMessage("client");
    }

    @Test
    void aCallWithoutHandlerIsRefusedAsTheJdkDoesAndNotRecorded() throws Exception {
        HttpClient c = client();
        assertThatThrownBy(() -> c.send(api("/account").build(), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> c.sendAsync(api("/account").build(), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> c.send(null, java.net.http.HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(NullPointerException.class);
        assertNoMoreRecords();
        assertThat(fakeGateway.requests()).isEmpty();
    }

    /** The JDK resends a request's own headers on a redirect (across origins too): no gateway token may follow one. */
    @Test
    void aClientThatFollowsRedirectsIsRefused() {
        for (HttpClient.Redirect policy : new HttpClient.Redirect[] {HttpClient.Redirect.NORMAL, HttpClient.Redirect.ALWAYS}) {
            HttpClient following = HttpClient.newBuilder().followRedirects(policy).build();
            assertThatThrownBy(() -> AigwHttpClient.wrap(following, gateway))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("followRedirects = \"" + policy + "\" (the HttpClient to wrap) is not allowed")
                    .hasMessageContaining("cf-aig-authorization")
                    .hasMessageContaining("Redirect.NEVER");
            configure(fakeGatewaySettings());
            assertThatThrownBy(() -> AigwHttpClient.wrap(following)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void everyOtherMethodIsTheWrappedClients() throws Exception {
        ExecutorService pool = Executors.newSingleThreadExecutor();
        try {
            HttpClient original = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3))
                    .version(HttpClient.Version.HTTP_1_1).executor(pool)
                    .cookieHandler(new java.net.CookieManager()).proxy(HttpClient.Builder.NO_PROXY).build();
            HttpClient c = AigwHttpClient.wrap(original, gateway);
            assertThat(c).isNotSameAs(original);
            assertThat(c.connectTimeout()).isEqualTo(original.connectTimeout());
            assertThat(c.followRedirects()).isEqualTo(HttpClient.Redirect.NEVER);
            assertThat(c.version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(c.executor()).isEqualTo(original.executor());
            assertThat(c.cookieHandler()).isEqualTo(original.cookieHandler());
            assertThat(c.proxy()).isEqualTo(original.proxy());
            assertThat(c.authenticator()).isEqualTo(original.authenticator());
            assertThat(c.sslContext()).isSameAs(original.sslContext());
            assertThat(c.sslParameters().getProtocols()).isEqualTo(original.sslParameters().getProtocols());
            // WebSockets are no provider API call: the wrapped client's builder, unrouted
            assertThat(c.newWebSocketBuilder().getClass()).isEqualTo(original.newWebSocketBuilder().getClass());
            // the wrapped client's own settings apply to routed calls (HTTP/1.1 here, its executor)
            assertThat(get(c, "/account").version()).isEqualTo(HttpClient.Version.HTTP_1_1);
            assertThat(nextRecord().outcome()).isEqualTo(ExchangeRecord.Outcome.SUCCESS);
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * On JDK 17 an HttpClient cannot be closed: like the JDK client's own selector thread, the gateway built from
     * settings (and its record thread) goes away once the application drops the client.
     */
    @Test
    void aGatewayBuiltFromSettingsIsClosedWhenItsClientIsDropped() throws Exception {
        configure(Map.of("aigw.account-id", dev.aigw.testkit.FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", dev.aigw.testkit.FakeGateway.DEFAULT_GATEWAY, "aigw.token", CF_TOKEN,
                "aigw.base-url", fakeGateway.baseUrl().toString(), "aigw.log", "summary"));
        Set<Thread> before = recordThreads();
        HttpClient c = AigwHttpClient.wrap(jdk);
        get(c, "/account"); // the first record starts the gateway's record thread
        Set<Thread> started = recordThreads();
        started.removeAll(before); // other tests' threads may end meanwhile (idle): only new ones count
        assertThat(started).hasSize(1);
        WeakReference<Gateway> owned = new WeakReference<>(((RoutingHttpClient) c).gateway());
        c = null;
        for (int i = 0; i < 100 && (owned.get() != null || started.iterator().next().isAlive()); i++) {
            System.gc();
            Thread.sleep(50);
        }
        assertThat(owned.get()).as("the gateway, once its client was dropped").isNull();
        assertThat(started.iterator().next().isAlive()).isFalse();
    }

    /** JDK 21+: close(), shutdownNow(), isTerminated() and awaitTermination() reach the wrapped client. */
    @Test
    void onJdk21TheLifecycleMethodsReachTheWrappedClientAndCloseAnOwnedGateway() throws Exception {
        assumeTrue(Runtime.version().feature() >= 21, "HttpClient is closeable from JDK 21 on");
        configure(Map.of("aigw.account-id", dev.aigw.testkit.FakeGateway.DEFAULT_ACCOUNT,
                "aigw.gateway-id", dev.aigw.testkit.FakeGateway.DEFAULT_GATEWAY, "aigw.token", CF_TOKEN,
                "aigw.base-url", fakeGateway.baseUrl().toString(), "aigw.log", "summary"));
        Set<Thread> before = recordThreads();
        HttpClient original = HttpClient.newHttpClient();
        HttpClient c = AigwHttpClient.wrap(original);
        get(c, "/account");
        Set<Thread> started = recordThreads();
        started.removeAll(before);
        assertThat(started).hasSize(1);
        HttpClient.class.getMethod("close").invoke(c);
        assertThat((boolean) HttpClient.class.getMethod("isTerminated").invoke(original)).isTrue();
        assertThat((boolean) HttpClient.class.getMethod("isTerminated").invoke(c)).isTrue();
        assertThat(started.iterator().next().isAlive()).as("the owned gateway's record thread, closed").isFalse();

        HttpClient second = HttpClient.newHttpClient();
        HttpClient wrapped = AigwHttpClient.wrap(second, gateway);
        HttpClient.class.getMethod("shutdownNow").invoke(wrapped);
        assertThat((boolean) HttpClient.class.getMethod("awaitTermination", Duration.class)
                .invoke(wrapped, Duration.ofSeconds(5))).isTrue();
        assertThat((boolean) HttpClient.class.getMethod("isTerminated").invoke(second)).isTrue();
    }

    private static Set<Thread> recordThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().equals("aigw-records"))
                .collect(java.util.stream.Collectors.toCollection(java.util.HashSet::new));
    }
}
