package dev.aigw.servlet.internal;

import dev.aigw.servlet.internal.proxy.CanonicalRequest;
import dev.aigw.servlet.internal.proxy.JsonBodyGate;
import dev.aigw.servlet.internal.proxy.ModelAllowlist;
import dev.aigw.servlet.internal.proxy.ProxyConfig;
import dev.aigw.servlet.internal.proxy.Refusal;
import dev.aigw.servlet.internal.webhook.WebhookVerifier;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Random;

import static dev.aigw.fuzzing.Fuzzing.ITERATIONS;
import static dev.aigw.fuzzing.Fuzzing.SEED;
import static dev.aigw.fuzzing.Fuzzing.figures;
import static dev.aigw.fuzzing.Fuzzing.randomString;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Seeded random inputs against the proxy's path checks and the webhook verifier. The bounded run here is part of
 * the test command; {@code -Daigw.fuzz.iterations=N} runs longer and {@code -Daigw.fuzz.seed=S} replays a failure
 * (the seed is in every failure message). {@code servlet/fuzz} runs it long.
 */
class ServletFuzzTest {

    private static final String[] PROXY_PIECES = {"/", "/", "/predictions", "/webhooks", "/default", "/secret",
            "/models", "/evil", "/acme", "/echo", "/deployments", "/versions", "/trainings", "/a", ".", "..", "%2e",
            "%2E", "%2f", "%2F", "%5c", "%25", "%252e", "%32", "%65", "%77", "%57", "%70", "%50", "%73", "%", "%0",
            "%zz", "\\", ";", "=", "?", "#", "%3F", "%3b", "%00", "%0d%0a", "%c0%ae", "%ef%bc%8e", "\uff0e", "\u2025",
            "~", "-", "_", "'", "(", "*", "!", "$", "&", "+", ",", ":", "@", "[", "]", "{", "\"", " ", "\t", "\u00e9",
            "x", "1", "W", "P", "E", "Webhooks", "PREDICTIONS", "Models", "\u017f", "\u212a"};

