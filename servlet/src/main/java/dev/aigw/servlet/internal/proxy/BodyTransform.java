package dev.aigw.servlet.internal.proxy;

import dev.aigw.internal.JsonSniffer;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/** A streaming transformation of one body: chunks in, chunks out, nothing held but bounded state. */
public interface BodyTransform {
    /** Consumes {@code in} and returns what may pass now (possibly nothing). */
    List<ByteBuffer> apply(ByteBuffer in) throws Refused;

    /** End of body: what is still held. */
    List<ByteBuffer> finish() throws Refused;

    /** The body may not be forwarded; the message is for the client (no secret in it). */
    final class Refused extends Exception {
        private static final long serialVersionUID = 1L;

        public Refused(String message) {
            super(message, null, false, false);
        }
    }

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

    /** {@code first} then {@code second}. */
    static BodyTransform chain(BodyTransform first, BodyTransform second) {
        return new BodyTransform() {
            @Override
            public List<ByteBuffer> apply(ByteBuffer in) throws Refused {
                List<ByteBuffer> out = new ArrayList<>(2);
                for (ByteBuffer b : first.apply(in)) {
                    out.addAll(second.apply(b));
                }
                return out;
            }

            @Override
            public List<ByteBuffer> finish() throws Refused {
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

    /**
     * Holds back the latest chunk of a {@code POST /predictions} body until its root {@code version} field is known
     * and allowed by {@code allowlist}: the body's last bytes never leave before the decision, so a refused body
     * reaches the upstream incomplete (and is aborted), never as a request it could run.
     */
    static BodyTransform versionGate(ModelAllowlist allowlist) {
        JsonSniffer sniffer = new JsonSniffer();
        return new BodyTransform() {
            private ByteBuffer held;
            private Boolean allowed;

            @Override
            public List<ByteBuffer> apply(ByteBuffer in) throws Refused {
                if (Boolean.TRUE.equals(allowed)) {
                    return List.of(in);
                }
                sniffer.feed(in);
                String v = sniffer.result().version();
                if (v != null) {
                    decide(v);
                    List<ByteBuffer> out = new ArrayList<>(2);
                    if (held != null) {
                        out.add(held);
                        held = null;
                    }
                    out.add(in);
                    return out;
                }
                ByteBuffer copy = ByteBuffer.allocate(in.remaining()).put(in).flip();
                ByteBuffer previous = held;
                held = copy;
                return previous == null ? List.of() : List.of(previous);
            }

            @Override
            public List<ByteBuffer> finish() throws Refused {
                if (!Boolean.TRUE.equals(allowed)) {
                    sniffer.finish();
                    decide(sniffer.result().version());
                }
                ByteBuffer h = held;
                held = null;
                return h == null ? List.of() : List.of(h);
            }

            private void decide(String version) throws Refused {
                if (version == null) {
                    throw new Refused("the body names no model: POST /predictions needs a \"version\" "
                            + "(owner/name, owner/name:<version id> or a version id) that the model allowlist permits");
                }
                if (!allowlist.allowsVersionField(version)) {
                    throw new Refused("model \"" + printable(version) + "\" is not on this proxy's model allowlist");
                }
                allowed = Boolean.TRUE;
            }
        };
    }

    private static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && i < 200; i++) {
            char c = s.charAt(i);
            sb.append(c >= 0x20 && c < 0x7f ? c : '?');
        }
        return sb.toString();
    }
}
