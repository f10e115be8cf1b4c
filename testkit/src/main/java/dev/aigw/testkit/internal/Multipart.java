package dev.aigw.testkit.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Minimal multipart/form-data parser over a buffered body (the fake caps uploads anyway).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Multipart {
    public record Part(String name, String filename, String contentType, byte[] content) {
        public String text() {
            return new String(content, StandardCharsets.UTF_8);
        }
    }

    private static final Pattern BOUNDARY = Pattern.compile("boundary=(\"([^\"]+)\"|[^;\\s]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern PARAM = Pattern.compile("(name|filename)=\"([^\"]*)\"", Pattern.CASE_INSENSITIVE);

    private Multipart() {
    }

    /** Returns the parts, or null if the content type is not multipart or the body is malformed. */
    public static List<Part> parse(String contentType, byte[] body) {
        if (contentType == null || !contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")) {
            return null;
        }
        Matcher bm = BOUNDARY.matcher(contentType);
        if (!bm.find()) {
            return null;
        }
        byte[] delimiter = ("--" + (bm.group(2) != null ? bm.group(2) : bm.group(1))).getBytes(StandardCharsets.ISO_8859_1);
        List<Part> parts = new ArrayList<>();
        int pos = indexOf(body, delimiter, 0);
        if (pos < 0) {
            return null;
        }
        while (true) {
            pos += delimiter.length;
            if (pos + 1 < body.length && body[pos] == '-' && body[pos + 1] == '-') {
                return parts;
            }
            pos = skipCrlf(body, pos);
            int headerEnd = indexOf(body, "\r\n\r\n".getBytes(StandardCharsets.ISO_8859_1), pos);
            int next = indexOf(body, delimiter, pos);
            if (headerEnd < 0 || next < 0 || headerEnd > next) {
                return null;
            }
            String headers = new String(body, pos, headerEnd - pos, StandardCharsets.UTF_8);
            int contentEnd = next >= 2 && body[next - 2] == '\r' && body[next - 1] == '\n' ? next - 2 : next;
            byte[] content = Arrays.copyOfRange(body, headerEnd + 4, Math.max(headerEnd + 4, contentEnd));
            String name = null;
            String filename = null;
            String type = null;
            for (String line : headers.split("\r\n")) {
                String lower = line.toLowerCase(Locale.ROOT);
                if (lower.startsWith("content-disposition:")) {
                    Matcher pm = PARAM.matcher(line);
                    while (pm.find()) {
                        if (pm.group(1).equalsIgnoreCase("name")) {
                            name = pm.group(2);
                        } else {
                            filename = pm.group(2);
                        }
                    }
                } else if (lower.startsWith("content-type:")) {
                    type = line.substring("content-type:".length()).trim();
                }
            }
            parts.add(new Part(name, filename, type, content));
            pos = next;
        }
    }

    private static int skipCrlf(byte[] b, int pos) {
        return pos + 1 < b.length && b[pos] == '\r' && b[pos + 1] == '\n' ? pos + 2 : pos;
    }

    static int indexOf(byte[] haystack, byte[] needle, int from) {
        outer:
        for (int i = Math.max(0, from); i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
