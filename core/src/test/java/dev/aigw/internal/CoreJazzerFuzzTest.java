package dev.aigw.internal;

import dev.aigw.fuzzing.Fuzzing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.aigw.CallOptions;
import dev.aigw.GatewayConfigurationException;
import org.junit.jupiter.api.AfterAll;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Coverage-guided fuzz targets (Jazzer) with the same properties as {@link CoreFuzzTest}. In the test command each
 * target runs once per stored input (src/test/resources/.../CoreJazzerFuzzTestInputs/&lt;target&gt;: seeds and
 * every crash found so far, which thereby become regression tests). {@code core/fuzz jazzer <target> [duration]}
 * fuzzes one target for real ({@code JAZZER_FUZZ=1}, two minutes) and stores new crashing inputs there; its
 * growing corpus stays in core/.cifuzz-corpus (not committed).
 */
class CoreJazzerFuzzTest {
    private static final Fuzzing.JazzerCounts COUNTS = new Fuzzing.JazzerCounts();

    /** The same figures line as {@link CoreFuzzTest}, for core/fuzz to collect. */
    @AfterAll
    static void figures() {
        COUNTS.print();
    }

    /**
     * The sniffer on any bytes: never throws; the result does not depend on how the bytes are split; on a valid,
     * not too deep document it agrees with Jackson.
     */
    @FuzzTest(maxDuration = "2m")
    void sniffer(byte[] doc) throws Exception {
        COUNTS.count("sniffer");
        JsonSniffer whole = new JsonSniffer();
        whole.feed(doc, 0, doc.length);
        whole.finish();
        JsonSniffer split = new JsonSniffer();
        int step = doc.length == 0 ? 1 : 1 + (doc[0] & 0x0f);
        for (int pos = 0; pos < doc.length; pos += step) {
            split.feed(doc, pos, Math.min(step, doc.length - pos));
        }
        split.finish();
        assertThat(split.result()).isEqualTo(whole.result());
        Sniffed expected;
        try {
            expected = plainEnough(doc) ? CoreFuzzTest.oracle(doc) : null;
        } catch (java.io.IOException invalid) {
            expected = null; // not JSON: only "never throws" and split-invariance apply
        }
        if (expected != null) {
            assertThat(whole.result()).isEqualTo(expected);
        }
    }

    /**
     * Documents where the sniffer's documented limits do not apply: nesting under 400, no number over 60 characters
     * and only finite numbers, a root object, UTF-8 that decodes cleanly.
     */
    private static boolean plainEnough(byte[] doc) {
        String text = new String(doc, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') >= 0 || !text.strip().startsWith("{")) {
            return false;
        }
        int depth = 0;
        int number = 0;
        for (int i = 0; i < doc.length; i++) {
            byte b = doc[i];
            if (b == '{' || b == '[') {
                if (++depth > 400) {
                    return false;
                }
            } else if (b == '}' || b == ']') {
                depth--;
            }
            number = (b >= '0' && b <= '9') || b == '.' || b == 'e' || b == 'E' || b == '-' || b == '+' ? number + 1 : 0;
            if (number > 60) {
                return false;
            }
        }
        return true;
    }

    /** Metadata of any keys and string values: refused on one line, or a header that stays ASCII and parses back. */
    @FuzzTest(maxDuration = "2m")
    void metadataHeader(FuzzedDataProvider data) throws Exception {
        COUNTS.count("metadataHeader");
        Map<String, Object> meta = new LinkedHashMap<>();
        int n = data.consumeInt(0, 7);
        for (int i = 0; i < n; i++) {
            String key = data.consumeString(140);
            switch (data.consumeInt(0, 2)) {
                case 0 -> meta.put(key, data.consumeString(1100));
                case 1 -> meta.put(key, data.consumeDouble());
                default -> meta.put(key, data.consumeBoolean());
            }
        }
        CallOptions o;
        try {
            o = CallOptions.builder().metadata(meta).build();
        } catch (GatewayConfigurationException e) {
            assertThat(e.getMessage()).startsWith("aigw: ").doesNotContain("\n", "\r").hasSizeLessThan(1400);
            return;
        }
        Map<String, String> h = new LinkedHashMap<>();
        dev.aigw.OptionHeadersAccess.write(o, h);
        CoreFuzzTest.assertParsesBack(o, h);
        if (!h.isEmpty()) {
            assertThat(h.get(GatewayHeaders.METADATA)).matches("[\\x20-\\x7e]+");
        }
    }
}
