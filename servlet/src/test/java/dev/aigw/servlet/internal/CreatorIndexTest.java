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
