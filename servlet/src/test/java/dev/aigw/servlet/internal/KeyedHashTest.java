package dev.aigw.servlet.internal;

import org.junit.jupiter.api.Test;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static org.assertj.core.api.Assertions.assertThat;

class KeyedHashTest {
    /** The cloned, pre-keyed MAC gives exactly HMAC-SHA256 under the instance's key, cut to 8 bytes in hex. */
    @Test
    void isTheFirstEightBytesOfHmacSha256UnderItsKey() throws Exception {
        KeyedHash h = new KeyedHash();
        Field f = KeyedHash.class.getDeclaredField("key");
        f.setAccessible(true);
        Mac reference = Mac.getInstance("HmacSHA256");
        reference.init((SecretKeySpec) f.get(h));
        for (String v : List.of("127.0.0.1", "2001:db8::1", "", "ünïcode", "x".repeat(10_000))) {
            byte[] full = reference.doFinal(v.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            assertThat(h.of(v)).as(v).isEqualTo(HexFormat.of().formatHex(full, 0, 8)).hasSize(16);
            assertThat(h.of(v)).as("the same again: nothing of one use stays in the next").isEqualTo(h.of(v));
        }
        assertThat(h.of(null)).isNull();
        assertThat(new KeyedHash().of("127.0.0.1")).as("another key").isNotEqualTo(h.of("127.0.0.1"));
    }

    /** Request threads use one instance at once: each answer is the one a lone caller gets. */
    @Test
    void concurrentUsesDoNotMix() throws Exception {
        KeyedHash h = new KeyedHash();
        List<String> values = new ArrayList<>();
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 256; i++) {
            values.add("10.0." + (i >> 4) + "." + i);
            expected.add(h.of(values.get(i)));
        }
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Future<Boolean>> runs = new ArrayList<>();
            for (int t = 0; t < 8; t++) {
                int offset = t;
                runs.add(pool.submit(() -> {
                    for (int n = 0; n < 20_000; n++) {
                        int i = (n * 7 + offset) & 255;
                        if (!expected.get(i).equals(h.of(values.get(i)))) {
                            return false;
                        }
                    }
                    return true;
                }));
            }
            for (Future<Boolean> r : runs) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }
}
