package dev.aigw.servlet.internal;

import dev.aigw.servlet.internal.proxy.ProxyPath;
import dev.aigw.servlet.internal.webhook.WebhookVerifier;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random inputs against the proxy's path checks and the webhook verifier. The bounded run here is part of
 * the test command; {@code -Daigw.fuzz.iterations=N} runs longer and {@code -Daigw.fuzz.seed=S} replays a failure
 * (the seed is in every failure message). {@code servlet/fuzz} runs it long.
 */
class ServletFuzzTest {
    private static final int ITERATIONS = Integer.getInteger("aigw.fuzz.iterations", 3000);
    private static final long SEED = Long.getLong("aigw.fuzz.seed", System.nanoTime());

    /** One line per target for the fuzz scripts to collect: executions, time, rate and the seed. */
    private static void figures(String target, long executions, long startNanos) {
        long ms = Math.max(1, (System.nanoTime() - startNanos) / 1_000_000);
        System.out.printf("fuzz %s: %d executions in %d ms (%d/s), seed %d%n", target, executions, ms,
                executions * 1000 / ms, SEED);
    }
    private static final String[] PROXY_PIECES = {"/", "/", "/predictions", "/a", ".", "..", "%2e", "%2E", "%2f", "%2F",
            "%5c", "%25", "%252e", "%32", "%65", "%", "%0", "%zz", "\\", ";", "=", "?", "#", "%3F", "%00", "%0d%0a",
            "%c0%ae", "%ef%bc%8e", "\uff0e", "\u2025", "~", "-", "_", "'", "(", "*", "!", "$", "&", "+", ",", ":", "@",
            "[", "]", "{", "\"", " ", "\t", "\u00e9", "x", "1"};

