package dev.aigw.servlet.internal.proxy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A streaming transformation of one body: chunks in, chunks out, nothing held but bounded state.
 *
 * <p>Internal: not API, may change in any release.
 */
public interface BodyTransform {
    /** Consumes {@code in} and returns what may pass now (possibly nothing). */
    List<ByteBuffer> apply(ByteBuffer in) throws Refusal.Refused;

    /** End of body: what is still held. */
    List<ByteBuffer> finish() throws Refusal.Refused;

    static BodyTransform identity() {
        return new BodyTransform() {
            @Override
            public List<ByteBuffer> apply(ByteBuffer in) {
                return List.of(in);
            }

            @Override
            public List<ByteBuffer> finish() {
                return List.of();
            }
        };
    }

    /** Drops every byte of the body and sends {@code body} in its place at the end. */
    static BodyTransform replacedBy(byte[] body) {
        return new BodyTransform() {
            @Override
            public List<ByteBuffer> apply(ByteBuffer in) {
                return List.of();
            }

            @Override
            public List<ByteBuffer> finish() {
                return List.of(ByteBuffer.wrap(body));
            }
        };
    }

    /**
     * Passes an empty body and refuses at its first byte: for a body whose head could not say whether there is one
     * (HTTP/2 without {@code Content-Length}), judged by whether one comes.
     */
    static BodyTransform none(Refusal refusal) {
        return new BodyTransform() {
            @Override
            public List<ByteBuffer> apply(ByteBuffer in) throws Refusal.Refused {
                if (in.hasRemaining()) {
                    throw refusal.refused();
                }
                return List.of();
            }

            @Override
            public List<ByteBuffer> finish() {
                return List.of();
            }
        };
    }

    /** {@code first} then {@code second}. */
    static BodyTransform chain(BodyTransform first, BodyTransform second) {
        return new BodyTransform() {
            @Override
            public List<ByteBuffer> apply(ByteBuffer in) throws Refusal.Refused {
                List<ByteBuffer> out = new ArrayList<>(2);
                for (ByteBuffer b : first.apply(in)) {
                    out.addAll(second.apply(b));
                }
                return out;
            }

            @Override
            public List<ByteBuffer> finish() throws Refusal.Refused {
                List<ByteBuffer> out = new ArrayList<>(2);
                for (ByteBuffer b : first.finish()) {
                    out.addAll(second.apply(b));
                }
                out.addAll(second.finish());
                return out;
            }
        };
    }

    /** Rewrites one URL base to another as the bytes pass. */
    static BodyTransform rewrite(UrlRewriter rewriter) {
        UrlRewriter.Stream s = rewriter.stream();
        return new BodyTransform() {
            @Override
            public List<ByteBuffer> apply(ByteBuffer in) {
                ByteBuffer out = s.feed(in);
                return out.hasRemaining() ? List.of(out) : List.of();
            }

            @Override
            public List<ByteBuffer> finish() {
                ByteBuffer out = s.finish();
                return out.hasRemaining() ? List.of(out) : List.of();
            }
        };
    }
}
