package dev.aigw.servlet.internal.webhook;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class WebhookVerifierTest {
    // Replicate spec §6 test vector.
    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final String ID = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private static final long TS = 1614265330;
    private static final byte[] BODY = "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8);
    private static final String SIG = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    private final WebhookVerifier v = WebhookVerifier.of(SECRET, Duration.ofMinutes(5));

    @Test
    void officialTestVector() {
        assertThat(v.verify(ID, "1614265330", SIG, BODY, BODY.length, TS).status())
                .isEqualTo(WebhookVerifier.Status.VALID);
        assertThat(v.sign(ID, TS, BODY)).isEqualTo(SIG);
    }

    @Test
    void anyOfSeveralEntriesAndRotatedSecrets() {
        String header = "v2,abc v1,AAAA v1,bm90IGl0 " + SIG;
        assertThat(v.verify(ID, "1614265330", header, BODY, BODY.length, TS).valid()).isTrue();
        WebhookVerifier rotated = WebhookVerifier.of("whsec_" + "A".repeat(32) + ", " + SECRET, Duration.ofMinutes(5));
        assertThat(rotated.verify(ID, "1614265330", SIG, BODY, BODY.length, TS).valid()).isTrue();
    }

    @Test
    void tamperedBodyIdOrTimestamp() {
        byte[] tampered = "{\"test\": 2432232315}".getBytes(StandardCharsets.UTF_8);
        assertThat(v.verify(ID, "1614265330", SIG, tampered, tampered.length, TS).status())
                .isEqualTo(WebhookVerifier.Status.SIGNATURE_MISMATCH);
        assertThat(v.verify(ID + "x", "1614265330", SIG, BODY, BODY.length, TS).status())
                .isEqualTo(WebhookVerifier.Status.SIGNATURE_MISMATCH);
        assertThat(v.verify(ID, "1614265331", SIG, BODY, BODY.length, TS).status())
                .isEqualTo(WebhookVerifier.Status.SIGNATURE_MISMATCH);
        assertThat(v.verify(ID, "1614265330", SIG, BODY, BODY.length - 1, TS).status())
                .isEqualTo(WebhookVerifier.Status.SIGNATURE_MISMATCH);
    }

    @Test
    void timestampTolerance() {
        assertThat(v.verify(ID, "1614265330", SIG, BODY, BODY.length, TS + 300).valid()).isTrue();
        assertThat(v.verify(ID, "1614265330", SIG, BODY, BODY.length, TS - 300).valid()).isTrue();
        WebhookVerifier.Result old = v.verify(ID, "1614265330", SIG, BODY, BODY.length, TS + 301);
        assertThat(old.status()).isEqualTo(WebhookVerifier.Status.TIMESTAMP_OUT_OF_TOLERANCE);
        assertThat(old.message()).as("the server clock is not told").doesNotContain("301").contains("300 s");
        assertThat(v.verify(ID, "1614265330", SIG, BODY, BODY.length, TS - 301).status())
                .isEqualTo(WebhookVerifier.Status.TIMESTAMP_OUT_OF_TOLERANCE);
    }

    @Test
    void malformedAndMissingHeaders() {
        assertThat(v.verify(null, null, SIG, BODY, BODY.length, TS).message())
                .contains("webhook-id").contains("webhook-timestamp").doesNotContain("webhook-signature,");
        assertThat(v.verify(ID, "16142653.30", SIG, BODY, BODY.length, TS).status())
                .isEqualTo(WebhookVerifier.Status.MALFORMED_HEADERS);
        assertThat(v.verify(ID, "1614265330", "v1 g0hM", BODY, BODY.length, TS).status())
                .isEqualTo(WebhookVerifier.Status.MALFORMED_HEADERS);
        assertThat(v.verify("a b", "1614265330", SIG, BODY, BODY.length, TS).status())
                .isEqualTo(WebhookVerifier.Status.MALFORMED_HEADERS);
    }

    @Test
    void badSecretsNeverShowTheirValue() {
        assertThatThrownBy(() -> WebhookVerifier.of("whsec_!!notbase64!!", Duration.ofMinutes(5)))
                .hasMessageNotContaining("notbase64").hasMessageContaining("secret 1 of 1");
        assertThatThrownBy(() -> WebhookVerifier.of("whsec_AAAA", Duration.ofMinutes(5)))
                .hasMessageContaining("16 bytes");
        assertThat(v.toString()).doesNotContain("MfKQ");
    }
}
