package dev.aigw.internal;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Incremental, constant-memory extractor of a few root-level fields from a JSON body that streams past.
 *
 * <p>Feed the body chunk by chunk (split anywhere, even inside a UTF-8 sequence, an escape, a number or a
 * literal), then call {@link #finish()}. {@link #result()} may be called at any time and reports what is
 * complete so far. Nothing is buffered except the (capped) values being captured.
 *
 * <p>What is taken — only direct members of the <em>root object</em>:
 * <ul>
 *   <li>{@code id}, {@code status}, {@code model}, {@code version}: string values; other value types are ignored
 *       (the field stays {@code null}).</li>
 *   <li>{@code error}: a string is taken as-is; {@code null}, objects and arrays yield {@code null}
 *       (they are not rendered). An object, or an array whose first element is an object, is the gateway's error
 *       envelope: its shape is reported, with that object's integer {@code code} (as written, at most 18
 *       characters) and string {@code message}.</li>
 *   <li>{@code metrics}: an object; its numeric (finite) members are collected, anything else in it is ignored.
 *       At most {@value #MAX_METRICS} metrics are kept.</li>
 * </ul>
 * The first occurrence of a key decides, whatever its type (duplicates are skipped). A non-object root
 * (array, string, ...) yields {@link Sniffed#EMPTY}.
 *
 * <p>Caps: captured strings (values and metric names) are truncated to {@value #MAX_CHARS} UTF-16 chars,
 * never splitting a surrogate pair. Metric names that were truncated are dropped (a cut name is meaningless).
 * Nesting deeper than {@value #MAX_DEPTH} makes the sniffer give up.
 *
 * <p>Tolerance: invalid JSON makes the sniffer stop ({@link #done()} becomes true) keeping what it found
 * before; a truncated body reports the fields completed before the cut. Malformed UTF-8 and lone surrogate
 * escapes in captured values become U+FFFD; raw control characters inside strings are accepted (lenient).
 * Content never makes {@code feed}/{@code finish}/{@code result} throw.
 *
 * <p>Not thread-safe; confine one instance to one body. Sequential calls from different threads are fine
 * as long as the caller provides the usual happens-before (e.g. the stream's own hand-off); there is no
 * thread-local state.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class JsonSniffer {

    static final int MAX_CHARS = 256;
    static final int MAX_DEPTH = 512;
    static final int MAX_METRICS = 32;

    // 256 chars need at most 768 UTF-8 bytes; 1024 guarantees >= 256 complete chars before any cut.
    private static final int CAPTURE_BYTES = 1024;
    private static final int CAPTURE_START = 128; // ids, statuses, model names and version hashes fit
    private static final int NUM_CHARS = 64;
    private static final int SCRATCH_MAX = 8192;

    // Parser states.
    private static final int S_BEGIN = 0;      // before root: whitespace / BOM
    private static final int S_BOM = 1;        // inside the 3-byte UTF-8 BOM
    private static final int S_OBJ_FIRST = 2;  // after '{': key or '}'
    private static final int S_OBJ_KEY = 3;    // after ',' in object: key
    private static final int S_COLON = 4;      // after key
    private static final int S_VALUE = 5;      // after ':' or ',' in array
    private static final int S_ARR_FIRST = 6;  // after '[': value or ']'
    private static final int S_AFTER = 7;      // after a value: ',' or close
    private static final int S_STR = 8;        // inside a string
    private static final int S_ESC = 9;        // after '\'
    private static final int S_HEX = 10;       // inside \\uXXXX
    private static final int S_NUM = 11;       // inside a number
    private static final int S_LIT = 12;       // inside true/false/null
    private static final int S_DONE = 13;      // root closed or non-object root
    private static final int S_FAILED = 14;    // invalid JSON or too deep

    // Number sub-states (JSON grammar).
    private static final int N_MINUS = 0, N_ZERO = 1, N_INT = 2, N_DOT = 3, N_FRAC = 4,
            N_EXP = 5, N_EXP_SIGN = 6, N_EXP_DIGITS = 7;

    // Role of the value (or key) being read.
    private static final int R_NONE = 0, R_ID = 1, R_STATUS = 2, R_MODEL = 3, R_VERSION = 4, R_ERROR = 5,
            R_METRICS = 6, R_METRIC = 7, R_ERR_CODE = 8, R_ERR_MESSAGE = 9;
    private static final int MAX_CODE_CHARS = 18;

    private static final byte[] K_ID = ascii("id");
    private static final byte[] K_STATUS = ascii("status");
    private static final byte[] K_MODEL = ascii("model");
    private static final byte[] K_VERSION = ascii("version");
    private static final byte[] K_ERROR = ascii("error");
    private static final byte[] K_METRICS = ascii("metrics");
    private static final byte[] K_CODE = ascii("code");
    private static final byte[] K_MESSAGE = ascii("message");
    private static final byte[] LIT_TRUE = ascii("true");
    private static final byte[] LIT_FALSE = ascii("false");
    private static final byte[] LIT_NULL = ascii("null");

    private int state = S_BEGIN;
    private boolean finished;

    // Container stack as a bit set (1 = array), fixed size: O(1) memory whatever the input.
    // Kind of each open container, one bit per level: the first 64 levels in a field, deeper ones in an array made
    // only for documents that nest that far (a sniffer is made per call; most calls never need more than a long).
    private long arrayBits0;
    private long[] arrayBits;
    private int depth;
    private boolean rootClosed;      // the root object's closing brace was read
    private int metricsDepth;        // depth of the open root "metrics" object, 0 if not inside it
    private int errArrayDepth;       // depth of the open root "error" array, 0 if not inside it
    private int errObjectDepth;      // depth of the open error object (root "error", or the array's first element)
    private int errElements;         // elements begun in the error array
    private int errSeen;             // bit per error-object key: first occurrence decides

    // Current string.
    private boolean strIsKey;
    private boolean capturing;
    private byte[] cap = new byte[CAPTURE_START]; // grows to CAPTURE_BYTES for long values only
    private int capLen;
    private boolean capOverflow;
    private int pendingHigh;         // high surrogate from a \\u escape awaiting its low half (capture only)
    private int hexCount, hexVal;
    private int bomIdx;

    // Current number / literal.
    private int numState;
    private byte[] num; // made with the first metric (ASCII: a number's grammar allows nothing else)
    private int numLen;
    private byte[] lit;
    private int litIdx;

    // Key -> value role.
    private int role;                // role of the next value (set by the preceding key)
    private int valueRole;           // role of the value being read
    private String metricKey;        // name for R_METRIC
    private int seen;                // bit per root role: first occurrence decides

    // Results.
    private String id, status, model, version, error;
    private Sniffed.HandedOver metrics;
    private Sniffed.ErrorShape errorShape;
    private String errorCode, errorMessage;

    private byte[] scratch;          // for buffers without an accessible array (direct, read-only); grows to 8 KB

    private final int keep;          // bit per root role kept; the others are read past like any other member

    /** Keeps every root field. */
    public JsonSniffer() {
        this(-1);
    }

    private JsonSniffer(int keep) {
        this.keep = keep;
    }

    /** For a request body: keeps only {@code model} and {@code version}, the fields a record takes from a request. */
    public static JsonSniffer forRequest() {
        return new JsonSniffer(1 << R_MODEL | 1 << R_VERSION);
    }

    /** For a response body: keeps every root field but {@code version}, which a record takes only from a request. */
    public static JsonSniffer forResponse() {
        return new JsonSniffer(~(1 << R_VERSION));
    }

    /** Scans {@code len} bytes of {@code buf} from {@code off}. Bad arguments throw; content never does. */
    public void feed(byte[] buf, int off, int len) {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (done()) {
            return;
        }
        try {
            scan(buf, off, off + len);
        } catch (RuntimeException e) {
            // Should not happen; never let the sniffer break the stream it observes.
            state = S_FAILED;
        }
    }

    /** Scans the remaining bytes of {@code buf} without changing its position (or anything else). */
    public void feed(ByteBuffer buf) {
        if (done() || !buf.hasRemaining()) {
            return;
        }
        int pos = buf.position();
        int rem = buf.remaining();
        if (buf.hasArray()) {
            feed(buf.array(), buf.arrayOffset() + pos, rem);
            return;
        }
        byte[] scratch = this.scratch;
        if (scratch == null || scratch.length < Math.min(SCRATCH_MAX, rem)) {
            // sized to what came, not 8 KB at once: a sniffer is made per call, and most bodies are ~1 KB
            scratch = new byte[Math.min(SCRATCH_MAX, Math.max(rem, scratch == null ? 256 : 2 * scratch.length))];
            this.scratch = scratch;
        }
        // Absolute bulk get: leaves position untouched.
        for (int i = 0; i < rem && !done(); ) {
            int n = Math.min(scratch.length, rem - i);
            buf.get(pos + i, scratch, 0, n);
            feed(scratch, 0, n);
            i += n;
        }
    }

    /** End of body. Anything incomplete is dropped; afterwards {@link #done()} is true. */
    public void finish() {
        finished = true;
    }

    /** True once feeding more bytes cannot change the result. */
    public boolean done() {
        return finished || state == S_DONE || state == S_FAILED;
    }

    /** True once the root object was closed: the body so far is a whole JSON document (but for trailing space). */
    public boolean rootClosed() {
        return rootClosed;
    }

    /** What was found so far. */
    public Sniffed result() {
        if (id == null && status == null && model == null && version == null && error == null
                && metrics == null && errorShape == null) {
            return Sniffed.EMPTY;
        }
        // a finished sniffer's map is handed over as it is; one still reading might change it, so that one is copied
        Map<String, Double> m = done() || metrics == null ? metrics : new LinkedHashMap<>(metrics);
        return new Sniffed(id, status, model, version, error, m, errorShape, errorCode, errorMessage);
    }

    // ------------------------------------------------------------------------------------------

    private void scan(byte[] a, int i, int end) {
        while (i < end) {
            switch (state) {
                case S_STR: {
                    // Hot loop: only '"' and '\\' matter inside a string.
                    int start = i;
                    byte b = 0;
                    while (i < end) {
                        b = a[i];
                        if (b == '"' || b == '\\') {
                            break;
                        }
                        i++;
                    }
                    if (capturing && i > start) {
                        appendRaw(a, start, i - start);
                    }
                    if (i == end) {
                        return;
                    }
                    i++;
                    if (b == '"') {
                        endString();
                    } else {
                        state = S_ESC;
                    }
                    break;
                }
                case S_BEGIN: {
                    byte b = a[i++];
                    if (isWs(b)) {
                        break;
                    }
                    if (b == '{') {
                        push(false);
                        state = S_OBJ_FIRST;
                    } else if ((b & 0xFF) == 0xEF && bomIdx == 0) {
                        bomIdx = 1;
                        state = S_BOM;
                    } else {
                        state = S_DONE; // non-object root: nothing to learn
                    }
                    break;
                }
                case S_BOM: {
                    byte b = a[i++];
                    int want = bomIdx == 1 ? 0xBB : 0xBF;
                    if ((b & 0xFF) != want) {
                        state = S_FAILED;
                    } else if (++bomIdx == 3) {
                        state = S_BEGIN;
                    }
                    break;
                }
                case S_OBJ_FIRST:
                case S_OBJ_KEY: {
                    byte b = a[i++];
                    if (isWs(b)) {
                        break;
                    }
                    if (b == '"') {
                        startKey();
                    } else if (b == '}' && state == S_OBJ_FIRST) {
                        closeContainer();
                    } else {
                        state = S_FAILED;
                    }
                    break;
                }
                case S_COLON: {
                    byte b = a[i++];
                    if (isWs(b)) {
                        break;
                    }
                    state = b == ':' ? S_VALUE : S_FAILED;
                    break;
                }
                case S_VALUE:
                case S_ARR_FIRST: {
                    byte b = a[i++];
                    if (isWs(b)) {
                        break;
                    }
                    if (b == ']' && state == S_ARR_FIRST) {
                        closeContainer();
                    } else {
                        startValue(b);
                    }
                    break;
                }
                case S_AFTER: {
                    byte b = a[i++];
                    if (isWs(b)) {
                        break;
                    }
                    boolean inArray = topIsArray();
                    if (b == ',') {
                        state = inArray ? S_VALUE : S_OBJ_KEY;
                    } else if (b == (inArray ? ']' : '}')) {
                        closeContainer();
                    } else {
                        state = S_FAILED;
                    }
                    break;
                }
                case S_ESC:
                    escape(a[i++]);
                    break;
                case S_HEX:
                    hex(a[i++]);
                    break;
                case S_NUM: {
                    // Does not consume the terminating byte: it is re-read in S_AFTER.
                    if (numByte(a[i])) {
                        i++;
                    }
                    break;
                }
                case S_LIT: {
                    byte b = a[i++];
                    if (b != lit[litIdx]) {
                        state = S_FAILED;
                    } else if (++litIdx == lit.length) {
                        valueDone();
                    }
                    break;
                }
                default: // S_DONE, S_FAILED
                    return;
            }
        }
    }

    private static boolean isWs(byte b) {
        return b == ' ' || b == '\n' || b == '\r' || b == '\t';
    }

    // ---- containers ----

    private void push(boolean array) {
        if (depth == MAX_DEPTH) {
            state = S_FAILED;
            return;
        }
        long bit = 1L << (depth & 63);
        if (depth < 64) {
            arrayBits0 = array ? arrayBits0 | bit : arrayBits0 & ~bit;
        } else {
            if (arrayBits == null) {
                arrayBits = new long[MAX_DEPTH / 64];
            }
            if (array) {
                arrayBits[depth >>> 6] |= bit;
            } else {
                arrayBits[depth >>> 6] &= ~bit;
            }
        }
        depth++;
    }

    private boolean topIsArray() {
        int d = depth - 1;
        return ((d < 64 ? arrayBits0 : arrayBits[d >>> 6]) & (1L << (d & 63))) != 0;
    }

    private void closeContainer() {
        if (depth == metricsDepth) {
            metricsDepth = 0;
        }
        if (depth == errObjectDepth) {
            errObjectDepth = 0;
        }
        if (depth == errArrayDepth) {
            errArrayDepth = 0;
        }
        depth--;
        valueDone();
    }

    // ---- values ----

    private void startKey() {
        strIsKey = true;
        // Keys matter only in the root object, the root "metrics" object and the error object.
        beginString(depth == 1 || (metricsDepth != 0 && depth == metricsDepth)
                || (errObjectDepth != 0 && depth == errObjectDepth));
    }

    private void beginString(boolean capture) {
        state = S_STR;
        capturing = capture;
        capLen = 0;
        capOverflow = false;
        pendingHigh = 0;
    }

    private void startValue(byte b) {
        valueRole = role;
        role = R_NONE;
        strIsKey = false;
        // a direct element of the root "error" array: only the first one is read
        boolean firstErrElement = errArrayDepth != 0 && depth == errArrayDepth && errElements++ == 0;
        switch (b) {
            case '"':
                beginString(valueRole >= R_ID && valueRole <= R_ERROR || valueRole == R_ERR_MESSAGE);
                break;
            case '{':
                push(false);
                if (state == S_FAILED) {
                    return;
                }
                if (valueRole == R_METRICS) {
                    metricsDepth = depth;
                } else if (valueRole == R_ERROR || firstErrElement) {
                    if (valueRole == R_ERROR) {
                        errorShape = Sniffed.ErrorShape.OBJECT;
                    }
                    errObjectDepth = depth;
                    errSeen = 0;
                }
                state = S_OBJ_FIRST;
                break;
            case '[':
                push(true);
                if (state != S_FAILED) {
                    state = S_ARR_FIRST;
                    if (valueRole == R_ERROR) {
                        errorShape = Sniffed.ErrorShape.ARRAY;
                        errArrayDepth = depth;
                    }
                }
                break;
            case 't':
                startLiteral(LIT_TRUE);
                break;
            case 'f':
                startLiteral(LIT_FALSE);
                break;
            case 'n':
                startLiteral(LIT_NULL);
                break;
            default:
                if (b == '-' || (b >= '0' && b <= '9')) {
                    state = S_NUM;
                    numLen = 0;
                    numState = b == '-' ? N_MINUS : b == '0' ? N_ZERO : N_INT;
                    numChar(b);
                } else {
                    state = S_FAILED;
                }
        }
    }

    private void startLiteral(byte[] l) {
        state = S_LIT;
        lit = l;
        litIdx = 1;
    }

    /** A complete value (any type) or a closed container: record it and move on. */
    private void valueDone() {
        if (state == S_NUM) {
            if (valueRole == R_METRIC) {
                recordMetric();
            } else if (valueRole == R_ERR_CODE) {
                recordCode();
            }
        }
        valueRole = R_NONE;
        metricKey = null;
        if (depth == 0) {
            state = S_DONE;
            rootClosed = true;
        } else {
            state = S_AFTER;
        }
    }

    // ---- numbers ----

    /** Returns true if {@code b} belongs to the number (consumed). */
    private boolean numByte(byte b) {
        boolean digit = b >= '0' && b <= '9';
        switch (numState) {
            case N_MINUS:
                if (!digit) {
                    return fail();
                }
                numState = b == '0' ? N_ZERO : N_INT;
                break;
            case N_ZERO:
            case N_INT:
                if (digit && numState == N_INT) {
                    break;
                } else if (b == '.') {
                    numState = N_DOT;
                } else if (b == 'e' || b == 'E') {
                    numState = N_EXP;
                } else if (digit) {
                    return fail(); // leading zero
                } else {
                    valueDone();
                    return false;
                }
                break;
            case N_DOT:
                if (!digit) {
                    return fail();
                }
                numState = N_FRAC;
                break;
            case N_FRAC:
                if (digit) {
                    break;
                } else if (b == 'e' || b == 'E') {
                    numState = N_EXP;
                } else {
                    valueDone();
                    return false;
                }
                break;
            case N_EXP:
                if (b == '+' || b == '-') {
                    numState = N_EXP_SIGN;
                } else if (digit) {
                    numState = N_EXP_DIGITS;
                } else {
                    return fail();
                }
                break;
            case N_EXP_SIGN:
                if (!digit) {
                    return fail();
                }
                numState = N_EXP_DIGITS;
                break;
            default: // N_EXP_DIGITS
                if (!digit) {
                    valueDone();
                    return false;
                }
        }
        numChar(b);
        return true;
    }

    private boolean fail() {
        state = S_FAILED;
        return true; // consumed; the scan loop stops on S_FAILED
    }

    private void numChar(byte b) {
        if (valueRole == R_METRIC || valueRole == R_ERR_CODE) {
            if (numLen < NUM_CHARS) {
                if (num == null) {
                    num = new byte[NUM_CHARS];
                }
                num[numLen++] = b;
            } else {
                numLen = NUM_CHARS + 1; // overflow: value dropped (no counter wrap on huge numbers)
            }
        }
    }

    private void recordMetric() {
        if (numLen > NUM_CHARS || metricKey == null) {
            return;
        }
        double v;
        try {
            v = number(num, numLen);
        } catch (NumberFormatException e) {
            return; // cannot happen after the grammar check; be defensive anyway
        }
        if (Double.isFinite(v)) {
            if (metrics == null) {
                metrics = new Sniffed.HandedOver();
            }
            if (metrics.size() < MAX_METRICS) {
                metrics.putIfAbsent(metricKey, v);
            }
        }
    }

    private static final double[] TENS = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13,
        1e14, 1e15};

    /**
     * The value of a JSON number (grammar already checked), as {@link Double#parseDouble} reads it. Metrics are mostly
     * short decimals ({@code 1.2}, {@code 42}): with at most 15 digits and no exponent, the digits as an integer and
     * the power of ten are both exact doubles, so one division gives the correctly rounded value, the one
     * {@code parseDouble} returns, without a string. Anything else goes to {@code parseDouble}.
     */
    static double number(byte[] b, int len) {
        int i = b[0] == '-' ? 1 : 0;
        long digits = 0;
        int count = 0;
        int fraction = -1; // digits after the point, -1 before it
        for (; i < len; i++) {
            int c = b[i];
            if (c >= '0' && c <= '9') {
                digits = digits * 10 + (c - '0');
                count++;
                if (fraction >= 0) {
                    fraction++;
                }
            } else if (c == '.' && fraction < 0) {
                fraction = 0;
            } else {
                break; // an exponent
            }
        }
        if (i < len || count > 15) {
            return Double.parseDouble(new String(b, 0, len, StandardCharsets.ISO_8859_1));
        }
        double v = fraction > 0 ? digits / TENS[fraction] : digits;
        return b[0] == '-' ? -v : v;
    }

    /** The error code: an integer as written ({@code 2003}, {@code -1}); fractions, exponents and long ones are not. */
    private void recordCode() {
        if (numLen > MAX_CODE_CHARS) {
            return;
        }
        for (int i = 0; i < numLen; i++) {
            char c = (char) num[i];
            if (!(c >= '0' && c <= '9' || c == '-' && i == 0)) {
                return;
            }
        }
        errorCode = new String(num, 0, numLen, StandardCharsets.ISO_8859_1);
    }

    // ---- strings ----

    private void escape(byte b) {
        int c;
        switch (b) {
            case '"': c = '"'; break;
            case '\\': c = '\\'; break;
            case '/': c = '/'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'u':
                state = S_HEX;
                hexCount = 0;
                hexVal = 0;
                return;
            default:
                state = S_FAILED;
                return;
        }
        state = S_STR;
        if (capturing) {
            flushHigh();
            appendByte(c);
        }
    }

    private void hex(byte b) {
        int d;
        if (b >= '0' && b <= '9') {
            d = b - '0';
        } else if (b >= 'a' && b <= 'f') {
            d = b - 'a' + 10;
        } else if (b >= 'A' && b <= 'F') {
            d = b - 'A' + 10;
        } else {
            state = S_FAILED;
            return;
        }
        hexVal = (hexVal << 4) | d;
        if (++hexCount < 4) {
            return;
        }
        state = S_STR;
        if (capturing) {
            codeUnit(hexVal);
        }
    }

    /** One UTF-16 code unit from a \\u escape; pairs surrogates across consecutive escapes. */
    private void codeUnit(int u) {
        if (Character.isLowSurrogate((char) u) && pendingHigh != 0) {
            appendCodePoint(Character.toCodePoint((char) pendingHigh, (char) u));
            pendingHigh = 0;
            return;
        }
        flushHigh();
        if (Character.isHighSurrogate((char) u)) {
            pendingHigh = u;
        } else if (Character.isLowSurrogate((char) u)) {
            appendCodePoint(0xFFFD); // lone low surrogate
        } else {
            appendCodePoint(u);
        }
    }

    private void flushHigh() {
        if (pendingHigh != 0) {
            pendingHigh = 0;
            appendCodePoint(0xFFFD); // lone high surrogate
        }
    }

    private void appendRaw(byte[] a, int off, int n) {
        flushHigh();
        int room = CAPTURE_BYTES - capLen;
        if (n > room) {
            n = room;
            capOverflow = true;
        }
        ensureCapture(capLen + n);
        System.arraycopy(a, off, cap, capLen, n);
        capLen += n;
    }

    private void ensureCapture(int size) {
        if (size > cap.length) {
            cap = java.util.Arrays.copyOf(cap, CAPTURE_BYTES);
        }
    }

    private void appendByte(int b) {
        if (capLen < CAPTURE_BYTES) {
            ensureCapture(capLen + 1);
            cap[capLen++] = (byte) b;
        } else {
            capOverflow = true;
        }
    }

    private void appendCodePoint(int cp) {
        if (cp < 0x80) {
            appendByte(cp);
        } else if (cp < 0x800) {
            appendByte(0xC0 | (cp >> 6));
            appendByte(0x80 | (cp & 0x3F));
        } else if (cp < 0x10000) {
            appendByte(0xE0 | (cp >> 12));
            appendByte(0x80 | ((cp >> 6) & 0x3F));
            appendByte(0x80 | (cp & 0x3F));
        } else {
            appendByte(0xF0 | (cp >> 18));
            appendByte(0x80 | ((cp >> 12) & 0x3F));
            appendByte(0x80 | ((cp >> 6) & 0x3F));
            appendByte(0x80 | (cp & 0x3F));
        }
    }

    private void endString() {
        if (capturing) {
            flushHigh();
        }
        if (strIsKey) {
            strIsKey = false;
            state = S_COLON;
            role = capturing ? keyRole() : R_NONE;
            return;
        }
        if (capturing) {
            String s = captured();
            switch (valueRole) {
                case R_ID: id = s; break;
                case R_STATUS: status = s; break;
                case R_MODEL: model = s; break;
                case R_VERSION: version = s; break;
                case R_ERROR: error = s; break;
                case R_ERR_MESSAGE: errorMessage = s; break;
                default: break;
            }
        }
        valueDone();
    }

    /** Decodes the capture buffer, truncated to MAX_CHARS without splitting a surrogate pair. */
    private String captured() {
        String s = new String(cap, 0, capLen, StandardCharsets.UTF_8);
        boolean truncated = capOverflow;
        if (s.length() > MAX_CHARS) {
            int n = MAX_CHARS;
            if (Character.isHighSurrogate(s.charAt(n - 1))) {
                n--;
            }
            s = s.substring(0, n);
            truncated = true;
        }
        capOverflow = truncated;
        return s;
    }

    private int keyRole() {
        if (depth == 1) {
            int r = R_NONE;
            if (!capOverflow && capLen <= 7) {
                if (keyIs(K_ID)) r = R_ID;
                else if (keyIs(K_STATUS)) r = R_STATUS;
                else if (keyIs(K_MODEL)) r = R_MODEL;
                else if (keyIs(K_VERSION)) r = R_VERSION;
                else if (keyIs(K_ERROR)) r = R_ERROR;
                else if (keyIs(K_METRICS)) r = R_METRICS;
            }
            if (r == R_NONE || (seen & (1 << r)) != 0 || (keep & (1 << r)) == 0) {
                return R_NONE; // not ours, a duplicate (the first occurrence decides), or not wanted from this body
            }
            seen |= 1 << r;
            return r;
        }
        if (errObjectDepth != 0 && depth == errObjectDepth) {
            int bit = 0;
            if (!capOverflow && capLen <= 7) {
                bit = keyIs(K_CODE) ? 1 : keyIs(K_MESSAGE) ? 2 : 0;
            }
            if (bit == 0 || (errSeen & bit) != 0) {
                return R_NONE;
            }
            errSeen |= bit;
            return bit == 1 ? R_ERR_CODE : R_ERR_MESSAGE;
        }
        // Inside root "metrics": the key names the metric. Truncated names are dropped.
        String k = captured();
        if (capOverflow) {
            return R_NONE;
        }
        metricKey = k;
        return R_METRIC;
    }

    private boolean keyIs(byte[] k) {
        if (capLen != k.length) {
            return false;
        }
        for (int j = 0; j < k.length; j++) {
            if (cap[j] != k[j]) {
                return false;
            }
        }
        return true;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public String toString() {
        return "JsonSniffer[state=" + state + ", depth=" + depth + ", done=" + done() + "]";
    }
}
