package dev.aigw.servlet.internal;

import dev.aigw.servlet.internal.webhook.WebhookVerifier;

import dev.aigw.fuzzing.Fuzzing;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import org.junit.jupiter.api.AfterAll;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;

/**
 * Coverage-guided fuzz targets (Jazzer) with the same properties as {@link ServletFuzzTest}. In the test command
 * each target runs once per stored input (src/test/resources/.../ServletJazzerFuzzTestInputs/&lt;target&gt;: seeds
 * and every crash found so far). {@code servlet/fuzz jazzer <target>} fuzzes one target for real.
 */
class ServletJazzerFuzzTest {
    private static final Fuzzing.JazzerCounts COUNTS = new Fuzzing.JazzerCounts();

    /** The same figures line as {@link ServletFuzzTest}, for the fuzz scripts to collect. */
    @AfterAll
    static void figures() {
        COUNTS.print();
    }

    private static final byte[] KEY = "aigw-jazzer-webhook-key-32-bytes".getBytes(StandardCharsets.US_ASCII);
    private static final String SECRET = Base64.getEncoder().encodeToString(KEY);
    private static final WebhookVerifier VERIFIER = WebhookVerifier.of("whsec_" + SECRET, Duration.ofMinutes(5));

    /** The canonicaliser on any path and query, against the reference normaliser. */
    @FuzzTest(maxDuration = "2m")
    void canonicaliser(FuzzedDataProvider data) {
        COUNTS.count("canonicaliser");
        String method = data.consumeBoolean() ? "POST" : "GET";
        String rest = data.consumeString(300);
        String query = data.consumeBoolean() ? data.consumeString(200) : null;
        ServletFuzzTest.checkCanonical(method, rest.startsWith("/") ? rest : "/" + rest, query);
    }

    /** The JSON body gate on any bytes, in any chunking, against Jackson. */
    @FuzzTest(maxDuration = "2m")
    void bodyGate(FuzzedDataProvider data) throws Exception {
        COUNTS.count("bodyGate");
        int chunk = data.consumeInt(1, 64);
        ServletFuzzTest.checkBodyGate(data.consumeRemainingAsBytes(), chunk);
    }

    /** The webhook verifier on any headers and body, against an independent HMAC. */
    @FuzzTest(maxDuration = "2m")
    void webhookVerifier(FuzzedDataProvider data) throws Exception {
        COUNTS.count("webhookVerifier");
        long now = 1_700_000_000L;
        String id = data.consumeBoolean() ? null : data.consumeString(300);
        String ts = switch (data.consumeInt(0, 3)) {
            case 0 -> null;
            case 1 -> data.consumeString(20);
            default -> Long.toString(now + data.consumeInt(-400, 400));
        };
        byte[] body = data.consumeBytes(2000);
        boolean sign = data.consumeBoolean();
        String sig = data.consumeBoolean() ? null : data.consumeRemainingAsString();
        if (sign && sig != null) {
            byte[] good = ServletFuzzTest.independentHmac(SECRET, id, ts, body, body.length);
            if (good != null) {
                sig = sig + " v1," + Base64.getEncoder().encodeToString(good);
            }
        }
        ServletFuzzTest.checkVerifier(VERIFIER, SECRET, id, ts, sig, body, body.length, now);
    }

}
