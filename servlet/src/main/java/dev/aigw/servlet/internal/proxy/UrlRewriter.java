package dev.aigw.servlet.internal.proxy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Replaces one absolute URL base with another in a byte stream that passes in chunks, e.g.
 * {@code https://api.replicate.com/v1} with a proxy's public URL in JSON responses, so that a client following
 * {@code urls.get}, {@code next} or a file URL stays on the proxy. The reverse direction (proxy URL back to
 * Replicate's) uses the same class.
 *
 * <p>Both spellings JSON allows for the slashes are matched: {@code https://host/v1} and
 * {@code https:\/\/host\/v1} (the replacement is escaped the same way). A match counts only on URL boundaries:
 * not preceded by a scheme character (so {@code xhttps://...} is left alone) and not followed by one that would
 * continue the last path segment ({@code /v10}, {@code /v1.x}, {@code /v1-beta}).
 *
 * <p>Each {@link Stream} holds at most {@link #maxHeld()} bytes across chunk boundaries (a possible match cut by
 * the chunk end), never the body; any body rewritten this way changes length, so its {@code Content-Length} must
 * be dropped. Bytes are treated as bytes: UTF-8 text passes unchanged outside matches.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class UrlRewriter {
    private static final byte[] NONE = new byte[0];
    /** What a finished stream returns and is fed at its end: empty, nothing to write into. */
    private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

    private final byte[][] from;
    private final byte[][] to;
    private final int maxFrom;

    /**
     * @param fromBase absolute URL base to replace, without trailing slash
     * @param toBase   replacement, without trailing slash; printable ASCII with no quote or backslash, so it is safe
     *                 inside a JSON string and a header
     */
    public UrlRewriter(String fromBase, String toBase) {
        checkBase(fromBase, "fromBase");
        checkBase(toBase, "toBase");
        this.from = new byte[][]{ascii(fromBase), ascii(fromBase.replace("/", "\\/"))};
        this.to = new byte[][]{ascii(toBase), ascii(toBase.replace("/", "\\/"))};
        this.maxFrom = Math.max(from[0].length, from[1].length);
    }

    private static void checkBase(String base, String name) {
        if (base == null || base.isEmpty() || base.endsWith("/")) {
            throw new IllegalArgumentException(name + " must be a URL base without trailing slash");
        }
        for (int i = 0; i < base.length(); i++) {
            char c = base.charAt(i);
            if (c <= 0x20 || c >= 0x7f || c == '"' || c == '\\') {
                throw new IllegalArgumentException(name + " must be printable ASCII without quotes or backslashes");
            }
        }
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** The fewest bytes a match takes: a body shorter than this passes unchanged. */
    public int minMatch() {
        return Math.min(from[0].length, from[1].length);
    }

    /** The most bytes a stream holds back between two chunks. */
    public int maxHeld() {
        return maxFrom;
    }

    /** A new transformer for one body. */
    public Stream stream() {
        return new Stream();
    }

    /** Rewrites a whole string (a header value such as {@code Location}). */
    public String rewrite(String s) {
        if (s == null) {
            return null;
        }
        Stream st = stream();
        ByteBuffer a = st.feed(ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8)));
        ByteBuffer b = st.finish();
        byte[] all = new byte[a.remaining() + b.remaining()];
        a.get(all, 0, a.remaining());
        b.get(all, all.length - b.remaining(), b.remaining());
        return new String(all, StandardCharsets.UTF_8);
    }

    /** Bytes that may precede a match: anything that cannot be part of a URL scheme. */
    private static boolean canPrecede(int b) {
        return !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '+' || b == '-'
                || b == '.');
    }

    /** Bytes that may follow a match: anything that does not continue the last path segment. */
    private static boolean canFollow(int b) {
        return !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '.'
                || b == '_' || b == '~' || b == '%' || b == ':' || b == '@' || b == '+');
    }

    /** The transformer of one body; not thread-safe (one body is written by one thread at a time). */
    public final class Stream {
        private byte[] carry = NONE;
        private int prev = -1; // last byte emitted (or consumed by a match), -1 at the start
        private boolean finished;

        private Stream() {
        }

        /**
         * Consumes {@code in}'s remaining bytes and returns what may be written now (possibly empty); up to
         * {@link #maxHeld()} trailing bytes are kept for the next call.
         */
        public ByteBuffer feed(ByteBuffer in) {
            if (finished) {
                throw new IllegalStateException("finished");
            }
            return run(in, false);
        }

        /** End of body: returns the bytes still held. */
        public ByteBuffer finish() {
            if (finished) {
                return EMPTY;
            }
            finished = true;
            return carry.length == 0 ? EMPTY : run(EMPTY, true);
        }

        /** Bytes currently held back. */
        public int held() {
            return carry.length;
        }

        private ByteBuffer run(ByteBuffer in, boolean last) {
            int inLen = in.remaining();
            byte[] data;
            if (carry.length == 0 && in.hasArray()) {
                data = in.array();
            } else {
                data = null;
            }
            int base;
            int end;
            if (data != null) {
                base = in.arrayOffset() + in.position();
                end = base + inLen;
            } else {
                data = new byte[carry.length + inLen];
                System.arraycopy(carry, 0, data, 0, carry.length);
                in.get(in.position(), data, carry.length, inLen);
                base = 0;
                end = data.length;
            }
            in.position(in.limit());
            carry = NONE;

            // Runs without a match are copied in bulk, and a chunk with no match at all is passed on as it is
            // (most bodies carry no URL of the other side): no copy, no allocation.
            Out out = null;
            int copied = base; // [copied, i) is still to be copied to out
            int stop = end;    // where held bytes start
            int i = base;
            scan:
            while (i < end) {
                if (data[i] != 'h' || !canPrecede(i > base ? data[i - 1] : prev)) {
                    i++;
                    continue;
                }
                boolean hold = false;
                for (int p = 0; p < from.length; p++) {
                    byte[] f = from[p];
                    int avail = end - i;
                    int n = Math.min(avail, f.length);
                    if (!Arrays.equals(data, i, i + n, f, 0, n)) {
                        continue;
                    }
                    if (avail < f.length) {
                        if (!last) {
                            hold = true; // a match may continue in the next chunk
                        }
                        continue;
                    }
                    if (avail == f.length && !last) {
                        hold = true; // need the next byte to know the match ends on a boundary
                        continue;
                    }
                    if (avail == f.length || canFollow(data[i + f.length])) {
                        if (out == null) {
                            out = new Out(end - base + 64);
                        }
                        out.write(data, copied, i - copied);
                        out.write(to[p], 0, to[p].length);
                        i += f.length;
                        copied = i;
                        continue scan;
                    }
                }
                if (hold) {
                    carry = Arrays.copyOfRange(data, i, end);
                    stop = i;
                    break;
                }
                i++;
            }
            if (stop > base) {
                prev = data[stop - 1]; // the last byte passed on (or the last of a replaced match: the same byte)
            }
            if (out == null) {
                return ByteBuffer.wrap(data, base, stop - base).slice();
            }
            out.write(data, copied, stop - copied);
            return out.buffer();
        }
    }

    private static final class Out {
        private byte[] buf;
        private int len;

        Out(int capacity) {
            buf = new byte[Math.max(16, capacity)];
        }

        void write(byte[] b, int off, int n) {
            if (len + n > buf.length) {
                buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + n));
            }
            System.arraycopy(b, off, buf, len, n);
            len += n;
        }

        ByteBuffer buffer() {
            return ByteBuffer.wrap(buf, 0, len);
        }
    }
}
