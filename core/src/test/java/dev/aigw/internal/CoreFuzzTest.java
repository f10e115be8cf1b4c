package dev.aigw.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.aigw.CallOptions;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.Provider;
import dev.aigw.Route;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

import static dev.aigw.fuzzing.Fuzzing.ITERATIONS;
import static dev.aigw.fuzzing.Fuzzing.SEED;
import static dev.aigw.fuzzing.Fuzzing.figures;
import static dev.aigw.fuzzing.Fuzzing.randomString;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

/**
 * Seeded random inputs against properties of the router, header serialisation and sniffer. The
 * bounded run here is part of the test command; {@code -Daigw.fuzz.iterations=N} runs longer and
 * {@code -Daigw.fuzz.seed=S} replays a failure (the seed is in every failure message).
 */
class CoreFuzzTest {
    private static final JsonFactory JSON = new JsonFactory();
    private static final String ROOT = "https://gw.example/v1/acct/gw";

    private static final String[] HOSTS = {"api.replicate.com", "API.REPLICATE.COM", "stream.replicate.com",
            "api.replicate.com.evil", "xapi.replicate.com", "api.openai.com", "127.0.0.1"};
    private static final String[] PATH_PIECES = {"/v1", "/v10", "/v1foo", "/V1", "/", "/predictions", "/%2F", "/%2e%2e",
            "/..", "/a%20b", "/%25", "/files", "/;x", "//", "/\u00e9", "/cancel", "", "/%76%31", "/v%31", "/.", "/%2E",
            "/x", "/%5c", "/%7E", "/%2f", "/%c3%a9"};


    @Test
    void routerKeepsEveryRawByteAfterThePrefix() {
        long start = System.nanoTime();
        Random rnd = new Random(SEED);
        Router router = new Router(ROOT, List.of(Provider.REPLICATE));
        for (int i = 0; i < ITERATIONS; i++) {
            String scheme = rnd.nextBoolean() ? "https" : (rnd.nextBoolean() ? "HTTPS" : "http");
            String host = HOSTS[rnd.nextInt(HOSTS.length)];
            String port = rnd.nextInt(4) == 0 ? (rnd.nextBoolean() ? ":443" : ":8443") : "";
            StringBuilder path = new StringBuilder();
            int pieces = rnd.nextInt(5);
            for (int p = 0; p < pieces; p++) {
                path.append(PATH_PIECES[rnd.nextInt(PATH_PIECES.length)]);
            }
            String query = rnd.nextInt(3) == 0 ? null : randomQuery(rnd);
            String text = scheme + "://" + host + port + path + (query == null ? "" : "?" + query);
            URI uri;
            try {
                uri = new URI(text);
            } catch (URISyntaxException e) {
                continue; // not a URI a client could hold
            }
            try {
                String rawPath = uri.getRawPath() == null ? "" : uri.getRawPath();
                String canonical = referenceNormalForm(rawPath);
                boolean provider = scheme.equalsIgnoreCase("https") && host.equalsIgnoreCase("api.replicate.com")
                        && (port.isEmpty() || port.equals(":443"));
                boolean expected = provider && underV1(canonical);
                // refused where the normal form and the generous reading disagree on being under /v1, either way
                boolean refused = provider && expected != underV1(referenceLenientReading(rawPath));
                Route r;
                try {
                    r = router.route(uri);
                } catch (dev.aigw.GatewayConfigurationException e) {
                    assertThat(refused).as("refused %s: %s", text, e.getMessage()).isTrue();
                    continue;
                }
                assertThat(refused).as("not refused: %s", text).isFalse();
                assertThat(r != null).as("routed? %s", text).isEqualTo(expected);
                if (r != null) {
                    String expectedTarget = ROOT + "/replicate" + canonical.substring(3)
                            + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
                    assertThat(r.target().toString()).isEqualTo(expectedTarget);
                    assertThat(router.route(r.target())).as("never routed twice").isNull();
                }
            } catch (AssertionError e) {
                throw new AssertionError("seed " + SEED + ": " + e.getMessage(), e);
            }
        }
        figures("router", ITERATIONS, start);
    }

