package dev.aigw.testkit.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * What a normalising server makes of a raw request path before it routes it: every percent-escape decoded (once,
 * reserved characters included, as many frameworks do), backslashes taken as slashes, {@code ;} parameters dropped,
 * empty segments merged, dot segments resolved (RFC 3986 §5.2.4) and a trailing slash removed. A fake upstream in
 * this mode acts on the meaning of a path, not its spelling, so that a test can show a spelling trick would have
 * worked had it got through.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class PathNormaliser {
    private PathNormaliser() {
    }

    public static String normalise(String raw) {
        String decoded = decode(raw).replace('\\', '/');
        Deque<String> out = new ArrayDeque<>();
        for (String seg : decoded.split("/")) {
            int semi = seg.indexOf(';');
            String s = semi >= 0 ? seg.substring(0, semi) : seg;
            if (s.isEmpty() || s.equals(".")) {
                continue;
            }
            if (s.equals("..")) {
                out.pollLast();
                continue;
            }
            out.addLast(s);
        }
        return "/" + String.join("/", out);
    }

    /** Encodes what a URI path cannot carry raw, to forward a normalised path. */
    public static String encode(String path) {
        StringBuilder sb = new StringBuilder();
        for (byte b : path.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c > 0x20 && c < 0x7f && "\"#%<>?[]^`{|}".indexOf(c) < 0) {
                sb.append((char) c);
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    private static String decode(String raw) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(raw.length());
        byte[] b = raw.getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < b.length; i++) {
            if (b[i] == '%' && i + 2 < b.length && Character.digit(b[i + 1], 16) >= 0
                    && Character.digit(b[i + 2], 16) >= 0) {
                out.write(Character.digit(b[i + 1], 16) << 4 | Character.digit(b[i + 2], 16));
                i += 2;
            } else {
                out.write(b[i]);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
