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

    @Test
    void aDeliveryStaysInFlightWhileItsHandlerRunsLongerThanTheWindow() {
        assertThat(g.begin("slow")).isEqualTo(ADMITTED);
        now.addAndGet(Duration.ofMinutes(35).toNanos()); // the handler still runs, three windows later
        assertThat(g.begin("slow")).as("Replicate's retry of a delivery still being handled").isEqualTo(IN_FLIGHT);
        g.accepted("slow");
        assertThat(g.begin("slow")).isEqualTo(DUPLICATE);
        now.addAndGet(Duration.ofMinutes(10).toNanos());
        assertThat(g.begin("slow")).as("accepted ids still end with the window").isEqualTo(ADMITTED);
    }

    @Test
    void theBoundEvictsAcceptedIdsNeverOnesInFlight() {
        assertThat(g.begin("f")).isEqualTo(ADMITTED);
        for (String id : new String[]{"1", "2", "3"}) {
            g.begin(id);
            g.accepted(id);
        }
        assertThat(g.begin("f")).isEqualTo(IN_FLIGHT);
        assertThat(g.begin("1")).as("the oldest accepted id made room").isEqualTo(ADMITTED);
        // only in-flight ids left to evict: admitted over the bound (as many as deliveries handled at once)
        assertThat(g.begin("x")).isEqualTo(ADMITTED);
        assertThat(g.begin("y")).isEqualTo(ADMITTED);
        assertThat(g.size()).isEqualTo(4);
        for (String id : new String[]{"f", "1", "x", "y"}) {
            assertThat(g.begin(id)).as(id).isEqualTo(IN_FLIGHT);
        }
        g.rejected("x");
        assertThat(g.begin("x")).isEqualTo(ADMITTED);
    }
}