    private static boolean underV1(String path) {
        return path.equals("/v1") || path.startsWith("/v1/");
    }

    /** RFC 3986 §6.2.2 written out another way: unreserved escapes decoded, hex upper-cased, a stack of segments. */
    static String referenceNormalForm(String raw) {
        StringBuilder d = new StringBuilder();
        for (int i = 0; i < raw.length(); i++) {
            if (raw.charAt(i) == '%') {
                String hex = raw.substring(i + 1, i + 3).toUpperCase(java.util.Locale.ROOT);
                char c = (char) Integer.parseInt(hex, 16);
                d.append(Character.isLetterOrDigit(c) && c < 128 || "-._~".indexOf(c) >= 0 ? String.valueOf(c)
                        : "%" + hex);
                i += 2;
            } else {
                d.append(raw.charAt(i));
            }
        }
        return segments(d.toString(), false);
    }

    /** Every escape decoded, backslashes as slashes, ';' parameters dropped, empty segments merged, dots resolved. */
    static String referenceLenientReading(String raw) {
        String d = java.net.URLDecoder.decode(raw.replace("+", "%2B"), java.nio.charset.StandardCharsets.ISO_8859_1)
                .replace('\\', '/').replaceAll(";[^/]*", "");
        return segments(d, true);
    }

    private static String segments(String path, boolean dropEmpty) {
        if (path.isEmpty()) {
            return path;
        }
        String[] in = path.split("/", -1);
        java.util.ArrayList<String> out = new java.util.ArrayList<>();
        for (int i = 1; i < in.length; i++) {
            String seg = in[i];
            boolean last = i == in.length - 1;
            if (seg.equals(".") || seg.equals("..")) {
                if (seg.equals("..") && !out.isEmpty()) {
                    out.remove(out.size() - 1);
                }
                if (last) {
                    out.add("");
                }
            } else if (!(dropEmpty && seg.isEmpty())) {
                out.add(seg);
            }
        }
        return "/" + String.join("/", out);
    }

    private static String randomQuery(Random rnd) {
        String alphabet = "abc=&%2F%3D%26+-_.~09";
        StringBuilder sb = new StringBuilder();
        int n = rnd.nextInt(12);
        for (int i = 0; i < n; i++) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        return sb.toString().replaceAll("%(?![0-9A-F]{2})", "%25");
    }

