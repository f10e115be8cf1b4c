package dev.aigw.internal;

import dev.aigw.GatewayConfigurationException;

/**
 * One format for every "this value is not allowed" message, so users learn to read one shape.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Problems {
    private Problems() {
    }

    /**
     * {@code aigw.cache-ttl = "30" (system property) is not allowed: must be ...}. {@code shown}
     * must already be masked when the value is a secret. {@code key} names what was set: a setting, an option or
     * header of that name, a builder's value by the setting it stands for. A value without an {@code origin} was
     * given in code (a builder, a method argument) and says so; a missing one ({@code shown} null) is "(unset)".
     */
    public static GatewayConfigurationException invalid(String key, String shown, String origin, String allowed) {
        StringBuilder sb = new StringBuilder(96).append("aigw: ").append(key).append(" = ");
        if (shown == null) {
            sb.append("(unset)");
        } else {
            sb.append('"');
            appendPrintable(sb, shown, 200);
            sb.append('"');
        }
        if (origin != null || shown != null) {
            sb.append(" (").append(origin != null ? origin : "code").append(')');
        }
        // what is allowed may quote user input too (e.g. the metadata keys already set): kept on one line as well
        StringBuilder a = new StringBuilder(allowed.length());
        appendPrintable(a, allowed, 1000);
        String oneLine = a.toString();
        sb.append(" is not allowed: ").append(oneLine);
        return new GatewayConfigurationException(key, oneLine, sb.toString());
    }

    /**
     * Keeps a message on one line and short: control characters escaped, the text cut once {@code max} characters
     * are written (escapes count at their written length, so a value of control characters cannot blow it up).
     */
    static void appendPrintable(StringBuilder sb, String s, int max) {
        int start = sb.length();
        int i = 0;
        for (; i < s.length() && sb.length() - start < max; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (i < s.length()) {
            if (Character.isHighSurrogate(sb.charAt(sb.length() - 1))) {
                sb.setLength(sb.length() - 1); // never half a character
            }
            sb.append("…(").append(s.length()).append(" chars)");
        }
    }
}
