package dev.aigw.internal;

import dev.aigw.GatewayConfigurationException;

/** One format for every "this value is not allowed" message, so users learn to read one shape. */
public final class Problems {
    private Problems() {
    }

    /**
     * {@code aigw.cache-ttl = "30" (system property) is not allowed: must be ...}. {@code shown}
     * must already be masked when the value is a secret.
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
        if (origin != null) {
            sb.append(" (").append(origin).append(')');
        }
        // what is allowed may quote user input too (e.g. the metadata keys already set): kept on one line as well
        StringBuilder a = new StringBuilder(allowed.length());
        appendPrintable(a, allowed, 2000);
        String oneLine = a.toString();
        sb.append(" is not allowed: ").append(oneLine);
        return new GatewayConfigurationException(key, oneLine, sb.toString());
    }

    /** Keeps a message on one line and short: control characters escaped, long values cut. */
    static void appendPrintable(StringBuilder sb, String s, int max) {
        int n = Math.min(s.length(), max);
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        if (s.length() > max) {
            sb.append("…(").append(s.length()).append(" chars)");
        }
    }
}