    /**
     * The canonicaliser against a reference normaliser (every escape decoded, backslashes as slashes, parameters
     * dropped, {@code java.net.URI} dot-segment normalisation, empty segments and a trailing slash removed):
     * whatever spelling is accepted means to the reference exactly the canonical path aigw decides on and forwards,
     * so whatever the reference reads as the webhooks endpoint or a run of a refused model, aigw refuses.
     */
    @Test
    void canonicaliserAgreesWithAReferenceNormaliser() {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 6);
        for (int i = 0; i < ITERATIONS; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + rnd.nextInt(10);
            for (int p = 0; p < n; p++) {
                sb.append(PROXY_PIECES[rnd.nextInt(PROXY_PIECES.length)]);
            }
            String rest = sb.charAt(0) != '/' && rnd.nextInt(4) != 0 ? "/" + sb : sb.toString();
            String method = rnd.nextInt(4) == 0 ? "GET" : "POST";
            String query = rnd.nextBoolean() ? null : sb.toString().replace("/", "=");
            try {
                checkCanonical(method, rest, query);
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + SEED + " rest " + rest + " query " + query + ": " + e.getMessage(), e);
            }
        }
        figures("canonicaliser", ITERATIONS, start);
    }

    /** See {@link #canonicaliserAgreesWithAReferenceNormaliser}. */
    static void checkCanonical(String method, String rest, String query) {
        CanonicalRequest c;
        try {
            c = CanonicalRequest.of(method, "/app/replicate" + rest, "/app/replicate", query);
        } catch (Refusal.Refused refused) {
            assertThat(refused.refusal().status()).isIn(400, 405);
            assertThat(refused.getMessage()).matches("[\\x20-\\x7e]+");
            return; // refused: nothing to forward
        }
        String meaning = reference(rest);
        assertThat(c.path()).as("what the reference reads is what aigw decided on").isEqualTo(meaning);
        assertThat(URI.create(ProxyConfig.API + c.pathAndQuery()).normalize().getRawPath()).as("stays under /v1")
                .isEqualTo("/v1" + c.path());
        String lower = meaning.toLowerCase(Locale.ROOT);
        if (lower.equals("/webhooks") || lower.startsWith("/webhooks/")) {
            assertThat(c.webhooks()).as("the webhooks endpoint in any case is aigw's webhooks endpoint").isTrue();
        }
        ModelAllowlist.Target mine = ModelAllowlist.classify(method, c.path());
        ModelAllowlist.Target theirs = ModelAllowlist.classify(method, lower);
        assertThat(mine).as("a run the reference sees is the run aigw checks").isEqualTo(theirs);
        if (query != null && c.query() != null) {
            assertThat(percentDecode(c.query())).isEqualTo(percentDecode(query));
        }
    }

    /** What a normalising server behind the proxy makes of a raw path (the most generous reading). */
    static String reference(String raw) {
        String decoded = percentDecode(raw).replace('\\', '/');
        StringBuilder encoded = new StringBuilder();
        for (String seg : decoded.split("/", -1)) {
            int semi = seg.indexOf(';');
            String sg = semi >= 0 ? seg.substring(0, semi) : seg;
            encoded.append('/').append(java.net.URLEncoder.encode(sg, java.nio.charset.StandardCharsets.UTF_8)
                    .replace("+", "%20").replace("%2E", "."));
        }
        String normal = URI.create("http://h" + encoded.substring(1).replaceAll("/{2,}", "/")).normalize()
                .getRawPath();
        String path = percentDecode(normal.replaceAll("/{2,}", "/"));
        while (path.endsWith("/") && path.length() > 1) {
            path = path.substring(0, path.length() - 1);
        }
        return path;
    }

    private static final String[] KEYS = {"\"version\"", "\"\\u0076ersion\"", "\"VERSION\"", "\"ver\\u017fion\"",
            "\"Version\"", "\"input\"", "\"stream\"", "\"versio\\u006e\"", "\"destination\"", "\"DESTINATION\"",
            "\"d\\u0065stination\"", "\"de\\u017ftination\""};
    private static final String[] VALUES = {"\"acme/echo\"", "\"evil/model\"", "\"acme/echo:" + "a".repeat(64) + "\"",
            "\"\\u0065vil/model\"", "1", "-0.5e3", "true", "null", "{}", "[]", "{\"version\":\"evil/model\"}",
            "[\"evil/model\"]", "\"\"", "\"acme/echo\\u0000\"", "01", "NaN", "\"a\\ud800\""};

    /**
     * The JSON body gate against Jackson with duplicate detection, in random chunkings: a body the gate passes
     * parses (strictly, one value, no duplicate) to a root object whose {@code version} is an allowed string and
     * no other root key is {@code version} in another case; whatever Jackson (taking any of the duplicates, or
     * matching keys case-insensitively as Go does) reads as a refused model, the gate refuses.
     */
    @Test
    void bodyGateAgreesWithJackson() throws Exception {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 7);
        for (int i = 0; i < ITERATIONS; i++) {
            StringBuilder sb = new StringBuilder(rnd.nextInt(8) == 0 ? " " : "").append('{');
            int n = rnd.nextInt(5);
            for (int k = 0; k < n; k++) {
                if (k > 0) {
                    sb.append(rnd.nextInt(30) == 0 ? "" : ",");
                }
                sb.append(KEYS[rnd.nextInt(KEYS.length)]).append(rnd.nextInt(30) == 0 ? "" : ":")
                        .append(VALUES[rnd.nextInt(VALUES.length)]);
            }
            sb.append(rnd.nextInt(20) == 0 ? "" : "}");
            if (rnd.nextInt(20) == 0) {
                sb.append(rnd.nextBoolean() ? "{\"version\":\"evil/model\"}" : "x");
            }
            byte[] body = sb.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            try {
                checkBodyGate(body, 1 + rnd.nextInt(8), rnd.nextInt(4) == 0 ? "destination" : "version");
            } catch (AssertionError | RuntimeException e) {
                throw new AssertionError("seed " + SEED + " body " + sb + ": " + e.getMessage(), e);
            }
        }
        figures("body-gate", ITERATIONS, start);
    }

    private static final ModelAllowlist ALLOW = ModelAllowlist.parse("acme/*");

    /** See {@link #bodyGateAgreesWithJackson}: the gate of a prediction's {@code version}. */
    static void checkBodyGate(byte[] body, int chunk) throws Exception {
        checkBodyGate(body, chunk, "version");
    }

    private static ModelAllowlist.BodyField bodyField(String field) {
        return field.equals("destination") ? ModelAllowlist.BodyField.DESTINATION
                : ModelAllowlist.BodyField.PREDICTION_VERSION;
    }

    /** The gate of {@code field}: a prediction's {@code version} or a training's {@code destination}. */
    static void checkBodyGate(byte[] body, int chunk, String field) throws Exception {
        JsonBodyGate gate = ALLOW.gate(List.of(bodyField(field)), "POST /predictions");
        java.io.ByteArrayOutputStream passed = new java.io.ByteArrayOutputStream();
        boolean accepted;
        try {
            for (int i = 0; i < body.length; i += chunk) {
                for (java.nio.ByteBuffer b : gate.apply(java.nio.ByteBuffer.wrap(body, i, Math.min(chunk,
                        body.length - i)))) {
                    passed.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
                }
            }
            for (java.nio.ByteBuffer b : gate.finish()) {
                passed.write(b.array(), b.arrayOffset() + b.position(), b.remaining());
            }
            accepted = true;
        } catch (Refusal.Refused r) {
            assertThat(r.refusal().status()).isIn(400, 403);
            assertThat(passed.size()).as("a refused body never passes whole").isLessThan(Math.max(1, body.length));
            accepted = false;
        }
        // the reference: every root member as Jackson reads it, duplicates and all
        List<String[]> members = new java.util.ArrayList<>();
        boolean strictOk = true;
        com.fasterxml.jackson.core.JsonFactory f = com.fasterxml.jackson.core.JsonFactory.builder()
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        try (com.fasterxml.jackson.core.JsonParser p = f.createParser(body)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                strictOk = false;
            } else {
                while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                    String key = p.currentName();
                    com.fasterxml.jackson.core.JsonToken t = p.nextToken();
                    members.add(new String[]{key, t == com.fasterxml.jackson.core.JsonToken.VALUE_STRING ? p.getText()
                            : null});
                    p.skipChildren();
                }
                if (p.nextToken() != null) {
                    strictOk = false; // trailing data
                }
            }
        } catch (java.io.IOException e) {
            // not one strict JSON object: a parse error, a duplicate field, or an encoding Jackson detects but
            // cannot decode (it reads UTF-16 and UTF-32 bodies too; the gate takes UTF-8 only)
            strictOk = false;
        }
        if (accepted) {
            assertThat(strictOk).as("Jackson reads a body the gate passed").isTrue();
            assertThat(passed.toByteArray()).isEqualTo(body);
        }
        for (String[] m : members) {
            boolean namesField = m[0].equalsIgnoreCase(field) || m[0].toLowerCase(Locale.ROOT).replace(
                    '\u017f', 's').equals(field);
            if (namesField && (m[1] == null || !ALLOW.allows(bodyField(field), m[1]))) {
                assertThat(accepted).as("a parser reads key " + m[0] + " as " + field + " = " + m[1]).isFalse();
            }
        }
        if (accepted) {
            assertThat(members.stream().filter(m -> m[0].equals(field)).count()).isEqualTo(1);
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

}
