package dev.aigw.servlet.suite;

import dev.aigw.testkit.GatewayRequest;
import org.junit.jupiter.api.Test;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Request-context filter: metadata per user reaches the gateway, on every kind of dispatch, and never leaks. */
public abstract class ContextTests extends SuiteGroup {
    protected ContextTests(ContainerSuite suite) {
        super(suite);
    }

    @Test
    void metadataFromTheRequestReachesTheGateway() throws Exception {
        HttpResponse<String> r = suite.get("/call", "X-Test-User", "alice", "X-Tenant", "t-1", "X-Request-Id", "r-1",
                "traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).startsWith("200 ");
        GatewayRequest g = suite.gateway.awaitRequests(1, ContainerSuite.WAIT).get(0);
        assertThat(g.metadata()).containsExactlyInAnyOrderEntriesOf(Map.of("user", "alice", "tenant", "t-1", "request", "r-1",
                "trace", "4bf92f3577b34da6a3ce929d0e0e4736", "route", "/call"));
        assertThat(g.header("cf-aig-authorization")).isEqualTo("Bearer " + ContainerSuite.CF_TOKEN);
    }

    @Test
    void contextFollowsAsyncStartAndDispatch() throws Exception {
        assertThat(suite.get("/async-call", "X-Test-User", "bob", "X-Request-Id", "async-1").body()).startsWith("200 ");
        assertThat(suite.get("/dispatch-call", "X-Test-User", "carol", "X-Request-Id", "dispatch-1").body())
                .startsWith("200 ");
        suite.gateway.awaitRequests(2, ContainerSuite.WAIT);
        assertThat(suite.gatewayRequestsWith("request", "async-1")).singleElement()
                .satisfies(g -> assertThat(g.metadata()).containsEntry("user", "bob").containsEntry("route", "/async-call"));
        assertThat(suite.gatewayRequestsWith("request", "dispatch-1")).singleElement()
                .satisfies(g -> assertThat(g.metadata()).containsEntry("user", "carol"));
    }

    @Test
    void manyConcurrentUsersNeverSeeEachOthersMetadata() throws Exception {
        int users = 24;
        int perUser = 4;
        String[] paths = {"/call", "/async-call", "/dispatch-call", "/call"};
        List<CompletableFuture<HttpResponse<String>>> all = new ArrayList<>();
        for (int k = 0; k < perUser; k++) {
            for (int u = 0; u < users; u++) {
                String path = paths[(u + k) % paths.length];
                String id = "u" + u + "-" + k;
                if (u % 6 == 5) {
                    // anonymous: no principal, no tenant; must not inherit anyone's
                    all.add(suite.http.sendAsync(suite.request(path, "X-Request-Id", "anon-" + id).GET().build(),
                            HttpResponse.BodyHandlers.ofString()));
                } else {
                    all.add(suite.http.sendAsync(suite.request(path, "X-Test-User", "user" + u, "X-Tenant", "tenant" + u,
                            "X-Request-Id", id).GET().build(), HttpResponse.BodyHandlers.ofString()));
                }
                all.add(suite.http.sendAsync(suite.request("/bare", "X-Test-User", "user" + u).GET().build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
        }
        CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        for (CompletableFuture<HttpResponse<String>> f : all) {
            HttpResponse<String> r = f.get();
            assertThat(r.statusCode()).as(r.uri().toString()).isEqualTo(200);
            if (r.uri().getPath().endsWith("/bare")) {
                assertThat(r.body()).as("no context outside the filter").isEqualTo("{}");
            }
        }
        List<GatewayRequest> seen = suite.gateway.awaitRequests(users * perUser, ContainerSuite.WAIT);
        assertThat(seen).hasSize(users * perUser);
        for (GatewayRequest g : seen) {
            String id = (String) g.metadata().get("request");
            assertThat(id).isNotNull();
            if (id.startsWith("anon-")) {
                assertThat(g.metadata()).doesNotContainKeys("user", "tenant");
            } else {
                String u = id.substring(1, id.indexOf('-'));
                assertThat(g.metadata()).containsEntry("user", "user" + u).containsEntry("tenant", "tenant" + u);
            }
        }
    }
}
