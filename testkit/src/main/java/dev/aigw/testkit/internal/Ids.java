package dev.aigw.testkit.internal;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.UUID;

/** Identifier shapes copied from real traffic (see the specs); randomness is per call, no shared counters. */
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

    /** ULID-like (time-ordered, 26 Crockford chars) as the gateway's cf-aig-log-id. */
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
