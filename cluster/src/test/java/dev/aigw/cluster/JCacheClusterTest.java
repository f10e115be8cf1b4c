package dev.aigw.cluster;

import dev.aigw.ExchangeRecord;
import dev.aigw.Gateway;
import dev.aigw.servlet.AigwProxyFilter;
import dev.aigw.servlet.AigwRequestContextFilter;
import dev.aigw.servlet.AigwWebhookFilter;
import dev.aigw.servlet.PredictionCreators;
import dev.aigw.servlet.RequestMetadata;
import dev.aigw.servlet.SharedState;
import dev.aigw.testkit.FakeGateway;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterRegistration;
import jakarta.servlet.ServletContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The same three instances, configured in code: each gets a {@link SharedState} on its own member of an embedded
 * Hazelcast cluster, through JCache ({@code SharedState.builder().jcache(cacheManager)}).
 */
class JCacheClusterTest extends SharedScenarios {
    static final int LIMIT = 9;

    HazelcastMembers hazelcast;
    final List<SharedState> states = new ArrayList<>();
    final List<Gateway> gateways = new ArrayList<>();
    final List<PredictionCreators> creators = new ArrayList<>();

    @Override
    int limit() {
        return LIMIT;
    }

    @Override
    String name() {
        return "jcache";
    }

    @BeforeAll
    void start() throws Exception {
        hazelcast = new HazelcastMembers(3);
        cluster = new Cluster();
        for (int i = 0; i < 3; i++) {
            SharedState state = SharedState.builder().jcache(hazelcast.managers.get(i), "aigw-test")
                    .timeout(Duration.ofMillis(1500)).build(); // 3 × the default, for a saturated test machine
            PredictionCreators c = new PredictionCreators(state);
            states.add(state);
            creators.add(c);
            gateways.add(Gateway.builder().baseUrl(cluster.gateway.baseUrl().toString())
                    .accountId(FakeGateway.DEFAULT_ACCOUNT).gatewayId(FakeGateway.DEFAULT_GATEWAY)
                    .token(Cluster.CF_TOKEN).log(Gateway.Log.OFF).listener(c).listener(new ClusterRecords())
                    .build());
        }
        cluster.start(i -> Map.of(), i -> ctx -> register(ctx, i));
    }

    private void register(ServletContext ctx, int i) {
        SharedState state = states.get(i);
        Gateway gateway = gateways.get(i);
        FilterRegistration.Dynamic hooks = ctx.addFilter("aigw-webhook", AigwWebhookFilter.builder()
                .secret(cluster.replicate.webhookSecret()).gateway(gateway)
                .creators(creators.get(i)).state(state).build());
        hooks.setAsyncSupported(true);
        hooks.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/webhooks/replicate");
        FilterRegistration.Dynamic context = ctx.addFilter("aigw-context",
                new AigwRequestContextFilter(RequestMetadata.parse(Cluster.USER_KEY + "=principal")));
        context.setAsyncSupported(true);
        context.addMappingForUrlPatterns(EnumSet.allOf(DispatcherType.class), true, "/*");
        FilterRegistration.Dynamic proxy = ctx.addFilter("aigw-proxy", AigwProxyFilter.builder().gateway(gateway)
                .path("/replicate").replicateToken(cluster.replicate.token()).rateLimit(LIMIT + "/min").state(state)
                .build());
        proxy.setAsyncSupported(true);
        proxy.addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST, DispatcherType.ASYNC), true,
                "/replicate/*");
    }

    @Override
    void stopEngine() {
        states.forEach(SharedState::close);
        gateways.forEach(Gateway::close);
        if (hazelcast != null) {
            hazelcast.close();
        }
    }

    @Test
    @Order(5)
    void anInstanceWhoseMemberIsGoneAnswers503ToWebhooksAndLetsCallsThrough() throws Exception {
        hazelcast.members.get(2).getLifecycleService().terminate();
        Cluster.Delivery d = cluster.delivery("msg_jcache_member_gone", "p-member-gone", "succeeded");
        HttpResponse<String> hook = cluster.deliver(2, d);
        assertThat(hook.statusCode()).isEqualTo(503);
        assertThat(ClusterApp.HANDLED).doesNotContainKey(d.id());
        HttpResponse<String> call = cluster.proxied(2, "GET", "/account", null, "jcache-member-gone");
        assertThat(call.statusCode()).isEqualTo(200);
        ExchangeRecord r = ClusterRecords.await(x -> "jcache-member-gone".equals(x.metadata().get(Cluster.USER_KEY)),
                Duration.ofSeconds(5));
        assertThat(r.notes()).singleElement().asString().startsWith("rate limit not checked (jcache: ");
        // the two other members still hold the state (backups), once they have taken over C's partitions: the
        // delivery retried to A is handed on once
        HttpResponse<String> retried = redeliverWhileRefused(0, d, Duration.ofSeconds(20));
        assertThat(retried.statusCode()).as(retried.body()).isEqualTo(200);
        assertThat(cluster.deliver(1, d).headers().firstValue("aigw-webhook")).hasValue("duplicate");
        assertThat(ClusterApp.HANDLED.get(d.id()).get()).isEqualTo(1);
    }
}