    /**
     * The proxy's path and query checks: whatever is accepted is a valid URI appended to the API root, has no dot
     * segment the URI would normalise away, and decoding its percent-escapes once or twice never yields a dot
     * segment, a new slash or a backslash: an accepted path cannot leave {@code /v1} however upstream decodes it.
     */
    @Test
    void proxyPathAcceptsOnlyPathsThatStayUnderTheApiRoot() {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 6);
        for (int i = 0; i < ITERATIONS; i++) {
            StringBuilder sb = new StringBuilder();
            int n = rnd.nextInt(10);
            for (int p = 0; p < n; p++) {
                sb.append(PROXY_PIECES[rnd.nextInt(PROXY_PIECES.length)]);
            }
            String rest = sb.length() > 0 && sb.charAt(0) != '/' && rnd.nextInt(4) != 0 ? "/" + sb : sb.toString();
            String query = rnd.nextBoolean() ? null : sb.toString().replace("/", "=");
            try {
                checkProxyPath(rest, query);
            } catch (AssertionError | URISyntaxException e) {
                throw new AssertionError("seed " + SEED + " rest " + rest + " query " + query + ": " + e.getMessage(), e);
            }
        }
        figures("proxy-path", ITERATIONS, start);
    }

    /** What the proxy accepts stays under the API root however it is decoded (see the test above). */
    static void checkProxyPath(String rest, String query) throws URISyntaxException {
        String api = "https://api.replicate.com/v1";
        if (ProxyPath.checkPath(rest) == null) {
            URI u = new URI(api + rest);
            assertThat(u.getRawPath()).startsWith("/v1");
            assertThat(u.normalize().getRawPath()).as("normalises to itself").isEqualTo(u.getRawPath());
            String once = percentDecode(rest);
            for (String decoded : new String[]{once, percentDecode(once)}) {
                assertThat(decoded).doesNotContain("\\");
                assertThat(decoded.chars().filter(c -> c == '/').count()).as("no new slash in %s", decoded)
                        .isEqualTo(rest.chars().filter(c -> c == '/').count());
                for (String seg : decoded.split("/", -1)) {
                    assertThat(seg).isNotIn(".", "..");
                }
            }
        }
        if (query != null && ProxyPath.checkQuery(query) == null) {
            assertThat(new URI(api + "/x?" + query).getRawQuery()).isEqualTo(query);
        }
    }

    /** %XX to the byte's character (Latin-1), anything else kept: the most generous decoding upstream could do. */
    private static String percentDecode(String s) {
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length() && Character.digit(s.charAt(i + 1), 16) >= 0
                    && Character.digit(s.charAt(i + 2), 16) >= 0) {
                out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static final String[] SECRETS = new String[8];

    /**
     * Random ids, timestamps, signature headers, bodies and secrets: the verifier never throws, never accepts a
     * signature an independent HMAC-SHA256 of {@code id.timestamp.body} under the secret does not produce, always
     * accepts one it does (when the headers are well-formed and the time is within tolerance), and never puts the
     * secret in a message. Malformed secrets are refused naming their position only.
     */
    @Test
    void webhookVerifierAcceptsExactlyTheIndependentlyComputedSignature() throws Exception {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 5);
        for (int i = 0; i < SECRETS.length; i++) {
            byte[] key = new byte[16 + rnd.nextInt(49)];
            rnd.nextBytes(key);
            SECRETS[i] = java.util.Base64.getEncoder().encodeToString(key);
        }
        long now = 1_700_000_000L;
        for (int i = 0; i < ITERATIONS; i++) {
            int sIdx = rnd.nextInt(SECRETS.length);
            String secret = (rnd.nextBoolean() ? "whsec_" : "") + SECRETS[sIdx];
            String configured = rnd.nextInt(4) == 0 ? "whsec_" + SECRETS[(sIdx + 1) % SECRETS.length] + " " + secret
                    : secret;
            WebhookVerifier v = WebhookVerifier.of(configured, java.time.Duration.ofMinutes(5));
            String id = randomWebhookId(rnd);
            long tsValue = now + (rnd.nextInt(4) == 0 ? rnd.nextInt(2000) - 1000 : rnd.nextInt(600) - 300);
            String ts = switch (rnd.nextInt(12)) {
                case 0 -> null;
                case 1 -> Long.toString(tsValue) + "x";
                case 2 -> " " + tsValue;
                case 3 -> "9".repeat(13);
                case 4 -> "-" + tsValue;
                case 5 -> "";
                default -> Long.toString(tsValue);
            };
            byte[] body = new byte[rnd.nextInt(300)];
            rnd.nextBytes(body);
            int len = rnd.nextInt(8) == 0 ? rnd.nextInt(body.length + 1) : body.length;
            byte[] good = independentHmac(SECRETS[sIdx], id, ts, body, len);
            String sigHeader = randomSignatureHeader(rnd, good);
            try {
                checkVerifier(v, SECRETS[sIdx], id, ts, sigHeader, body, len, now);
            } catch (Exception | AssertionError e) {
                throw new AssertionError("seed " + SEED + ": " + e.getMessage(), e);
            }
            if (rnd.nextInt(8) == 0) {
                String bad = randomString(rnd, 1 + rnd.nextInt(40));
                try {
                    WebhookVerifier.of(bad, java.time.Duration.ofMinutes(5));
                } catch (IllegalArgumentException e) {
                    if (bad.strip().length() >= 4) {
                        assertThat(e.getMessage()).as("seed %s", SEED).doesNotContain(bad.strip());
                    }
                }
            }
        }
        figures("webhook-verifier", ITERATIONS, start);
    }

    /**
     * The verifier's contract for one delivery: never throws; valid exactly when the headers are well-formed, the
     * time is within 300 s and a {@code v1} entry carries the independently computed HMAC; the secret is never in
     * the message.
     */
    static void checkVerifier(WebhookVerifier v, String base64Secret, String id, String ts, String sigHeader,
                              byte[] body, int len, long now) throws Exception {
        byte[] good = independentHmac(base64Secret, id, ts, body, len);
        WebhookVerifier.Result r;
        try {
            r = v.verify(id, ts, sigHeader, body, len, now);
        } catch (RuntimeException e) {
            throw new AssertionError("verify threw " + e, e);
        }
        boolean wellFormed = id != null && ts != null && sigHeader != null && !id.isEmpty()
                && id.length() <= WebhookVerifier.MAX_ID && id.chars().allMatch(c -> c > 0x20 && c < 0x7f)
                && ts.matches("[0-9]{1,12}");
        boolean inTime = wellFormed && Math.abs(now - Long.parseLong(ts)) <= 300;
        boolean carriesGood = sigHeader != null && good != null && java.util.Arrays.stream(
                sigHeader.strip().split(" +")).anyMatch(e -> e.equals("v1," + java.util.Base64.getEncoder()
                .encodeToString(good)) || e.equals("v1," + java.util.Base64.getEncoder().withoutPadding()
                .encodeToString(good)));
        assertThat(r.valid()).as("valid? id=%s ts=%s sig=%s", id, ts, sigHeader)
                .isEqualTo(wellFormed && inTime && carriesGood);
        if (r.status() == WebhookVerifier.Status.TIMESTAMP_OUT_OF_TOLERANCE) {
            assertThat(wellFormed && !inTime).isTrue();
        }
        if (r.status() == WebhookVerifier.Status.MISSING_HEADERS) {
            assertThat(id == null || ts == null || sigHeader == null).isTrue();
        }
        assertThat(r.message()).doesNotContain(base64Secret).doesNotContain("\n", "\r");
    }

    private static String randomWebhookId(Random rnd) {
        switch (rnd.nextInt(10)) {
            case 0: return null;
            case 1: return "";
            case 2: return "msg " + rnd.nextInt(100);
            case 3: return "msg_" + randomString(rnd, 4);
            case 4: return "m".repeat(WebhookVerifier.MAX_ID + rnd.nextInt(3) - 1);
            default: return "msg_" + Long.toString(rnd.nextLong() & Long.MAX_VALUE, 36);
        }
    }

    private static String randomSignatureHeader(Random rnd, byte[] good) {
        java.util.Base64.Encoder b64 = java.util.Base64.getEncoder();
        byte[] flipped = good == null ? new byte[32] : good.clone();
        flipped[rnd.nextInt(flipped.length)] ^= (byte) (1 << rnd.nextInt(8));
        byte[] junk = new byte[rnd.nextInt(40)];
        rnd.nextBytes(junk);
        String goodEntry = good == null ? "v1," + b64.encodeToString(junk) : "v1," + b64.encodeToString(good);
        String[] entries = {goodEntry, "v1," + b64.encodeToString(flipped), "v1," + b64.encodeToString(junk),
                "v2," + (good == null ? "x" : b64.encodeToString(good)), "v1," + randomString(rnd, 10), "v1,",
                ",abc", "v1" + goodEntry.substring(2).replace(',', ' '), goodEntry.toUpperCase(java.util.Locale.ROOT),
                goodEntry.replace("=", ""), goodEntry + "=", goodEntry.substring(0, goodEntry.length() - 2)};
        switch (rnd.nextInt(6)) {
            case 0: return null;
            case 1: return "";
            default:
                StringBuilder sb = new StringBuilder();
                int n = 1 + rnd.nextInt(3);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        sb.append(rnd.nextBoolean() ? " " : "  ");
                    }
                    sb.append(entries[rnd.nextInt(entries.length)]);
                }
                return sb.toString();
        }
    }

    /** HMAC-SHA256 of {@code id.ts.body[0..len)} keyed with the decoded secret, computed here, not by aigw. */
    static byte[] independentHmac(String base64Secret, String id, String ts, byte[] body, int len)
            throws Exception {
        if (id == null || ts == null) {
            return null;
        }
        javax.crypto.Mac mac = javax.crypto.Mac.getInstance("HmacSHA256");
        mac.init(new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(base64Secret),
                "HmacSHA256"));
        java.io.ByteArrayOutputStream signed = new java.io.ByteArrayOutputStream();
        signed.writeBytes((id + "." + ts + ".").getBytes(StandardCharsets.UTF_8));
        signed.write(body, 0, len);
        return mac.doFinal(signed.toByteArray());
    }

    private static String randomString(Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            int kind = rnd.nextInt(6);
            if (kind == 0) {
                sb.append((char) rnd.nextInt(0x20)); // control
            } else if (kind == 1) {
                sb.append((char) (0x80 + rnd.nextInt(0x700))); // Latin etc.
            } else if (kind == 2) {
                sb.appendCodePoint(0x1F600 + rnd.nextInt(50)); // surrogate pairs
            } else if (kind == 3) {
                sb.append("\"\\\u2028\u007f".charAt(rnd.nextInt(4)));
            } else {
                sb.append((char) (0x20 + rnd.nextInt(0x5f)));
            }
        }
        return sb.toString();
    }
}
