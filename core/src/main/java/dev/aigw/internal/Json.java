package dev.aigw.internal;

/**
 * The few JSON writing helpers core needs; output is always printable ASCII.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Json {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Json() {
    }

    /** Appends {@code s} as a JSON string literal, escaping everything outside printable ASCII. */
    public static void string(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"':
                    sb.append("\\\"");
                    break;
                case '\\':
                    sb.append("\\\\");
                    break;
                case '\n':
                    sb.append("\\n");
                    break;
                case '\r':
                    sb.append("\\r");
                    break;
                case '\t':
                    sb.append("\\t");
                    break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        sb.append("\\u").append(HEX[c >> 12 & 0xf]).append(HEX[c >> 8 & 0xf])
                                .append(HEX[c >> 4 & 0xf]).append(HEX[c & 0xf]);
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    /** Appends a field name/value pair, with a leading comma unless {@code first}. Null values are skipped. */
    public static boolean field(StringBuilder sb, boolean first, String name, Object value) {
        if (value == null) {
            return first;
        }
        if (!first) {
            sb.append(',');
        }
        string(sb, name);
        sb.append(':');
        if (value instanceof String) {
            string(sb, (String) value);
        } else if (value instanceof Double) {
            double d = (Double) value;
            if (Double.isFinite(d)) {
                sb.append(d);
            } else {
                sb.append("null");
            }
        } else {
            sb.append(value);
        }
        return false;
    }
}
