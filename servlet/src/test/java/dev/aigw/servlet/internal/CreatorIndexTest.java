package dev.aigw.servlet.internal;

import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Who created each prediction, for the webhook records of its completion. */
class CreatorIndexTest {
    @Test
    void remembersTheCreatorsOfSuccessfulCreatesOnly() {
        CreatorIndex idx = new CreatorIndex(2);
        idx.onExchange(record("POST", "https://api.replicate.com/v1/predictions", 201, "p1", Map.of("user", "u1")));
        idx.onExchange(record("GET", "https://api.replicate.com/v1/predictions/p2", 200, "p2", Map.of("user", "u2")));
        idx.onExchange(record("POST", "https://api.replicate.com/v1/predictions", 422, "p3", Map.of("user", "u3")));
        assertThat(idx.creatorMetadata("p1")).containsEntry("user", "u1");
        assertThat(idx.creatorMetadata("p2")).isNull();
        assertThat(idx.creatorMetadata("p3")).isNull();
    }

    /** Only Replicate's create endpoints create; a cancel (however spelt) or a cached answer names another's. */
    @Test
    void onlyAFreshAnswerOfACreateEndpointIsACreation() {
        String api = "https://api.replicate.com/v1";
        for (String create : new String[] {"/predictions", "/models/acme/echo/predictions",
                "/deployments/acme/prod/predictions", "/models/acme/echo/versions/" + "0".repeat(64) + "/trainings",
                "/predictions?x=1", "/%70redictions", "/x/../predictions"}) { // as routed: RFC 3986 normal form
            assertThat(CreatorIndex.creation(api + create)).as(create).isTrue();
        }
        for (String other : new String[] {"/predictions/p1/cancel?x=1", "/predictions/p1/cancel?", "/predictions/p1/cancel#x",
                "/predictions/p1/cancel", "/trainings/t1/cancel?x", "/predictions/p1", "/files", "/models",
                "/deployments", "/models//echo/predictions", "/predictions%2F", "/predictions/", "/x/predictions"}) {
            assertThat(CreatorIndex.creation(api + other)).as(other).isFalse();
        }
        CreatorIndex idx = new CreatorIndex(8);
        idx.onExchange(record("POST", api + "/predictions", 201, "p1", Map.of("user", "u1")));
        idx.onExchange(record("POST", api + "/predictions/p1/cancel?x=1", 200, "p1", Map.of("user", "u2")));
        ExchangeRecord cached = record("POST", api + "/predictions", 201, "p1", Map.of("user", "u3"));
        idx.onExchange(new ExchangeRecord(cached.startedAt(), cached.method(), cached.url(), null, "replicate",
                ExchangeRecord.Via.GATEWAY, null, "p1", "starting", 201, null, "HIT", null, null, Map.of("user", "u3"),
                List.of(), 0, 0, Duration.ZERO, Duration.ZERO, Map.of(), ExchangeRecord.Outcome.SUCCESS, null, null));
        assertThat(idx.creatorMetadata("p1")).containsEntry("user", "u1");
    }

    @Test
    void keepsTheNewestUpToItsSize() {
        CreatorIndex idx = new CreatorIndex(2);
        idx.onExchange(record("POST", "https://api.replicate.com/v1/predictions", 201, "p1", Map.of("user", "u1")));
        idx.remember("a", Map.of());
        idx.remember("b", Map.of());
        assertThat(idx.creatorMetadata("p1")).isNull();
        assertThat(idx.creatorMetadata("b")).isNotNull();
        assertThat(idx.size()).isEqualTo(2);
    }

    private static ExchangeRecord record(String method, String url, int status, String id, Map<String, Object> md) {
        return new ExchangeRecord(Instant.now(), method, url, null, "replicate", ExchangeRecord.Via.GATEWAY, null, id,
                "starting", status, null, null, null, null, md, List.of(), 0, 0, Duration.ZERO, Duration.ZERO, Map.of(),
                ExchangeRecord.Outcome.SUCCESS, null, null);
    }
}
