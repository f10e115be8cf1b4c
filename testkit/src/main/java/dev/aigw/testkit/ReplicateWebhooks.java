package dev.aigw.testkit;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;

/**
 * Replicate webhook signatures (Standard Webhooks scheme, Replicate spec §6), written independently of aigw-core:
 * HMAC-SHA256 over {@code "{id}.{timestamp}.{body}"}, key = base64-decoded part after {@code whsec_}, signature
 * header = space-separated {@code v1,<base64>} entries.
 */
public final class ReplicateWebhooks {
    private ReplicateWebhooks() {
    }

    /** Returns the {@code webhook-signature} header value ({@code v1,<base64>}). */
    public static String sign(String secret, String id, long timestamp, byte[] body) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key(secret), "HmacSHA256"));
            mac.update((id + "." + timestamp + ".").getBytes(StandardCharsets.UTF_8));
            return "v1," + Base64.getEncoder().encodeToString(mac.doFinal(body));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    public static String sign(String secret, String id, long timestamp, String body) {
        return sign(secret, id, timestamp, body.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * True when any {@code v1,} entry of {@code signatureHeader} matches (constant-time). No timestamp tolerance is
     * applied here; use {@link #verify(String, String, long, byte[], String, long, long)} for that.
     */
    public static boolean verify(String secret, String id, long timestamp, byte[] body, String signatureHeader) {
        if (signatureHeader == null) {
            return false;
        }
        byte[] expected = sign(secret, id, timestamp, body).substring(3).getBytes(StandardCharsets.US_ASCII);
        for (String entry : signatureHeader.trim().split(" +")) {
            int comma = entry.indexOf(',');
            if (comma > 0 && entry.substring(0, comma).equals("v1")
                    && MessageDigest.isEqual(expected, entry.substring(comma + 1).getBytes(StandardCharsets.US_ASCII))) {
                return true;
            }
        }
        return false;
    }

    /** As above, and the timestamp must be within {@code toleranceSeconds} of {@code nowEpochSeconds}. */
    public static boolean verify(String secret, String id, long timestamp, byte[] body, String signatureHeader,
                                 long nowEpochSeconds, long toleranceSeconds) {
        return Math.abs(nowEpochSeconds - timestamp) <= toleranceSeconds
                && verify(secret, id, timestamp, body, signatureHeader);
    }

    private static byte[] key(String secret) {
        int underscore = secret.indexOf('_');
        if (underscore <= 0) {
            throw new IllegalArgumentException("webhook secret must look like whsec_<base64>");
        }
        return Base64.getDecoder().decode(secret.substring(underscore + 1));
    }
}
