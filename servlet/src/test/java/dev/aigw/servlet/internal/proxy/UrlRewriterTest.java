package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.assertj.core.api.Assertions.assertThat;

class UrlRewriterTest {
    private static final String API = "https://api.replicate.com/v1";
    private static final String PROXY = "https://app.example.com/ctx/replicate";
    private final UrlRewriter rw = new UrlRewriter(API, PROXY);

    @Test
    void rewritesPredictionUrls() {
        String in = "{\"id\":\"p1\",\"urls\":{\"get\":\"https://api.replicate.com/v1/predictions/p1\","
                + "\"cancel\":\"https://api.replicate.com/v1/predictions/p1/cancel\","
                + "\"stream\":\"https://stream.replicate.com/v1/files/abc\",\"web\":\"https://replicate.com/p/p1\"}}";
        assertThat(rw.rewrite(in)).isEqualTo(in.replace(API, PROXY));
    }

    @Test
    void rewritesPaginationAndEscapedSlashes() {
        String in = "{\"next\":\"https:\\/\\/api.replicate.com\\/v1\\/models?cursor=abc\",\"previous\":null,"
                + "\"x\":\"https://api.replicate.com/v1?y\"}";
        assertThat(rw.rewrite(in)).isEqualTo("{\"next\":\"https:\\/\\/app.example.com\\/ctx\\/replicate\\/models"
                + "?cursor=abc\",\"previous\":null,\"x\":\"" + PROXY + "?y\"}");
    }

    @Test
    void leavesNonBoundaryMatchesAlone() {
        for (String s : new String[]{"https://api.replicate.com/v10/x", "https://api.replicate.com/v1.5",
                "https://api.replicate.com/v1-beta", "xhttps://api.replicate.com/v1/x", "https://api.replicate.com/v",
                "http://api.replicate.com/v1/x", "https://api.replicate.com.evil/v1/x", "https://stream.replicate.com/v1/x"}) {
            assertThat(rw.rewrite(s)).as(s).isEqualTo(s);
        }
        assertThat(rw.rewrite(API)).isEqualTo(PROXY);
        assertThat(rw.rewrite("\"" + API + "\"")).isEqualTo("\"" + PROXY + "\"");
    }

    @Test
    void sameResultWhateverTheChunking() {
        StringBuilder sb = new StringBuilder();
        Random r = new Random(42);
        for (int i = 0; i < 300; i++) {
            sb.append("{\"get\":\"").append(i % 3 == 0 ? API.replace("/", "\\/") : API).append("/predictions/").append(i)
                    .append("\",\"t\":\"hhhttps://h ").append("é€".repeat(r.nextInt(3))).append("\"},");
        }
        String in = sb.toString();
        String expected = rw.rewrite(in);
        assertThat(expected).contains(PROXY + "/predictions/1\"").doesNotContain(API);
        byte[] bytes = in.getBytes(StandardCharsets.UTF_8);
        for (int chunk : new int[]{1, 2, 3, 7, 28, 29, 30, 31, 64, 1000}) {
            UrlRewriter.Stream st = rw.stream();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (int off = 0; off < bytes.length; off += chunk) {
                ByteBuffer b = ByteBuffer.wrap(bytes, off, Math.min(chunk, bytes.length - off)).slice();
                write(out, st.feed(b));
                assertThat(b.hasRemaining()).isFalse();
                assertThat(st.held()).isLessThanOrEqualTo(rw.maxHeld());
            }
            write(out, st.finish());
            assertThat(out.toString(StandardCharsets.UTF_8)).as("chunk " + chunk).isEqualTo(expected);
        }
    }

    @Test
    void directBuffersAndHeldTailAtEnd() {
        UrlRewriter.Stream st = rw.stream();
        ByteBuffer d = ByteBuffer.allocateDirect(20);
        d.put("x https://api.repl".getBytes(StandardCharsets.US_ASCII)).flip();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        write(out, st.feed(d));
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("x ");
        write(out, st.finish());
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("x https://api.repl");
    }

    @Test
    void reverseDirection() {
        UrlRewriter back = new UrlRewriter(PROXY, API);
        assertThat(back.rewrite("{\"input\":{\"image\":\"" + PROXY + "/files/abc\"}}"))
                .isEqualTo("{\"input\":{\"image\":\"" + API + "/files/abc\"}}");
    }

    private static void write(ByteArrayOutputStream out, ByteBuffer b) {
        byte[] a = new byte[b.remaining()];
        b.get(a);
        out.writeBytes(a);
    }
}
