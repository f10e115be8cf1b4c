package dev.aigw.servlet.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static dev.aigw.servlet.internal.ReplayVerdict.ADMITTED;
import static dev.aigw.servlet.internal.ReplayVerdict.DUPLICATE;
import static dev.aigw.servlet.internal.ReplayVerdict.IN_FLIGHT;
import static org.assertj.core.api.Assertions.assertThat;

class ReplayGuardTest {
    private final AtomicLong now = new AtomicLong();
    private final ReplayGuard g = new ReplayGuard(Duration.ofMinutes(10), 3, now::get);

    @Test
    void acceptedIdsAreDuplicatesWithinTheWindow() {
        assertThat(g.begin("a")).isEqualTo(ADMITTED);
        assertThat(g.begin("a")).isEqualTo(IN_FLIGHT);
        g.accepted("a");
        assertThat(g.begin("a")).isEqualTo(DUPLICATE);
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        assertThat(g.begin("a")).isEqualTo(ADMITTED);
    }

    @Test
    void aRetryOfARejectedDeliveryGetsThrough() {
        assertThat(g.begin("b")).isEqualTo(ADMITTED);
        g.rejected("b");
        assertThat(g.begin("b")).isEqualTo(ADMITTED);
        g.accepted("b");
        g.rejected("b"); // a late rejection never forgets an accepted id
        assertThat(g.begin("b")).isEqualTo(DUPLICATE);
    }

    @Test
    void boundedOldestFirst() {
        for (String id : new String[]{"1", "2", "3", "4"}) {
            g.begin(id);
            g.accepted(id);
        }
        assertThat(g.size()).isEqualTo(3);
        assertThat(g.evictedEarly()).isEqualTo(1);
        assertThat(g.begin("4")).isEqualTo(DUPLICATE);
        assertThat(g.begin("1")).isEqualTo(ADMITTED);
    }
}
