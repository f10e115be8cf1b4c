package dev.aigw.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class JsonSnifferTest {

    // ---- real Replicate shapes ----

    static final String PREDICTION = """
            {
              "id": "gm3qorzdhgbfurvjtvhg6dckhu",
              "model": "replicate/hello-world",
              "version": "5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa",
              "input": {"text": "Alice", "model": "nested-model-must-not-win", "id": "nested-id"},
              "logs": "Using seed: 1\\n\\"quoted\\" \\\\ path\\/x \\u00e9t\\u00e9 \\ud83d\\ude00\\t done",
              "output": ["hello Alice", {"id": "out-id", "status": "nested"}],
              "data_removed": false,
              "error": null,
              "status": "succeeded",
              "created_at": "2023-09-08T16:19:34.765994Z",
              "started_at": "2023-09-08T16:19:34.779176Z",
              "completed_at": "2023-09-08T16:19:34.791859Z",
              "urls": {
                "cancel": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu/cancel",
                "get": "https://api.replicate.com/v1/predictions/gm3qorzdhgbfurvjtvhg6dckhu",
                "stream": "https://streaming-api.svc.rep.run/v1/streams/abc"
              },
              "metrics": {"predict_time": 0.012683, "total_time": 0.026565, "image_count": 4, "note": "x", "nested": {"a": 1}, "arr": [1, 2], "flag": true, "exp": -1.5e-3}
            }
            """;

    static final String TRAINING = """
            {
              "completed_at": null,
              "created_at": "2023-03-28T21:47:58.566434Z",
              "error": null,
              "id": "zz4ibbonubfz7carwiefibzgga",
              "input": {"input_images": "https://example.com/my-input-images.zip", "id": "nope"},
              "logs": "",
              "metrics": {},
              "output": null,
              "started_at": "2023-03-28T21:48:02.402755Z",
              "status": "starting",
              "version": "be04660a5b93ef2aff61e3668dedb4cbeb14941e62a3fd5998364a32d613e35e",
              "model": "stability-ai/sdxl",
              "urls": {"get": "https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga",
                       "cancel": "https://api.replicate.com/v1/trainings/zz4ibbonubfz7carwiefibzgga/cancel"}
            }
            """;

    static final String FILE = """
            {
              "id": "cd9ac1a6-e3ba-4ba4-8bd1-91e2e40bc8cc",
              "name": "photo.png",
              "content_type": "image/png",
              "size": 12345,
              "etag": "\\"3cf8e1b9\\"",
              "checksums": {"sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "md5": "d41d8cd98f00b204e9800998ecf8427e"},
              "metadata": {"id": "meta-id", "model": "meta-model"},
              "created_at": "2024-08-22T12:26:51.079Z",
              "expires_at": "2024-08-23T12:26:51.079Z",
              "urls": {"get": "https://api.replicate.com/v1/files/cd9ac1a6"}
            }
            """;

    static final String LIST = """
            {"next": "https://api.replicate.com/v1/predictions?cursor=cD0yMDIy", "previous": null,
             "results": [{"id": "r1", "status": "succeeded", "model": "a/b", "version": "v1", "error": "e",
                          "metrics": {"predict_time": 1.0}},
                         {"id": "r2", "status": "failed"}]}
            """;

    static final String HARDWARE = """
            [{"name": "CPU", "sku": "cpu"}, {"name": "Nvidia T4 GPU", "sku": "gpu-t4", "id": "x"}]
            """;

    static final String PROBLEM = """
            {"type": "https://replicate.com/docs/errors", "title": "Invalid version or not permitted",
             "status": 422, "detail": "The specified version does not exist (or perhaps you don't have permission to use it?)"}
            """;

    static final String FAILED = """
            {"id": "p1", "model": "owner/name", "version": "v9", "status": "failed",
             "error": "CUDA out of memory. Tried to allocate 2.00 GiB (\\"GPU 0\\")",
             "logs": "Traceback ...\\n", "metrics": {"predict_time": 3.5}}
            """;

    static final String UNICODE = "{\"id\":\"caf\\u00e9-\u00e9-\u20ac-\uD83D\uDE00-\\ud83d\\ude00-\\\"-\\\\-\\/-\\b\\f\\n\\r\\t\","
            + "\"model\":\"\\uD800x\\uDC00\",\"status\":\"\\u00E9\\u00e9\"}";

    @Test
    void prediction() {
        Sniffed r = sniff(PREDICTION);
        assertThat(r.id()).isEqualTo("gm3qorzdhgbfurvjtvhg6dckhu");
        assertThat(r.model()).isEqualTo("replicate/hello-world");
        assertThat(r.version()).isEqualTo("5c7d5dc6dd8bf75c1acaa8565735e7986bc5b66206b55cca93cb72c9bf15ccaa");
        assertThat(r.status()).isEqualTo("succeeded");
        assertThat(r.error()).isNull();
        // Only numeric members; nested objects/arrays/strings/booleans ignored; document order kept.
        assertThat(r.metrics()).containsExactly(
                Map.entry("predict_time", 0.012683), Map.entry("total_time", 0.026565),
                Map.entry("image_count", 4.0), Map.entry("exp", -1.5e-3));
    }

    @Test
    void training() {
        Sniffed r = sniff(TRAINING);
        assertThat(r).isEqualTo(new Sniffed("zz4ibbonubfz7carwiefibzgga", "starting", "stability-ai/sdxl",
                "be04660a5b93ef2aff61e3668dedb4cbeb14941e62a3fd5998364a32d613e35e", null, Map.of()));
    }

    @Test
    void fileObject() {
        assertThat(sniff(FILE)).isEqualTo(
                new Sniffed("cd9ac1a6-e3ba-4ba4-8bd1-91e2e40bc8cc", null, null, null, null, Map.of()));
    }

    @Test
    void paginatedListTakesNothingFromResults() {
        JsonSniffer s = new JsonSniffer();
        feed(s, bytes(LIST));
        assertThat(s.done()).isTrue(); // root closed
        assertThat(s.result()).isSameAs(Sniffed.EMPTY);
        assertThat(s.result().isEmpty()).isTrue();
    }

    @Test
    void nonObjectRoots() {
        for (String doc : List.of(HARDWARE, "\"just a string\"", "42", "null", "[]")) {
            JsonSniffer s = new JsonSniffer();
            feed(s, bytes(doc));
            assertThat(s.done()).as(doc).isTrue();
            assertThat(s.result()).as(doc).isEqualTo(Sniffed.EMPTY);
        }
    }

    @Test
    void problemJsonNumericStatusIsIgnored() {
        assertThat(sniff(PROBLEM)).isEqualTo(Sniffed.EMPTY);
    }

    @Test
    void failedPredictionWithErrorString() {
        Sniffed r = sniff(FAILED);
        assertThat(r.error()).isEqualTo("CUDA out of memory. Tried to allocate 2.00 GiB (\"GPU 0\")");
        assertThat(r.status()).isEqualTo("failed");
        assertThat(r.metrics()).containsExactly(Map.entry("predict_time", 3.5));
    }

    @Test
    void errorObjectArrayAndNullYieldNull() {
        assertThat(sniff("{\"error\":{\"detail\":\"x\"},\"id\":\"a\"}"))
                .isEqualTo(new Sniffed("a", null, null, null, null, Map.of(), Sniffed.ErrorShape.OBJECT, null, null));
        assertThat(sniff("{\"error\":[\"x\"],\"id\":\"a\"}").error()).isNull();
        assertThat(sniff("{\"error\":null,\"id\":\"a\"}").error()).isNull();
        assertThat(sniff("{\"error\":null,\"id\":\"a\"}").errorShape()).isNull();
        assertThat(sniff("{\"error\":\"boom\",\"id\":\"a\"}").errorShape()).isNull();
    }

    /** The gateway's classic envelope: {@code error} as an array of {@code {code, message}}; the first one is read. */
    @Test
    void gatewayErrorArrayEnvelope() {
        Sniffed r = sniff("{\"success\":false,\"error\":[{\"code\":2003,\"message\":\"Rate limited\"},"
                + "{\"code\":9,\"message\":\"second\"}],\"name\":\"AiGatewayError\",\"httpCode\":429,"
                + "\"internalCode\":2003,\"message\":\"Rate limited\"}");
        assertThat(r.errorShape()).isEqualTo(Sniffed.ErrorShape.ARRAY);
        assertThat(r.errorCode()).isEqualTo("2003");
        assertThat(r.errorMessage()).isEqualTo("Rate limited");
        Sniffed older = sniff("{\"success\":false,\"result\":[],\"messages\":[],\"error\":[{\"message\":\"Unau\\u0074horized\","
                + "\"code\":2009}]}");
        assertThat(older.errorCode()).isEqualTo("2009");
        assertThat(older.errorMessage()).isEqualTo("Unauthorized");
    }

    /** Policies and spend limits answer with {@code error} as an object. */
    @Test
    void gatewayErrorObjectEnvelope() {
        Sniffed r = sniff("{\"success\":false,\"error\":{\"message\":\"Spending limit exceeded\",\"bucket\":{\"code\":1,"
                + "\"message\":\"nested\"},\"spent\":12.5,\"limit\":10}}");
        assertThat(r.errorShape()).isEqualTo(Sniffed.ErrorShape.OBJECT);
        assertThat(r.errorCode()).isNull();
        assertThat(r.errorMessage()).isEqualTo("Spending limit exceeded");
    }

    /** Only integer codes, first occurrence decides, nested and later elements are not read, any split. */
    @Test
    void gatewayErrorEdgeCases() {
        assertThat(sniff("{\"error\":[{\"code\":2.5,\"message\":7}]}").errorCode()).isNull();
        assertThat(sniff("{\"error\":[{\"code\":\"2003\",\"code\":2003}]}").errorCode()).isNull();
        assertThat(sniff("{\"error\":[{\"code\":1234567890123456789}]}").errorCode()).isNull();
        assertThat(sniff("{\"error\":[{\"code\":-1}]}").errorCode()).isEqualTo("-1");
        assertThat(sniff("{\"error\":[\"x\",{\"code\":1}]}").errorCode()).isNull();
        assertThat(sniff("{\"error\":[[{\"code\":1}]]}").errorCode()).isNull();
        assertThat(sniff("{\"error\":[],\"id\":\"a\"}").errorShape()).isEqualTo(Sniffed.ErrorShape.ARRAY);
        assertThat(sniff("{\"x\":{\"error\":{\"message\":\"deep\"}}}").errorShape()).isNull();
        assertThat(sniff("{\"error\":\"first\",\"error\":{\"message\":\"late\"}}").errorShape()).isNull();
        byte[] doc = "{\"error\":[{\"message\":\"Rate limited\",\"code\":2003}],\"id\":\"i\"}"
                .getBytes(StandardCharsets.UTF_8);
        for (int split = 1; split < doc.length; split++) {
            JsonSniffer s = new JsonSniffer();
            s.feed(doc, 0, split);
            s.feed(doc, split, doc.length - split);
            s.finish();
            assertThat(s.result()).isEqualTo(new Sniffed("i", null, null, null, null, Map.of(),
                    Sniffed.ErrorShape.ARRAY, "2003", "Rate limited"));
        }
    }

    @Test
    void firstOccurrenceWinsAndDecides() {
        Sniffed r = sniff("{\"id\":\"first\",\"id\":\"second\",\"model\":7,\"model\":\"late\","
                + "\"metrics\":{\"t\":1,\"t\":2},\"metrics\":{\"u\":3}}");
        assertThat(r.id()).isEqualTo("first");
        assertThat(r.model()).isNull(); // first occurrence was not a string
        assertThat(r.metrics()).containsExactly(Map.entry("t", 1.0));
    }

    @Test
    void nonStringValuesAndNonObjectMetricsIgnored() {
        Sniffed r = sniff("{\"id\":123,\"status\":true,\"version\":[\"v\"],\"metrics\":[1,2],\"model\":{\"id\":\"x\"}}");
        assertThat(r).isEqualTo(Sniffed.EMPTY);
    }

    @Test
    void escapedKeysMatch() {
        assertThat(sniff("{\"\\u0069d\":\"a\",\"st\\u0061tus\":\"ok\"}"))
                .isEqualTo(new Sniffed("a", "ok", null, null, null, null));
    }

    // ---- escapes / unicode ----

    static final String UNICODE_ID = "caf\u00e9-\u00e9-\u20ac-\uD83D\uDE00-\uD83D\uDE00-\"-\\-/-\b\f\n\r\t";

    @Test
    void escapesAndUnicode() {
        Sniffed r = sniff(UNICODE);
        assertThat(r.id()).isEqualTo(UNICODE_ID);
        assertThat(r.model()).isEqualTo("\uFFFDx\uFFFD"); // lone surrogate escapes -> U+FFFD
        assertThat(r.status()).isEqualTo("\u00e9\u00e9");
    }

    @Test
    void splitInsideEscapeAndInsideMultiByteChar() {
        byte[] doc = bytes("{\"id\":\"a\\u00e9b\u20ac\uD83D\uDE00c\"}");
        String want = "a\u00e9b\u20ac\uD83D\uDE00c";
        // Every split position exercises: inside "\\u00e9", inside the 3-byte euro, inside the 4-byte emoji.
        for (int cut = 0; cut <= doc.length; cut++) {
            JsonSniffer s = new JsonSniffer();
            s.feed(doc, 0, cut);
            s.feed(doc, cut, doc.length - cut);
            s.finish();
            assertThat(s.result().id()).as("cut %d", cut).isEqualTo(want);
        }
    }

    @Test
    void malformedUtf8InCapturedValueBecomesReplacement() {
        byte[] doc = {'{', '"', 'i', 'd', '"', ':', '"', 'a', (byte) 0xC3, 'b', '"', '}'};
        assertThat(sniff(doc).id()).isEqualTo("a\uFFFDb");
    }

    // ---- caps ----

    @Test
    void longValuesAreTruncatedTo256Chars() {
        String longId = "x".repeat(10_000);
        assertThat(sniff("{\"id\":\"" + longId + "\",\"status\":\"ok\"}"))
                .isEqualTo(new Sniffed("x".repeat(256), "ok", null, null, null, null));
        // Never split a surrogate pair at the cut.
        String emojis = "a" + "\uD83D\uDE00".repeat(300);
        assertThat(sniff("{\"model\":\"" + emojis + "\"}").model()).isEqualTo(emojis.substring(0, 255));
        // Escapes count after decoding.
        assertThat(sniff("{\"error\":\"" + "\\u00e9".repeat(300) + "\"}").error()).isEqualTo("\u00e9".repeat(256));
        // Over-long metric names are dropped, not cut.
        assertThat(sniff("{\"metrics\":{\"" + "k".repeat(300) + "\":1,\"ok\":2}}").metrics())
                .containsExactly(Map.entry("ok", 2.0));
    }

    @Test
    void overlongMetricNumberIsDroppedNotFatal() {
        Sniffed r = sniff("{\"metrics\":{\"big\":" + "1".repeat(100) + ",\"ok\":2},\"id\":\"a\"}");
        assertThat(r.metrics()).containsExactly(Map.entry("ok", 2.0));
        assertThat(r.id()).isEqualTo("a");
    }

    @Test
    void metricsAreCapped() {
        StringBuilder sb = new StringBuilder("{\"metrics\":{");
        for (int i = 0; i < 100; i++) {
            sb.append(i == 0 ? "" : ",").append("\"m").append(i).append("\":").append(i);
        }
        sb.append("},\"id\":\"after\"}");
        Sniffed r = sniff(sb.toString());
        assertThat(r.metrics()).hasSize(JsonSniffer.MAX_METRICS);
        assertThat(r.id()).isEqualTo("after");
    }

    // ---- chunking ----

    static final List<String> DOCS = List.of(PREDICTION, TRAINING, FILE, LIST, HARDWARE, PROBLEM, FAILED, UNICODE,
            "\uFEFF {\"id\":\"bom\"}", "{\"metrics\":{\"a\":-0.5E+2,\"b\":0,\"c\":10e1}}", "");

    @Test
    void byteByByteAndEveryTwoChunkSplitMatchWhole() {
        for (String doc : DOCS) {
            byte[] b = bytes(doc);
            Sniffed whole = sniff(b);
            JsonSniffer one = new JsonSniffer();
            for (int i = 0; i < b.length; i++) {
                one.feed(b, i, 1);
            }
            one.finish();
            assertThat(one.result()).as("byte-by-byte %s", doc).isEqualTo(whole);
            for (int cut = 0; cut <= b.length; cut++) {
                JsonSniffer s = new JsonSniffer();
                s.feed(b, 0, cut);
                s.feed(b, cut, b.length - cut);
                s.finish();
                assertThat(s.result()).as("cut %d of %s", cut, doc).isEqualTo(whole);
            }
        }
    }

    @Test
    void bomAndWhitespaceAndEmpty() {
        assertThat(sniff("\uFEFF \n\t{\"id\":\"bom\"}").id()).isEqualTo("bom");
        assertThat(sniff("")).isSameAs(Sniffed.EMPTY);
        assertThat(sniff("  \n ")).isSameAs(Sniffed.EMPTY);
        JsonSniffer s = new JsonSniffer();
        assertThat(s.done()).isFalse();
        assertThat(s.result()).isSameAs(Sniffed.EMPTY);
        s.finish();
        assertThat(s.done()).isTrue();
    }

    @Test
    void byteBufferFeedsKeepPosition() {
        byte[] doc = bytes(PREDICTION);
        Sniffed want = sniff(doc);

        ByteBuffer heap = ByteBuffer.wrap(new byte[doc.length + 10], 5, doc.length).slice(); // arrayOffset 5
        heap.put(doc).flip();
        ByteBuffer direct = ByteBuffer.allocateDirect(doc.length);
        direct.put(doc).flip();
        ByteBuffer readOnly = ByteBuffer.wrap(doc.clone()).asReadOnlyBuffer(); // no accessible array
        for (ByteBuffer buf : List.of(heap, direct, readOnly)) {
            JsonSniffer s = new JsonSniffer();
            int half = doc.length / 2;
            buf.limit(half);
            s.feed(buf);
            assertThat(buf.position()).isZero();
            buf.position(half).limit(doc.length);
            s.feed(buf);
            assertThat(buf.position()).isEqualTo(half);
            assertThat(buf.limit()).isEqualTo(doc.length);
            s.finish();
            assertThat(s.result()).isEqualTo(want);
        }
    }

    /** Array-less chunks of any size, small first and then larger than the scratch buffer, read as one body. */
    @Test
    void readOnlyChunksOfGrowingSizeReadAsOneBody() {
        StringBuilder big = new StringBuilder("{\"id\":\"abc\",\"pad\":\"");
        big.append("x".repeat(20_000)).append("\",\"status\":\"succeeded\",\"metrics\":{\"predict_time\":1.5}}");
        byte[] doc = bytes(big.toString());
        Sniffed want = sniff(doc);
        JsonSniffer s = new JsonSniffer();
        int[] sizes = {1, 300, 700, 5_000, 9_000};
        int at = 0;
        for (int i = 0; at < doc.length; i++) {
            int n = Math.min(doc.length - at, i < sizes.length ? sizes[i] : 16_384);
            s.feed(ByteBuffer.wrap(doc, at, n).slice().asReadOnlyBuffer());
            at += n;
        }
        s.finish();
        assertThat(s.result()).isEqualTo(want);
        assertThat(want.id()).isEqualTo("abc");
        assertThat(want.status()).isEqualTo("succeeded");
    }

    @Test
    void sequentialFeedsFromDifferentThreads() throws Exception {
        byte[] doc = bytes(PREDICTION);
        JsonSniffer s = new JsonSniffer();
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            for (int off = 0; off < doc.length; off += 17) {
                int o = off;
                pool.submit(() -> s.feed(doc, o, Math.min(17, doc.length - o))).get(); // get(): happens-before
            }
        } finally {
            pool.shutdown();
        }
        s.finish();
        assertThat(s.result()).isEqualTo(sniff(doc));
    }

    @Test
    void doneAfterRootClosesAndTrailingBytesIgnored() {
        JsonSniffer s = new JsonSniffer();
        feed(s, bytes("{\"id\":\"a\"}"));
        assertThat(s.done()).isTrue();
        feed(s, bytes("garbage {\"status\":\"x\"}"));
        assertThat(s.result()).isEqualTo(new Sniffed("a", null, null, null, null, null));
    }

    // ---- truncation ----

    @Test
    void truncatedAtEveryPrefix() {
        for (String doc : List.of(PREDICTION, TRAINING, FAILED, UNICODE)) {
            byte[] b = bytes(doc);
            Sniffed full = sniff(b);
            Sniffed prev = Sniffed.EMPTY;
            for (int cut = 0; cut <= b.length; cut++) {
                JsonSniffer s = new JsonSniffer();
                int n = cut;
                assertThatCode(() -> {
                    s.feed(b, 0, n);
                    s.finish();
                }).doesNotThrowAnyException();
                Sniffed r = s.result();
                String where = "cut " + cut + " of " + doc;
                // Reported values are final, and once reported they stay (monotone)...
                checkField(prev.id(), r.id(), full.id(), b, cut, where);
                checkField(prev.status(), r.status(), full.status(), b, cut, where);
                checkField(prev.model(), r.model(), full.model(), b, cut, where);
                checkField(prev.version(), r.version(), full.version(), b, cut, where);
                checkField(prev.error(), r.error(), full.error(), b, cut, where);
                assertThat(full.metrics().entrySet()).as(where).containsAll(r.metrics().entrySet());
                assertThat(r.metrics().entrySet()).as(where).containsAll(prev.metrics().entrySet());
                prev = r;
            }
            assertThat(prev).isEqualTo(full);
        }
    }

    /** ...and a string field appears exactly when its closing quote is inside the prefix. */
    private static void checkField(String before, String now, String full, byte[] b, int cut, String where) {
        if (now != null) {
            assertThat(now).as(where).isEqualTo(full);
            if (before == null) {
                assertThat(b[cut - 1]).as(where).isEqualTo((byte) '"');
            }
        } else {
            assertThat(before).as(where).isNull();
        }
    }

    // ---- invalid ----

    @Test
    void invalidJsonStopsKeepingWhatWasFound() {
        List<String> bad = List.of(
                "{\"id\":\"x\",}", "{\"id\":\"x\" \"a\"}", "{\"id\":\"x\"]", "{\"id\":\"x\",\"a\":tru}",
                "{\"id\":\"x\",\"a\":01}", "{\"id\":\"x\",\"a\":1.}", "{\"id\":\"x\",\"a\":-}", "{\"id\":\"x\",\"a\":1e}",
                "{\"id\":\"x\",\"a\":\"\\x\"}", "{\"id\":\"x\",\"a\":\"\\u12G4\"}", "{\"id\":\"x\",a:1}",
                "{\"id\":\"x\",\"a\":[1,2}", "{\"id\":\"x\",\"a\":1 2}", "{\"id\":\"x\",\"a\":+1}",
                "{\"id\":\"x\",\"a\":nulll}", "{\"id\":\"x\",\"a\" 1}", "{\"id\":\"x\",\"a\":{\"b\"}}",
                "{\"id\":\"x\",\"a\":[,]}", "{\"id\":\"x\",\"a\":}", "{\"id\":\"x\",\"a\":.5}",
                "\u00ef\u00bb{\"id\":\"x\"}", "{\"id\":\"x\",\"status\":\"\\ud83d\\u12", "{\"id\":\"x\",\"a\":\u0001}");
        for (String doc : bad) {
            byte[] b = doc.getBytes(StandardCharsets.ISO_8859_1); // one byte per char; lets us write bad BOMs
            JsonSniffer s = new JsonSniffer();
            assertThatCode(() -> feed(s, b)).as(doc).doesNotThrowAnyException();
            if (!doc.endsWith("\\u12")) {
                assertThat(s.done()).as(doc).isTrue();
            }
            s.finish();
            assertThat(s.done()).isTrue();
            Sniffed r = s.result();
            if (doc.startsWith("{\"id\":\"x\"")) {
                assertThat(r.id()).as(doc).isEqualTo("x");
            }
            assertThat(r.status()).as(doc).isNull();
        }
    }

    @Test
    void tooDeepGivesUp() {
        String doc = "{\"id\":\"x\",\"input\":" + "[".repeat(600) + "]".repeat(600) + ",\"status\":\"late\"}";
        JsonSniffer s = new JsonSniffer();
        feed(s, bytes(doc));
        assertThat(s.done()).isTrue();
        assertThat(s.result()).isEqualTo(new Sniffed("x", null, null, null, null, null));
        // 500 levels is fine.
        String ok = "{\"id\":\"x\",\"input\":" + "[".repeat(500) + "]".repeat(500) + ",\"status\":\"late\"}";
        assertThat(sniff(ok).status()).isEqualTo("late");
    }

    @Test
    void resultNeverThrowsAndRecordIsDefensive() {
        Map<String, Double> m = new LinkedHashMap<>();
        m.put("a", 1.0);
        Sniffed r = new Sniffed(null, null, null, null, null, m);
        m.put("b", 2.0);
        assertThat(r.metrics()).containsOnlyKeys("a");
        assertThat(Sniffed.EMPTY.isEmpty()).isTrue();
        assertThat(r.isEmpty()).isFalse();
    }

    // ---- the memory test ----

    /** Generates a big prediction chunk-wise into a caller-supplied buffer: prefix, N filler bytes, suffix. */
    static final class BigDoc {
        private final byte[] prefix;
        private final byte[] suffix;
        private final byte filler;
        private final long total;
        private long pos;

        BigDoc(String prefix, long fillerBytes, String suffix) {
            this(prefix, fillerBytes, (byte) 'A', suffix);
        }

        BigDoc(String prefix, long fillerBytes, byte filler, String suffix) {
            this.prefix = bytes(prefix);
            this.suffix = bytes(suffix);
            this.filler = filler;
            this.total = this.prefix.length + fillerBytes + this.suffix.length;
        }

        long total() {
            return total;
        }

        /** Refills {@code buf} in place (no allocation); returns bytes written, 0 at the end. */
        int fill(byte[] buf) {
            int n = 0;
            long fillerEnd = total - suffix.length;
            while (n < buf.length && pos < total) {
                if (pos < prefix.length) {
                    int k = (int) Math.min(buf.length - n, prefix.length - pos);
                    System.arraycopy(prefix, (int) pos, buf, n, k);
                    n += k;
                    pos += k;
                } else if (pos < fillerEnd) {
                    int k = (int) Math.min(buf.length - n, fillerEnd - pos);
                    Arrays.fill(buf, n, n + k, filler);
                    n += k;
                    pos += k;
                } else {
                    int k = (int) Math.min(buf.length - n, total - pos);
                    System.arraycopy(suffix, (int) (pos - fillerEnd), buf, n, k);
                    n += k;
                    pos += k;
                }
            }
            return n;
        }
    }

    static final long FIFTY_MB = 50L * 1024 * 1024;
    static final String HEAD = "{\"id\":\"ufawqhfynnddngldkgtslldrkq\",\"model\":\"black-forest-labs/flux-schnell\","
            + "\"version\":\"bf2f2e683d03a9549f484a37a0df1581514b28b7b11e0df1b6f4f3c5ab3d56a6\",";
    static final String OUTPUT_OPEN = "\"output\":\"data:image/png;base64,";
    static final String TAIL = "\"status\":\"succeeded\",\"metrics\":{\"predict_time\":1.25,\"total_time\":2.5},"
            + "\"urls\":{\"get\":\"https://api.replicate.com/v1/predictions/ufawqhfynnddngldkgtslldrkq\"}";

    @Test
    void fiftyMegabyteDataUriWithFieldsAfterOutput() {
        long allocated = sniffBig(new BigDoc(HEAD + OUTPUT_OPEN, FIFTY_MB, "\"," + TAIL + "}"));
        System.out.println("50 MB (fields after output): sniffer allocated " + allocated + " bytes");
        assertThat(allocated).isLessThan(1024 * 1024);
    }

    @Test
    void fiftyMegabyteDataUriWithFieldsBeforeOutput() {
        long allocated = sniffBig(new BigDoc(HEAD + TAIL + "," + OUTPUT_OPEN, FIFTY_MB, "\",\"logs\":\"\"}"));
        System.out.println("50 MB (fields before output): sniffer allocated " + allocated + " bytes");
        assertThat(allocated).isLessThan(1024 * 1024);
    }

    static final long TWO_HUNDRED_MB = 200L * 1024 * 1024;

    /**
     * Enormous bad bodies (bad-input catalogue): truncated, invalid, nested past the sniffer's depth, or padded with
     * 200 MB of whitespace. The sniffer reads them all in O(1) memory, never throws, and keeps what it found.
     */
    @Test
    void twoHundredMegabytesOfTruncatedInvalidOrTooDeepJsonInConstantMemory() {
        String id = "{\"id\":\"p-big\",";
        Object[][] cases = {
                {"truncated data URI", new BigDoc(id + OUTPUT_OPEN, TWO_HUNDRED_MB, ""), null},
                {"bare letters", new BigDoc(id + "\"input\":", TWO_HUNDRED_MB, "}"), null},
                {"nested arrays", new BigDoc(id + "\"input\":", TWO_HUNDRED_MB, (byte) '[', "]}"), null},
                {"whitespace", new BigDoc(id, TWO_HUNDRED_MB, (byte) ' ', "\"status\":\"succeeded\"}"), "succeeded"}};
        for (Object[] c : cases) {
            JsonSniffer s = new JsonSniffer();
            long allocated = allocatedWhileFeeding((BigDoc) c[1], s);
            System.out.println("200 MB (" + c[0] + "): sniffer allocated " + allocated + " bytes");
            assertThat(allocated).as((String) c[0]).isLessThan(1024 * 1024);
            assertThat(s.result().id()).as((String) c[0]).isEqualTo("p-big");
            assertThat(s.result().status()).as((String) c[0]).isEqualTo(c[2]);
        }
    }

    /** Feeds the whole document in 8 KB chunks from one reused buffer; returns what this thread allocated. */
    private static long allocatedWhileFeeding(BigDoc doc, JsonSniffer s) {
        java.lang.management.ThreadMXBean std = ManagementFactory.getThreadMXBean();
        assumeTrue(std instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) std;
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        byte[] chunk = new byte[8192];
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        long fed = 0;
        for (int n; (n = doc.fill(chunk)) > 0; ) {
            s.feed(chunk, 0, n);
            fed += n;
        }
        s.finish();
        s.result();
        long allocated = mx.getThreadAllocatedBytes(tid) - before;
        assertThat(fed).isEqualTo(doc.total());
        return allocated;
    }

    private static long sniffBig(BigDoc doc) {
        java.lang.management.ThreadMXBean std = ManagementFactory.getThreadMXBean();
        assumeTrue(std instanceof com.sun.management.ThreadMXBean, "needs com.sun.management.ThreadMXBean");
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) std;
        assumeTrue(mx.isThreadAllocatedMemorySupported() && mx.isThreadAllocatedMemoryEnabled());
        assertThat(doc.total()).isGreaterThan(FIFTY_MB);

        byte[] chunk = new byte[8192]; // one buffer, refilled in place: the generator allocates nothing
        long tid = Thread.currentThread().getId();
        long before = mx.getThreadAllocatedBytes(tid);
        JsonSniffer s = new JsonSniffer();
        long fed = 0;
        for (int n; (n = doc.fill(chunk)) > 0; ) {
            s.feed(chunk, 0, n);
            fed += n;
        }
        s.finish();
        Sniffed r = s.result();
        long allocated = mx.getThreadAllocatedBytes(tid) - before;

        assertThat(fed).isEqualTo(doc.total());
        assertThat(r.id()).isEqualTo("ufawqhfynnddngldkgtslldrkq");
        assertThat(r.model()).isEqualTo("black-forest-labs/flux-schnell");
        assertThat(r.version()).isEqualTo("bf2f2e683d03a9549f484a37a0df1581514b28b7b11e0df1b6f4f3c5ab3d56a6");
        assertThat(r.status()).isEqualTo("succeeded");
        assertThat(r.error()).isNull();
        assertThat(r.metrics()).containsExactly(Map.entry("predict_time", 1.25), Map.entry("total_time", 2.5));
        return allocated;
    }

    // ---- helpers ----

    static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void feed(JsonSniffer s, byte[] b) {
        s.feed(b, 0, b.length);
    }

    static Sniffed sniff(String doc) {
        return sniff(bytes(doc));
    }

    static Sniffed sniff(byte[] doc) {
        JsonSniffer s = new JsonSniffer();
        feed(s, doc);
        s.finish();
        return s.result();
    }

    /** A request's sniffer keeps only what a record takes from a request; a response's all but the version. */
    @Test
    void requestAndResponseSniffersKeepOnlyTheirFields() {
        byte[] doc = ("{\"id\":\"a\",\"status\":\"ok\",\"model\":\"acme/echo\",\"version\":\"v1\","
                + "\"error\":\"e\",\"metrics\":{\"predict_time\":1.5},\"model\":\"later/dup\"}")
                .getBytes(StandardCharsets.UTF_8);
        JsonSniffer q = JsonSniffer.forRequest();
        q.feed(doc, 0, doc.length);
        q.finish();
        assertThat(q.result()).isEqualTo(new Sniffed(null, null, "acme/echo", "v1", null, null));
        JsonSniffer r = JsonSniffer.forResponse();
        r.feed(doc, 0, doc.length);
        r.finish();
        assertThat(r.result()).isEqualTo(new Sniffed("a", "ok", "acme/echo", null, "e", Map.of("predict_time", 1.5)));
        assertThat(r.rootClosed()).isTrue();
    }

    /** A result taken while the sniffer still reads is not changed by what it reads later; a finished one is final. */
    @Test
    void aResultIsNotChangedByLaterMetrics() {
        byte[] a = "{\"metrics\":{\"a\":1,".getBytes(StandardCharsets.UTF_8);
        byte[] b = "\"b\":2}}".getBytes(StandardCharsets.UTF_8);
        JsonSniffer s = new JsonSniffer();
        s.feed(a, 0, a.length);
        Sniffed early = s.result();
        s.feed(b, 0, b.length);
        s.finish();
        assertThat(early.metrics()).containsOnlyKeys("a");
        Sniffed done = s.result();
        assertThat(done.metrics()).containsOnlyKeys("a", "b");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> done.metrics().put("c", 3.0))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    /** A metric read without a string (short decimals) must be the very double {@code parseDouble} gives. */
    @Test
    void numbersAreReadAsParseDoubleReadsThem() {
        List<String> fixed = List.of("0", "-0", "0.0", "-0.0", "1", "1.2", "1.3", "0.1", "0.3", "-2.5", "123456789012345",
                "999999999999999", "1234567890123456", "0.000000000000001", "0.0000000000000001", "9007199254740993",
                "1.7976931348623157", "2.2250738585072014", "1e3", "1E-7", "-1.5e+300", "4.35", "0.07", "12.345678901234");
        java.util.Random random = new java.util.Random(14);
        List<String> all = new java.util.ArrayList<>(fixed);
        for (int k = 0; k < 200_000; k++) {
            StringBuilder sb = new StringBuilder(random.nextBoolean() ? "" : "-");
            int intDigits = 1 + random.nextInt(9);
            sb.append(1 + random.nextInt(9));
            for (int d = 1; d < intDigits; d++) {
                sb.append(random.nextInt(10));
            }
            if (random.nextInt(4) > 0) {
                sb.append('.');
                for (int d = 0, n = 1 + random.nextInt(10); d < n; d++) {
                    sb.append(random.nextInt(10));
                }
            }
            all.add(random.nextInt(8) == 0 ? "0." + sb.toString().replace("-", "").replace(".", "") : sb.toString());
        }
        for (String n : all) {
            byte[] b = n.getBytes(StandardCharsets.US_ASCII);
            assertThat(Double.doubleToRawLongBits(JsonSniffer.number(b, b.length))).as(n)
                    .isEqualTo(Double.doubleToRawLongBits(Double.parseDouble(n)));
        }
    }
}
