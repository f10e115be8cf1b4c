package dev.aigw.servlet.internal.proxy;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads a JSON request body as the parsers behind the proxy will (Python's {@code json}, Go's
 * {@code encoding/json}, Jackson, JavaScript) and decides on watched root fields while the body streams: those
 * that name what will run ({@link ModelAllowlist}: {@code version} of {@code POST /predictions}, {@code destination}
 * of a training, {@code model} and {@code version} of a deployment's create or change) and those that name where
 * Replicate will send webhooks ({@link WebhookUrls}), in one pass when both lists are set.
 *
 * <p>Where those parsers disagree, the body is refused instead of guessed at: invalid JSON or UTF-8 (including a
 * BOM, comments, {@code NaN}, trailing data), a root that is not an object, nesting deeper than
 * {@link #MAX_DEPTH}, the same root key twice (parsers differ on which one wins), two root keys that are equal
 * ignoring case (Go matches keys that way, with Unicode simple folding, so {@code "VERSION"} or
 * {@code "ver\u017Fion"} would be its {@code version}), a watched field that is not a plain string, or one too long
 * to be a name. Keys are compared after decoding escapes: {@code "\u0076ersion"} is {@code version}.
 *
 * <p>Nothing but bounded state is held, plus the latest chunk: it leaves only when the whole body was read and
 * found acceptable, so a refused body never reaches the upstream complete (its request is aborted).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class JsonBodyGate extends StrictJsonReader implements BodyTransform {
    /** Deepest nesting accepted (Jackson's default limit is 1000; Python's recursion limit is about that). */
    public static final int MAX_DEPTH = StrictJsonReader.MAX_DEPTH;
    /** Most root keys accepted (Replicate's request objects have fewer than ten and refuse unknown ones). */
    public static final int MAX_ROOT_KEYS = 256;
    /** Longest root key or watched value accepted, in characters. */
    public static final int MAX_TEXT = StrictJsonReader.MAX_TEXT;

    /**
     * A watched root field.
     *
     * @param key     its name ({@code version}, {@code destination}, {@code model}, {@code webhook})
     * @param missing the refusal when the body lacks it; null when it is judged only when present
     * @param judge   the refusal for a value of it, or null when the value is allowed
     */
    public record Field(String key, Refusal missing, Function<String, Refusal> judge) {
    }

    private final List<Field> fields;
    private final String what;
    private final Set<String> rootKeys = new HashSet<>();
    private final Set<String> seen = new HashSet<>();
    /** The field whose value is read next. */
    private Field current;
    // held output
    private ByteBuffer held;

    /**
     * @param fields the watched root fields, of distinct keys
     * @param what   how to name the endpoint in refusals, e.g. {@code POST /predictions}
     */
    public JsonBodyGate(List<Field> fields, String what) {
        this.fields = List.copyOf(fields);
        this.what = what;
    }

    @Override
    public List<ByteBuffer> apply(ByteBuffer in) throws Refusal.Refused {
        for (int i = in.position(); i < in.limit(); i++) {
            step(in.get(i) & 0xff);
        }
        ByteBuffer copy = ByteBuffer.allocate(in.remaining()).put(in).flip();
        ByteBuffer previous = held;
        held = copy;
        return previous == null ? List.of() : List.of(previous);
    }

    @Override
    public List<ByteBuffer> finish() throws Refusal.Refused {
        // only white space (or nothing) names no field: enough unless one is required
        if (!done() && !(untouched() && fields.stream().allMatch(f -> f.missing() == null))) {
            throw bad("the JSON body is incomplete");
        }
        for (Field f : fields) {
            if (f.missing() != null && !seen.contains(f.key())) {
                throw f.missing().refused();
            }
        }
        ByteBuffer h = held;
        held = null;
        return h == null ? List.of() : List.of(h);
    }

    @Override
    boolean rootKey(String key) throws Refusal.Refused {
        String folded = fold(key);
        if (!rootKeys.add(folded)) {
            throw bad("the JSON body has the root key \"" + printable(key) + "\" twice (or twice in different "
                    + "case): parsers differ on which one counts");
        }
        if (rootKeys.size() > MAX_ROOT_KEYS) {
            throw bad("the JSON body has more than " + MAX_ROOT_KEYS + " root keys");
        }
        for (Field f : fields) {
            if (folded.equals(f.key())) {
                if (!key.equals(f.key())) {
                    throw bad("the JSON body spells \"" + f.key() + "\" as \"" + printable(key) + "\": write it in "
                            + "lower case");
                }
                current = f;
                return true;
            }
        }
        return false;
    }

    @Override
    String capturedNotString() {
        return "\"" + current.key() + "\" must be a string";
    }

    @Override
    String capturedTooLong() {
        return "\"" + current.key() + "\" is longer than " + MAX_TEXT + " characters";
    }

    @Override
    void captured(String v) throws Refusal.Refused {
        seen.add(current.key());
        Refusal r = current.judge().apply(v);
        if (r != null) {
            throw r.refused();
        }
    }

    /** Simple case folding as Go's encoding/json matches keys: {@code ſ} is {@code s}, the Kelvin sign {@code k}. */
    static String fold(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(cp -> sb.appendCodePoint(Character.toLowerCase(Character.toUpperCase(cp))));
        return sb.toString().toLowerCase(Locale.ROOT);
    }

    @Override
    Refusal.Refused bad(String detail) {
        return new Refusal.Refused(Refusal.of(400, "body_not_decidable", detail + "; " + what + " must be one JSON "
                + "object with " + keys(fields) + (fields.size() > 1 ? " each" : "") + " a single string"));
    }

    /** The keys of {@code fields}, quoted, for messages. */
    static String keys(List<Field> fields) {
        StringBuilder keys = new StringBuilder();
        for (Field f : fields) {
            keys.append(keys.length() == 0 ? "\"" : ", \"").append(f.key()).append('"');
        }
        return keys.toString();
    }

    static String printable(String s) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < s.length() && sb.length() < 200; i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7f) {
                sb.append(c);
            } else {
                sb.append(String.format("\\u%04x", (int) c));
            }
        }
        return sb.toString();
    }

    /** For tests: the whole body at once. */
    static List<ByteBuffer> all(JsonBodyGate g, byte[] body) throws Refusal.Refused {
        List<ByteBuffer> out = new ArrayList<>(g.apply(ByteBuffer.wrap(body)));
        out.addAll(g.finish());
        return out;
    }
}
