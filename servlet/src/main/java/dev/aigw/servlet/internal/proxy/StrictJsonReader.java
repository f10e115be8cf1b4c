package dev.aigw.servlet.internal.proxy;

/**
 * A strict streaming JSON reader, byte by byte, for {@link JsonBodyGate}: RFC 8259 only (no BOM, comments,
 * {@code NaN}, trailing commas or data; valid UTF-8; at most {@link #MAX_DEPTH} levels), decoding the root object's
 * keys and the values its subclass asks for. It holds bounded state only; chunk boundaries may fall anywhere. What
 * it finds it reports to the subclass, which decides; what is not strict JSON it refuses through {@link #bad}.
 *
 * <p>Internal: not API, may change in any release.
 */
abstract class StrictJsonReader {
    /** Deepest nesting accepted (Jackson's default limit is 1000; Python's recursion limit is about that). */
    static final int MAX_DEPTH = 512;
    /** Longest root key or captured value accepted, in characters. */
    static final int MAX_TEXT = 1024;

    private enum Expect { ROOT, VALUE, KEY_OR_END, KEY, COLON, COMMA_OR_END, VALUE_OR_END, DONE }

    // lexer state
    private Expect expect = Expect.ROOT;
    private final long[] arrays = new long[(MAX_DEPTH + 63) / 64]; // bit set: the container at each depth is an array
    private int depth;
    private boolean inString;
    private int escape; // 0 none, 1 after '\', 2..5 reading \\uXXXX digits
    private int unicode;
    private int highSurrogate = -1;
    private int utf8Left;
    private int utf8Code;
    private int utf8Min;
    private String literal; // "true", "false", "null" being matched
    private int literalPos;
    private int number; // 0 none; otherwise a NumberState
    // what the current string is
    private StringBuilder text; // decoded root key or watched value, else null
    private boolean stringIsKey;
    private boolean watchedNext;

    /** A root key, decoded; return whether its value is to be captured (then it must be a string). */
    abstract boolean rootKey(String key) throws Refusal.Refused;

    /** The captured root value, decoded. */
    abstract void captured(String value) throws Refusal.Refused;

    /** The refusal for a body that is not what the subclass can decide on. */
    abstract Refusal.Refused bad(String detail);

    /** What was captured was not a string, or too long. */
    abstract String capturedNotString();

    abstract String capturedTooLong();

    /** Whether nothing but white space was read so far. */
    boolean untouched() {
        return expect == Expect.ROOT;
    }

    /** Whether the root object ended (nothing but whitespace may follow). */
    boolean done() {
        return expect == Expect.DONE;
    }

    // --- numbers: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ---
    private static final int N_SIGN = 1, N_ZERO = 2, N_INT = 3, N_DOT = 4, N_FRAC = 5, N_E = 6, N_ESIGN = 7,
            N_EXP = 8;

