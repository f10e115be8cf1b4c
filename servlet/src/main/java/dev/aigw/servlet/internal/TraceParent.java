package dev.aigw.servlet.internal;

/**
 * The trace id of a W3C {@code traceparent} header ({@code 00-<32 hex trace id>-<16 hex parent id>-<2 hex flags>}).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class TraceParent {
    private TraceParent() {
    }

    /**
     * The 32-hex trace id, or {@code null} when the header is absent or invalid (wrong length or characters, version
     * {@code ff}, an all-zero trace or parent id). Later versions may append fields after the flags.
     */
    public static String traceId(String header) {
        if (header == null) {
            return null;
        }
        String h = header.strip();
        if (h.length() < 55) {
            return null;
        }
        if (!hex(h, 0, 2) || h.charAt(2) != '-' || !hex(h, 3, 35) || h.charAt(35) != '-' || !hex(h, 36, 52)
                || h.charAt(52) != '-' || !hex(h, 53, 55)) {
            return null;
        }
        String version = h.substring(0, 2);
        if (version.equals("ff") || (version.equals("00") && h.length() != 55)
                || (h.length() > 55 && h.charAt(55) != '-')) {
            return null;
        }
        String trace = h.substring(3, 35);
        if (zeros(trace) || zeros(h.substring(36, 52))) {
            return null;
        }
        return trace;
    }

    private static boolean hex(String s, int from, int to) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'a' && c <= 'f')) {
                return false; // the spec requires lower case
            }
        }
        return true;
    }

    private static boolean zeros(String s) {
        for (int i = 0; i < s.length(); i++) {
            if (s.charAt(i) != '0') {
                return false;
            }
        }
        return true;
    }
}