    @Test
    void metadataHeaderIsPrintableAsciiAndRoundTrips() throws Exception {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 1);
        for (int i = 0; i < ITERATIONS; i++) {
            Map<String, Object> meta = new LinkedHashMap<>();
            int n = 1 + rnd.nextInt(5);
            while (meta.size() < n) {
                meta.put("k" + meta.size() + randomString(rnd, 5), randomValue(rnd));
            }
            CallOptions o;
            try {
                o = CallOptions.builder().metadata(meta).build();
            } catch (GatewayConfigurationException e) {
                fail("seed " + SEED + ": valid metadata refused: " + e.getMessage());
                return;
            }
            Map<String, String> h = new LinkedHashMap<>();
            dev.aigw.OptionHeadersAccess.write(o, h);
            String header = h.get(GatewayHeaders.METADATA);
            assertThat(header).as("seed %s", SEED).matches("[\\x20-\\x7e]*");
            assertThat(parseFlat(header)).as("seed %s", SEED).isEqualTo(stringify(meta));
        }
        figures("metadata-header", ITERATIONS, start);
    }

    @Test
    void tokensWithAnyControlOrNonAsciiCharacterAreRefused() {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 2);
        for (int i = 0; i < ITERATIONS; i++) {
            String s = randomString(rnd, 1 + rnd.nextInt(20));
            boolean printable = s.chars().allMatch(c -> c >= 0x20 && c <= 0x7e) && s.charAt(0) != ' '
                    && s.charAt(s.length() - 1) != ' ';
            try {
                CallOptions.builder().cacheKey(s).eventId(s).byokAlias(s).build();
                assertThat(printable).as("seed %s accepted %s", SEED, s).isTrue();
            } catch (GatewayConfigurationException e) {
                assertThat(printable).as("seed %s refused printable %s", SEED, s).isFalse();
                assertThat(e.getMessage()).doesNotContain("\n", "\r");
            }
        }
        figures("header-tokens", ITERATIONS, start);
    }

    @Test
    void snifferAgreesWithAFullParserOnRandomDocumentsAndSplits() throws Exception {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 3);
        for (int i = 0; i < ITERATIONS; i++) {
            StringBuilder doc = new StringBuilder();
            randomObject(rnd, doc, 0, true);
            byte[] bytes = doc.toString().getBytes(StandardCharsets.UTF_8);
            Sniffed expected = oracle(bytes);
            JsonSniffer s = new JsonSniffer();
            int pos = 0;
            while (pos < bytes.length) {
                int len = Math.min(bytes.length - pos, 1 + rnd.nextInt(16));
                s.feed(bytes, pos, len);
                pos += len;
            }
            s.finish();
            assertThat(s.result()).as("seed %s doc %s", SEED, doc).isEqualTo(expected);

            // any truncation never throws, and never invents a value the whole document lacks
            int cut = rnd.nextInt(bytes.length + 1);
            JsonSniffer t = new JsonSniffer();
            t.feed(bytes, 0, cut);
            t.finish();
            Sniffed partial = t.result();
            for (String f : new String[] {"id", "status", "model", "version", "error"}) {
                String pv = field(partial, f);
                if (pv != null) {
                    assertThat(pv).as("seed %s field %s", SEED, f).isEqualTo(field(expected, f));
                }
            }
        }
        figures("sniffer", ITERATIONS, start);
    }

    /**
     * Every option, valid or not, random layering: a bad value fails only with {@link GatewayConfigurationException}
     * on one line; every header written is a legal HTTP field (name a lower-case {@code cf-aig-} token, value visible
     * ASCII with no leading or trailing space), the JDK HTTP client accepts it, and it parses back to the option set.
     */
    @Test
    void everyOptionHeaderIsALegalFieldAndParsesBack() throws Exception {
        long start = System.nanoTime();
        Random rnd = new Random(SEED + 4);
        java.net.http.HttpRequest.Builder probe = java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1/"));
        for (int i = 0; i < ITERATIONS; i++) {
            CallOptions.Builder b = CallOptions.builder();
            int fields = 1 + rnd.nextInt(14);
            for (int f = 0; f < fields; f++) {
                try {
                    randomOption(rnd, b);
                } catch (GatewayConfigurationException e) {
                    assertThat(e.getMessage()).as("seed %s", SEED).startsWith("aigw: ").doesNotContain("\n", "\r")
                            .hasSizeLessThan(1400);
                }
            }
            CallOptions o = b.build();
            if (rnd.nextBoolean()) {
                CallOptions.Builder lower = CallOptions.builder();
                for (int f = 0; f < 3; f++) {
                    try {
                        randomOption(rnd, lower);
                    } catch (GatewayConfigurationException ignored) {
                        // refusals are checked above
                    }
                }
                o = o.over(lower.build());
            }
            Map<String, String> h = new LinkedHashMap<>();
            dev.aigw.OptionHeadersAccess.write(o, h);
            try {
                for (Map.Entry<String, String> e : h.entrySet()) {
                    assertThat(e.getKey()).matches("cf-aig-[a-z-]+");
                    assertThat(e.getValue()).as(e.getKey()).matches("[\\x21-\\x7e]([\\x20-\\x7e]*[\\x21-\\x7e])?");
                    probe.setHeader(e.getKey(), e.getValue()); // the JDK client's own validation
                }
                assertParsesBack(o, h);
            } catch (AssertionError | IllegalArgumentException e) {
                throw new AssertionError("seed " + SEED + " options " + o + ": " + e.getMessage(), e);
            }
        }
        figures("option-headers", ITERATIONS, start);
    }

    private static void randomOption(Random rnd, CallOptions.Builder b) {
        switch (rnd.nextInt(13)) {
            case 0 -> b.cacheTtl(java.time.Duration.ofMillis(rnd.nextInt(4) == 0 ? rnd.nextLong()
                    : (rnd.nextInt(3_000_000) * 1000L + (rnd.nextInt(5) == 0 ? rnd.nextInt(1000) : 0))));
            case 1 -> b.skipCache(rnd.nextBoolean());
            case 2 -> b.cacheKey(randomToken(rnd));
            case 3 -> b.collectLog(rnd.nextBoolean());
            case 4 -> b.requestTimeout(java.time.Duration.ofNanos(rnd.nextInt(3) == 0 ? rnd.nextLong()
                    : rnd.nextInt(4_000_000) * 1_000_000L));
            case 5 -> b.maxAttempts(rnd.nextInt(8) - 1);
            case 6 -> b.retryDelay(java.time.Duration.ofMillis(rnd.nextInt(7000) - 500));
            case 7 -> b.backoff(CallOptions.Backoff.values()[rnd.nextInt(3)]);
            case 8 -> b.eventId(randomToken(rnd));
            case 9 -> {
                double[] pick = {rnd.nextDouble(), -rnd.nextDouble(), Double.NaN, Double.POSITIVE_INFINITY, 1e-300,
                        Double.MAX_VALUE, 0.0, -0.0, Double.MIN_VALUE, rnd.nextInt(1000) / 1e6};
                if (rnd.nextBoolean()) {
                    b.customCost(pick[rnd.nextInt(pick.length)], pick[rnd.nextInt(pick.length)]);
                } else {
                    b.customTotalCost(pick[rnd.nextInt(pick.length)]);
                }
            }
            case 10 -> b.byokAlias(randomToken(rnd));
            case 11 -> b.noWholesale(rnd.nextBoolean());
            default -> {
                Object[] values = {randomString(rnd, rnd.nextInt(40)), rnd.nextLong(), rnd.nextBoolean(),
                        rnd.nextDouble() * 1e6, Double.NaN, new java.math.BigDecimal("1E+400"),
                        new java.math.BigInteger("123456789012345678901234567890"), 3.5f, Float.NEGATIVE_INFINITY,
                        "x".repeat(1000 + rnd.nextInt(50)), null, List.of(1), Map.of("a", 1)};
                String key = rnd.nextInt(8) == 0 ? "cf." + randomString(rnd, 3)
                        : rnd.nextInt(10) == 0 ? "" : randomString(rnd, 1 + rnd.nextInt(rnd.nextInt(10) == 0 ? 140 : 8));
                b.metadata(Collections.singletonMap(key, values[rnd.nextInt(values.length)]));
            }
        }
    }

    private static String randomToken(Random rnd) {
        switch (rnd.nextInt(5)) {
            case 0: return randomString(rnd, rnd.nextInt(20));
            case 1: return " " + "t".repeat(1 + rnd.nextInt(5));
            case 2: return "k".repeat(1020 + rnd.nextInt(10));
            default:
                StringBuilder sb = new StringBuilder();
                int n = 1 + rnd.nextInt(30);
                for (int i = 0; i < n; i++) {
                    sb.append((char) (0x20 + rnd.nextInt(0x5f)));
                }
                return sb.toString();
        }
    }

    static void assertParsesBack(CallOptions o, Map<String, String> h) throws Exception {
        if (o.cacheTtl() != null) {
            assertThat(Long.parseLong(h.get(GatewayHeaders.CACHE_TTL))).isEqualTo(o.cacheTtl().getSeconds());
        }
        if (o.requestTimeout() != null) {
            assertThat(Long.parseLong(h.get(GatewayHeaders.REQUEST_TIMEOUT))).isEqualTo(o.requestTimeout().toMillis());
        }
        if (o.retryDelay() != null) {
            assertThat(Long.parseLong(h.get(GatewayHeaders.RETRY_DELAY))).isEqualTo(o.retryDelay().toMillis());
        }
        if (o.maxAttempts() != null) {
            assertThat(Integer.parseInt(h.get(GatewayHeaders.MAX_ATTEMPTS))).isEqualTo(o.maxAttempts());
        }
        assertThat(h.get(GatewayHeaders.CACHE_KEY)).isEqualTo(o.cacheKey());
        assertThat(h.get(GatewayHeaders.EVENT_ID)).isEqualTo(o.eventId());
        assertThat(h.get(GatewayHeaders.BYOK_ALIAS)).isEqualTo(o.byokAlias());
        if (o.skipCache() != null) {
            assertThat(Boolean.parseBoolean(h.get(GatewayHeaders.SKIP_CACHE))).isEqualTo(o.skipCache());
        }
        if (o.customCost() != null) {
            try (JsonParser p = JSON.createParser(h.get(GatewayHeaders.CUSTOM_COST))) {
                assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
                while (p.nextToken() == JsonToken.FIELD_NAME) {
                    assertThat(p.currentName()).isIn("per_token_in", "per_token_out", "total_cost");
                    assertThat(p.nextToken().isNumeric()).isTrue();
                    assertThat(p.getDoubleValue()).isFinite().isGreaterThanOrEqualTo(0.0);
                }
            }
        }
        if (o.metadata().isEmpty()) {
            assertThat(h).doesNotContainKey(GatewayHeaders.METADATA);
        } else {
            Map<String, String> back = parseFlat(h.get(GatewayHeaders.METADATA));
            Map<String, String> expected = new LinkedHashMap<>();
            o.metadata().forEach((k, v) -> expected.put(k, v instanceof java.math.BigDecimal d ? d.toString()
                    : String.valueOf(v)));
            assertThat(back.keySet()).containsExactlyElementsOf(expected.keySet());
            for (Map.Entry<String, String> e : expected.entrySet()) {
                Object v = o.metadata().get(e.getKey());
                if (v instanceof String) {
                    assertThat(back.get(e.getKey())).isEqualTo(e.getValue());
                } else if (v instanceof Boolean) {
                    assertThat(Boolean.parseBoolean(back.get(e.getKey()))).isEqualTo(v);
                } else {
                    assertThat(new java.math.BigDecimal(back.get(e.getKey())))
                            .isEqualByComparingTo(new java.math.BigDecimal(e.getValue()));
                }
            }
            assertThat(o.metadata().size()).isLessThanOrEqualTo(CallOptions.MAX_METADATA);
        }
    }

    private static String field(Sniffed s, String f) {
        switch (f) {
            case "id": return s.id();
            case "status": return s.status();
            case "model": return s.model();
            case "version": return s.version();
            default: return s.error();
        }
    }

    private static final String[] KEYS = {"id", "status", "model", "version", "error", "metrics", "input", "output",
            "urls", "logs", "predict_time", "total_time", "x\u00e9", "i\\u0064", "code", "message"};

    private static void randomObject(Random rnd, StringBuilder sb, int depth, boolean root) {
        sb.append('{');
        int n = rnd.nextInt(root ? 8 : 4);
        java.util.Set<String> used = new java.util.HashSet<>();
        for (int i = 0; i < n; i++) {
            String key = KEYS[rnd.nextInt(KEYS.length)];
            if (!used.add(key)) {
                continue; // distinct keys: "first occurrence wins" is tested elsewhere
            }
            if (sb.charAt(sb.length() - 1) != '{') {
                sb.append(',');
            }
            sb.append('"').append(key).append("\":");
            if (key.equals("metrics") && rnd.nextBoolean()) {
                sb.append("{\"predict_time\":").append(rnd.nextInt(1000) / 7.0).append(",\"note\":\"x\",\"total_time\":")
                        .append(rnd.nextInt(100)).append('}');
            } else {
                randomValue(rnd, sb, depth);
            }
        }
        sb.append('}');
    }

    private static void randomValue(Random rnd, StringBuilder sb, int depth) {
        switch (depth > 4 ? rnd.nextInt(4) : rnd.nextInt(6)) {
            case 0:
                sb.append('"');
                escapeJson(sb, randomString(rnd, rnd.nextInt(12)));
                sb.append('"');
                break;
            case 1:
                sb.append(rnd.nextInt(2000) - 1000).append(rnd.nextBoolean() ? ".5e1" : "");
                break;
            case 2:
                sb.append(rnd.nextBoolean() ? "true" : "null");
                break;
            case 3:
                sb.append("\"data:image/png;base64,").append("QUJD".repeat(rnd.nextInt(300))).append('"');
                break;
            case 4:
                sb.append('[');
                int n = rnd.nextInt(4);
                for (int i = 0; i < n; i++) {
                    if (i > 0) {
                        sb.append(',');
                    }
                    randomValue(rnd, sb, depth + 1);
                }
                sb.append(']');
                break;
            default:
                randomObject(rnd, sb, depth + 1, false);
        }
    }

    private static void escapeJson(StringBuilder sb, String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
    }

    /** What a full parser says the root fields are (same rules: strings only, first wins, numeric metrics). */
    static Sniffed oracle(byte[] doc) throws Exception {
        String id = null, status = null, model = null, version = null, error = null, code = null, message = null;
        Sniffed.ErrorShape shape = null;
        Map<String, Double> metrics = new LinkedHashMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (JsonParser p = JSON.createParser(doc)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                JsonToken t = p.nextToken();
                if (!seen.add(k)) { // the first occurrence of a key decides, whatever its type
                    p.skipChildren();
                    continue;
                }
                if (k.equals("error") && (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY)) {
                    shape = t == JsonToken.START_OBJECT ? Sniffed.ErrorShape.OBJECT : Sniffed.ErrorShape.ARRAY;
                    JsonToken first = t == JsonToken.START_OBJECT ? t : p.nextToken();
                    if (first == JsonToken.START_OBJECT) { // the root object, or the array's first element
                        java.util.Set<String> errSeen = new java.util.HashSet<>();
                        while (p.nextToken() == JsonToken.FIELD_NAME) {
                            String ek = p.currentName();
                            JsonToken et = p.nextToken();
                            if (errSeen.add(ek)) {
                                if (ek.equals("code") && et == JsonToken.VALUE_NUMBER_INT && p.getText().length() <= 18) {
                                    code = p.getText();
                                } else if (ek.equals("message") && et == JsonToken.VALUE_STRING) {
                                    message = cut(p.getText());
                                }
                            }
                            p.skipChildren();
                        }
                    } else {
                        p.skipChildren(); // a first element that is not an object: nothing to read
                    }
                    if (t == JsonToken.START_ARRAY && first != JsonToken.END_ARRAY) {
                        while (p.nextToken() != JsonToken.END_ARRAY) {
                            p.skipChildren(); // the other elements
                        }
                    }
                    continue;
                }
                if (k.equals("metrics") && t == JsonToken.START_OBJECT) {
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        String mk = p.currentName();
                        JsonToken mt = p.nextToken();
                        if (mt.isNumeric()) {
                            metrics.putIfAbsent(mk, p.getDoubleValue());
                        } else {
                            p.skipChildren();
                        }
                    }
                    continue;
                }
                if (t == JsonToken.VALUE_STRING) {
                    String v = cut(p.getText());
                    switch (k) {
                        case "id": id = v; break;
                        case "status": status = v; break;
                        case "model": model = v; break;
                        case "version": version = v; break;
                        case "error": error = v; break;
                        default: break;
                    }
                }
                p.skipChildren();
            }
        }
        return new Sniffed(id, status, model, version, error, metrics, shape, code, message);
    }

    /** Cut like the sniffer: 256 chars, never inside a surrogate pair. */
    private static String cut(String v) {
        return v.length() <= 256 ? v : v.substring(0, Character.isHighSurrogate(v.charAt(255)) ? 255 : 256);
    }


    private static Object randomValue(Random rnd) {
        switch (rnd.nextInt(4)) {
            case 0: return randomString(rnd, rnd.nextInt(30));
            case 1: return rnd.nextLong();
            case 2: return rnd.nextBoolean();
            default: return rnd.nextInt(100000) / 8.0;
        }
    }

    private static Map<String, String> parseFlat(String json) throws Exception {
        Map<String, String> out = new LinkedHashMap<>();
        try (JsonParser p = JSON.createParser(json)) {
            assertThat(p.nextToken()).isEqualTo(JsonToken.START_OBJECT);
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String k = p.currentName();
                p.nextToken();
                out.put(k, p.getText());
            }
        }
        return out;
    }

    private static Map<String, String> stringify(Map<String, Object> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }
}
