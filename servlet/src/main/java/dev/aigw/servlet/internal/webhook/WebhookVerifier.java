package dev.aigw.servlet.internal.webhook;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Verifies Replicate's webhook signatures (the Standard Webhooks scheme, Replicate spec §6): HMAC-SHA256 keyed with
 * the base64-decoded part of the {@code whsec_...} secret, over {@code "<webhook-id>.<webhook-timestamp>.<body>"};
 * the {@code webhook-signature} header lists space-separated {@code v1,<base64>} entries and one must match.
 * Signatures are compared in constant time ({@link MessageDigest#isEqual}); the timestamp must be within the
 * tolerance of now in either direction. Several secrets may be configured, for key rotation.
 *
 * <p>Immutable and thread-safe. Secrets never appear in results or messages.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class WebhookVerifier {
    /** Standard Webhooks' recommendation; Replicate states none. */
    public static final Duration DEFAULT_TOLERANCE = Duration.ofMinutes(5);
    /** Longest {@code webhook-id} accepted (Replicate's are about 30 characters). */
    public static final int MAX_ID = 256;

    /** Outcome of one verification. */
    public enum Status {
        VALID,
        /** a {@code webhook-id}, {@code webhook-timestamp} or {@code webhook-signature} header is missing */
        MISSING_HEADERS,
        /** a header is present but not of the expected form */
        MALFORMED_HEADERS,
        /** the timestamp is further from now than the tolerance */
        TIMESTAMP_OUT_OF_TOLERANCE,
        /** no {@code v1} signature entry matches */
        SIGNATURE_MISMATCH
    }

    /** The outcome and a message that says what was wrong and what is expected (no secret in it). */
    public record Result(Status status, String message) {
        public boolean valid() {
            return status == Status.VALID;
        }
    }

    private final List<byte[]> keys;
    private final long toleranceSeconds;

    private WebhookVerifier(List<byte[]> keys, long toleranceSeconds) {
        this.keys = keys;
        this.toleranceSeconds = toleranceSeconds;
    }

    /**
     * @param secrets   one or more secrets, {@code whsec_<base64>} (or bare base64), separated by spaces or commas
     * @param tolerance how far the timestamp may be from now, either way
     * @throws IllegalArgumentException naming which secret (by position) is malformed, never its value
     */
    public static WebhookVerifier of(String secrets, Duration tolerance) {
        if (secrets == null || secrets.isBlank()) {
            throw new IllegalArgumentException("no secret");
        }
        if (tolerance == null || tolerance.isNegative() || tolerance.isZero()) {
            throw new IllegalArgumentException("tolerance must be positive");
        }
        List<byte[]> keys = new ArrayList<>();
        String[] parts = secrets.strip().split("[\\s,]+");
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            String b64 = p.startsWith("whsec_") ? p.substring("whsec_".length()) : p;
            byte[] key;
            try {
                key = Base64.getDecoder().decode(b64);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("secret " + (i + 1) + " of " + parts.length
                        + " is not whsec_ followed by base64");
            }
            if (key.length < 16) {
                throw new IllegalArgumentException("secret " + (i + 1) + " of " + parts.length
                        + " decodes to fewer than 16 bytes");
            }
            keys.add(key);
        }
        return new WebhookVerifier(List.copyOf(keys), tolerance.toSeconds());
    }

    public Duration tolerance() {
        return Duration.ofSeconds(toleranceSeconds);
    }

    /**
     * Checks the headers and the timestamp, before any of the body is read: a delivery that fails here is refused
     * without reading it. {@link Status#VALID} means "headers acceptable" (the signature is not checked yet).
     *
     * @param id              {@code webhook-id} header, or null
     * @param timestamp       {@code webhook-timestamp} header (Unix seconds), or null
     * @param signatureHeader {@code webhook-signature} header, or null
     * @param nowEpochSeconds the current time
     */
    public Result checkHeaders(String id, String timestamp, String signatureHeader, long nowEpochSeconds) {
        if (id == null || timestamp == null || signatureHeader == null) {
            List<String> missing = new ArrayList<>(3);
            if (id == null) {
                missing.add("webhook-id");
            }
            if (timestamp == null) {
                missing.add("webhook-timestamp");
            }
            if (signatureHeader == null) {
                missing.add("webhook-signature");
            }
            return new Result(Status.MISSING_HEADERS, "missing header(s) " + String.join(", ", missing)
                    + "; a Replicate webhook carries webhook-id, webhook-timestamp and webhook-signature");
        }
        if (id.isEmpty() || id.length() > MAX_ID || !printable(id)) {
            return new Result(Status.MALFORMED_HEADERS, "webhook-id must be 1 to " + MAX_ID
                    + " printable ASCII characters");
        }
        if (timestamp.isEmpty() || timestamp.length() > 12 || !digits(timestamp)) {
            return new Result(Status.MALFORMED_HEADERS, "webhook-timestamp must be Unix seconds (digits only)");
        }
        if (Math.abs(nowEpochSeconds - Long.parseLong(timestamp)) > toleranceSeconds) {
            // neither the offset nor the server's time is told: a caller must not learn the clock from a 401
            return new Result(Status.TIMESTAMP_OUT_OF_TOLERANCE, "webhook-timestamp is not within the accepted "
                    + "window of " + toleranceSeconds + " s around the time of delivery (an old delivery, a replay, "
                    + "or a clock out of sync)");
        }
        if (signatures(signatureHeader).isEmpty()) {
            return new Result(Status.MALFORMED_HEADERS,
                    "webhook-signature has no v1,<base64> entry (space-separated entries expected)");
        }
        return new Result(Status.VALID, "headers valid");
    }

    /**
     * Verifies one delivery: {@link #checkHeaders}, then the signature over the body.
     *
     * @param body            the raw body, {@code len} bytes of it
     */
    public Result verify(String id, String timestamp, String signatureHeader, byte[] body, int len,
                         long nowEpochSeconds) {
        Result headers = checkHeaders(id, timestamp, signatureHeader, nowEpochSeconds);
        if (!headers.valid()) {
            return headers;
        }
        List<byte[]> candidates = signatures(signatureHeader);
        // the signature covers the headers exactly as sent
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.US_ASCII);
        boolean match = false;
        for (byte[] key : keys) {
            byte[] expected = hmac(key, prefix, body, len);
            for (byte[] c : candidates) {
                match |= MessageDigest.isEqual(expected, c); // no early exit: same work whichever matches
            }
        }
        return match ? new Result(Status.VALID, "valid")
                : new Result(Status.SIGNATURE_MISMATCH, "webhook-signature does not match the body: it was not signed "
                + "with the configured secret, or the body or headers were changed on the way");
    }

    private static List<byte[]> signatures(String signatureHeader) {
        List<byte[]> candidates = new ArrayList<>(2);
        for (String entry : signatureHeader.strip().split(" +")) {
            int comma = entry.indexOf(',');
            if (comma <= 0 || !entry.startsWith("v1,")) {
                continue; // other versions are not ours to judge
            }
            try {
                candidates.add(Base64.getDecoder().decode(entry.substring(comma + 1)));
            } catch (IllegalArgumentException e) {
                // a malformed entry never matches
            }
        }
        return candidates;
    }

    private static byte[] hmac(byte[] key, byte[] prefix, byte[] body, int len) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            mac.update(prefix);
            mac.update(body, 0, len);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is not available", e);
        }
    }

    /** Signs like Replicate does (for tests and tools): returns {@code v1,<base64>} with the first secret. */
    public String sign(String id, long timestamp, byte[] body) {
        byte[] prefix = (id + "." + timestamp + ".").getBytes(StandardCharsets.US_ASCII);
        return "v1," + Base64.getEncoder().encodeToString(hmac(keys.get(0), prefix, body, body.length));
    }

    private static boolean digits(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return true;
    }

    private static boolean printable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        return "WebhookVerifier{secrets=" + keys.size() + ", tolerance=" + toleranceSeconds + "s}";
    }
}
