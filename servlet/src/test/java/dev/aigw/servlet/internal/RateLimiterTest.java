package dev.aigw.servlet.internal;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RateLimiterTest {
    private final AtomicLong now = new AtomicLong(1_000);

    @Test
    void burstThenRefillPerKey() {
        RateLimiter r = RateLimiter.parse("3/min", 100, now::get);
        assertThat(r.acquire("u1").allowed()).isTrue();
        assertThat(r.acquire("u1").allowed()).isTrue();
        assertThat(r.acquire("u1").allowed()).isTrue();
        RateLimiter.Decision d = r.acquire("u1");
        assertThat(d.allowed()).isFalse();
        assertThat(d.retryAfterSeconds()).isEqualTo(20);
        assertThat(r.acquire("u2").allowed()).isTrue();
        now.addAndGet(Duration.ofSeconds(20).toNanos());
        assertThat(r.acquire("u1").allowed()).isTrue();
        assertThat(r.acquire("u1").allowed()).isFalse();
    }

    @Test
    void parsesRates() {
        assertThat(RateLimiter.parse("10/s", 1, now::get).period()).isEqualTo(Duration.ofSeconds(1));
        assertThat(RateLimiter.parse("5 / 10s", 1, now::get).period()).isEqualTo(Duration.ofSeconds(10));
        assertThat(RateLimiter.parse("1000/hour", 1, now::get).permits()).isEqualTo(1000);
        assertThat(RateLimiter.parse("100/day", 1, now::get).period()).isEqualTo(Duration.ofDays(1));
        for (String bad : new String[]{"", "10", "0/s", "10/fortnight", "-1/s", "1/0s"}) {
            assertThatThrownBy(() -> RateLimiter.parse(bad, 1, now::get)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void retryAfterIsAtLeastOneSecond() {
        RateLimiter r = RateLimiter.parse("100/s", 10, now::get);
        for (int i = 0; i < 100; i++) {
            r.acquire("k");
        }
        assertThat(r.acquire("k").retryAfterSeconds()).isEqualTo(1);
    }

    @Test
    void boundedKeys() {
        RateLimiter r = RateLimiter.parse("1/min", 2, now::get);
        r.acquire("a");
        r.acquire("b");
        r.acquire("c");
        assertThat(r.keys()).isEqualTo(2);
    }
}
