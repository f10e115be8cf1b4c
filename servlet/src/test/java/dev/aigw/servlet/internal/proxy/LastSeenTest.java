package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

class LastSeenTest {
    private final AtomicInteger computed = new AtomicInteger();
    private final LastSeen<String> last = new LastSeen<>();

    private String of(String key) {
        return last.get(key, k -> (k == null ? "none" : k.toUpperCase()) + "#" + computed.incrementAndGet());
    }

    @Test
    void anEqualKeyGetsTheKeptValueAnotherKeyItsOwn() {
        assertThat(of("a")).isEqualTo("A#1");
        assertThat(of(new String("a"))).isEqualTo("A#1");
        assertThat(of("b")).isEqualTo("B#2");
        assertThat(of("a")).isEqualTo("A#3"); // one entry: the last key's
        assertThat(of(null)).isEqualTo("none#4");
        assertThat(of(null)).isEqualTo("none#5"); // null keys are never kept
        assertThat(of("a")).isEqualTo("A#3");
    }
}