    /** One byte of the body. */
    final void step(int b) throws Refusal.Refused {
        if (inString) {
            string(b);
            return;
        }
        if (literal != null) {
            if (b != literal.charAt(literalPos)) {
                throw bad("the JSON body is not valid JSON (a misspelt true, false or null)");
            }
            if (++literalPos == literal.length()) {
                literal = null;
                valueDone();
            }
            return;
        }
        if (number != 0) {
            if (numberStep(b)) {
                return;
            }
            if (!numberComplete()) {
                throw bad("the JSON body has a malformed number");
            }
            number = 0;
            valueDone();
        }
        if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
            return;
        }
        switch (expect) {
            case ROOT -> {
                if (b != '{') {
                    throw bad("the JSON body must be an object ('{' first; no byte order mark)");
                }
                open(false);
                expect = Expect.KEY_OR_END;
            }
            case KEY_OR_END, KEY -> {
                if (b == '}' && expect == Expect.KEY_OR_END) {
                    close(false);
                } else if (b == '"') {
                    startString(true);
                } else {
                    throw bad("the JSON body is not valid JSON (a key was expected)");
                }
            }
            case COLON -> {
                if (b != ':') {
                    throw bad("the JSON body is not valid JSON (':' was expected)");
                }
                expect = Expect.VALUE;
            }
            case COMMA_OR_END -> {
                boolean array = isArray();
                if (b == ',') {
                    expect = array ? Expect.VALUE : Expect.KEY;
                } else if (b == (array ? ']' : '}')) {
                    close(array);
                } else {
                    throw bad("the JSON body is not valid JSON (',' or the end of a container was expected)");
                }
            }
            case VALUE, VALUE_OR_END -> {
                if (b == ']' && expect == Expect.VALUE_OR_END) {
                    close(true);
                    return;
                }
                value(b);
            }
            case DONE -> throw bad("the JSON body has data after its root object");
        }
    }

    private void value(int b) throws Refusal.Refused {
        boolean watched = watchedNext;
        watchedNext = false;
        if (watched && b != '"') {
            throw bad(capturedNotString());
        }
        switch (b) {
            case '{' -> {
                open(false);
                expect = Expect.KEY_OR_END;
            }
            case '[' -> {
                open(true);
                expect = Expect.VALUE_OR_END;
            }
            case '"' -> {
                startString(false);
                if (watched) {
                    text = new StringBuilder();
                }
            }
            case 't' -> startLiteral("true");
            case 'f' -> startLiteral("false");
            case 'n' -> startLiteral("null");
            default -> {
                if (b == '-' || (b >= '0' && b <= '9')) {
                    number = b == '-' ? N_SIGN : b == '0' ? N_ZERO : N_INT;
                } else {
                    throw bad("the JSON body is not valid JSON (a value was expected)");
                }
            }
        }
    }

    private void startLiteral(String l) {
        literal = l;
        literalPos = 1;
    }

    private void open(boolean array) throws Refusal.Refused {
        if (depth >= MAX_DEPTH) {
            throw bad("the JSON body is nested deeper than " + MAX_DEPTH + " levels");
        }
        if (array) {
            arrays[depth >> 6] |= 1L << (depth & 63);
        } else {
            arrays[depth >> 6] &= ~(1L << (depth & 63));
        }
        depth++;
    }

    private void close(boolean array) {
        depth--;
        valueDone();
    }

    private boolean isArray() {
        int d = depth - 1;
        return (arrays[d >> 6] & (1L << (d & 63))) != 0;
    }

    private void valueDone() {
        expect = depth == 0 ? Expect.DONE : Expect.COMMA_OR_END;
    }

    private void startString(boolean key) {
        inString = true;
        stringIsKey = key;
        text = key && depth == 1 ? new StringBuilder() : null;
    }

    private void string(int b) throws Refusal.Refused {
        if (utf8Left > 0) {
            if ((b & 0xc0) != 0x80) {
                throw bad("the JSON body is not valid UTF-8");
            }
            utf8Code = utf8Code << 6 | (b & 0x3f);
            if (--utf8Left == 0) {
                if (utf8Code < utf8Min || utf8Code > 0x10ffff || (utf8Code >= 0xd800 && utf8Code <= 0xdfff)) {
                    throw bad("the JSON body is not valid UTF-8");
                }
                character(utf8Code);
            }
            return;
        }
        if (escape == 1) {
            escape = 0;
            switch (b) {
                case '"', '\\', '/' -> character(b);
                case 'b' -> character('\b');
                case 'f' -> character('\f');
                case 'n' -> character('\n');
                case 'r' -> character('\r');
                case 't' -> character('\t');
                case 'u' -> {
                    escape = 2;
                    unicode = 0;
                }
                default -> throw bad("the JSON body has an invalid escape in a string");
            }
            return;
        }
        if (escape >= 2) {
            int d = Character.digit(b, 16);
            if (d < 0 || b > 'f') {
                throw bad("the JSON body has an invalid \\u escape");
            }
            unicode = unicode << 4 | d;
            if (++escape == 6) {
                escape = 0;
                utf16(unicode);
            }
            return;
        }
        if (b == '"') {
            if (highSurrogate >= 0) {
                appendText(highSurrogate);
                highSurrogate = -1;
            }
            inString = false;
            stringDone();
            return;
        }
        if (b == '\\') {
            escape = 1;
            return;
        }
        if (b < 0x20) {
            throw bad("the JSON body has a control character inside a string");
        }
        if (b < 0x80) {
            character(b);
        } else if (b >= 0xc2 && b <= 0xdf) {
            startUtf8(b & 0x1f, 1, 0x80);
        } else if (b >= 0xe0 && b <= 0xef) {
            startUtf8(b & 0x0f, 2, 0x800);
        } else if (b >= 0xf0 && b <= 0xf4) {
            startUtf8(b & 0x07, 3, 0x10000);
        } else {
            throw bad("the JSON body is not valid UTF-8");
        }
    }

    private void startUtf8(int bits, int left, int min) {
        utf8Code = bits;
        utf8Left = left;
        utf8Min = min;
    }

    /** A code unit from a \\u escape: pairs surrogates, keeps a lone one as it is (as Jackson and Python do). */
    private void utf16(int u) throws Refusal.Refused {
        if (highSurrogate >= 0) {
            int high = highSurrogate;
            highSurrogate = -1;
            if (u >= 0xdc00 && u <= 0xdfff) {
                appendText(Character.toCodePoint((char) high, (char) u));
                return;
            }
            appendText(high);
        }
        if (u >= 0xd800 && u <= 0xdbff) {
            highSurrogate = u;
            return;
        }
        appendText(u);
    }

    private void character(int cp) throws Refusal.Refused {
        if (highSurrogate >= 0) {
            appendText(highSurrogate);
            highSurrogate = -1;
        }
        appendText(cp);
    }

    private void appendText(int cp) throws Refusal.Refused {
        if (text != null) {
            if (text.length() >= MAX_TEXT) {
                throw bad(stringIsKey ? "a root key of the JSON body is longer than " + MAX_TEXT + " characters"
                        : capturedTooLong());
            }
            text.appendCodePoint(cp);
        }
    }

    private void stringDone() throws Refusal.Refused {
        StringBuilder t = text;
        text = null;
        if (stringIsKey) {
            expect = Expect.COLON;
            if (t != null) {
                watchedNext = rootKey(t.toString());
            }
            return;
        }
        if (t != null) {
            captured(t.toString());
        }
        valueDone();
    }

    private boolean numberStep(int b) {
        boolean digit = b >= '0' && b <= '9';
        int next = switch (number) {
            case N_SIGN -> digit ? (b == '0' ? N_ZERO : N_INT) : -1;
            case N_ZERO -> b == '.' ? N_DOT : (b == 'e' || b == 'E') ? N_E : -1;
            case N_INT -> digit ? N_INT : b == '.' ? N_DOT : (b == 'e' || b == 'E') ? N_E : -1;
            case N_DOT -> digit ? N_FRAC : -2;
            case N_FRAC -> digit ? N_FRAC : (b == 'e' || b == 'E') ? N_E : -1;
            case N_E -> digit ? N_EXP : (b == '+' || b == '-') ? N_ESIGN : -2;
            case N_ESIGN -> digit ? N_EXP : -2;
            case N_EXP -> digit ? N_EXP : -1;
            default -> -1;
        };
        if (next > 0) {
            number = next;
            return true;
        }
        return false; // -1: the number ended before b; -2: malformed (numberComplete says so)
    }

    private boolean numberComplete() {
        return number == N_ZERO || number == N_INT || number == N_FRAC || number == N_EXP;
    }
}
