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

    /** A key of parts (the public URL's scheme, Host and context path): a change in any part computes again. */
    @Test
    void aKeyOfPartsIsKeptOnlyWhileEveryPartIsEqual() {
        LastSeen<String> parts = new LastSeen<>();
        LastSeen.Compute<String, RuntimeException> compute = k -> k + "#" + computed.incrementAndGet();
        assertThat(parts.get("https", "a.example", "/app", compute)).isEqualTo("https#1");
        assertThat(parts.get(new String("https"), new String("a.example"), new String("/app"), compute))
                .isEqualTo("https#1");
        assertThat(parts.get("http", "a.example", "/app", compute)).isEqualTo("http#2");
        assertThat(parts.get("http", "b.example", "/app", compute)).isEqualTo("http#3");
        assertThat(parts.get("http", "b.example", "", compute)).isEqualTo("http#4");
        // the parts are compared apart: "b.example /x" + "" is not "b.example" + " /x"
        assertThat(parts.get("http", "b.example /x", "", compute)).isEqualTo("http#5");
        assertThat(parts.get("http", "b.example", " /x", compute)).isEqualTo("http#6");
        assertThat(parts.get("http", "b.example", " /x", compute)).isEqualTo("http#6");
        // a one-part key never takes the value kept for parts
        assertThat(parts.get("http", k -> "one")).isEqualTo("one");
    }
}
