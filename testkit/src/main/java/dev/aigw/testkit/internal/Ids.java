package dev.aigw.testkit.internal;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/**
 * Identifier shapes copied from real traffic (see the specs); randomness is per call, no shared counters.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Ids {
    private static final char[] BASE32_LOWER = "abcdefghijklmnopqrstuvwxyz234567".toCharArray();
    private static final char[] CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private Ids() {
    }

    /** 26-char lowercase id like Replicate prediction ids ({@code gm3qorzdhgbfurvjtvhg6dckhu}). */
    public static String predictionId() {
        char[] out = new char[26];
        for (int i = 0; i < out.length; i++) {
            out[i] = BASE32_LOWER[RANDOM.nextInt(32)];
        }
        return new String(out);
    }

    /** Replicate file ids are base64 of a UUID string. */
    public static String fileId() {
        return Base64.getEncoder().withoutPadding().encodeToString(UUID.randomUUID().toString().getBytes())
                .replace('+', '-').replace('/', '_');
    }

    /**
     * A lowercase UUIDv7 (RFC 9562: 48-bit Unix milliseconds, version 7, variant 10, 74 random bits), the shape of the
     * gateway's {@code cf-aig-log-id} since October 2026, e.g. {@code 019a6c1e-3f2b-7c41-9d1e-5b8f0a2c4d6e}.
     */
    public static String uuidV7() {
        byte[] b = randomBytes(16);
        long ms = System.currentTimeMillis();
        for (int i = 5; i >= 0; i--) {
            b[i] = (byte) ms;
            ms >>>= 8;
        }
        b[6] = (byte) (0x70 | (b[6] & 0x0f));
        b[8] = (byte) (0x80 | (b[8] & 0x3f));
        String h = hex(b);
        return h.substring(0, 8) + "-" + h.substring(8, 12) + "-" + h.substring(12, 16) + "-" + h.substring(16, 20)
                + "-" + h.substring(20);
    }

    /** ULID-like (time-ordered, 26 Crockford chars): the gateway's cf-aig-log-id before October 2026. */
    public static String ulid() {
        long time = System.currentTimeMillis();
        char[] out = new char[26];
        for (int i = 9; i >= 0; i--) {
            out[i] = CROCKFORD[(int) (time & 31)];
            time >>>= 5;
        }
        for (int i = 10; i < 26; i++) {
            out[i] = CROCKFORD[RANDOM.nextInt(32)];
        }
        return new String(out);
    }

    public static String hex(byte[] bytes) {
        return HexFormat.of().formatHex(bytes);
    }

    public static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
