package dev.aigw.servlet.internal.proxy;

import java.util.Iterator;

/**
 * Whether a body is sent as it is: read on the {@code Content-Encoding} fields of a message, the client's request
 * (the body gate, URL rewriting) and the upstream's answer (URL rewriting) alike. Every field counts, and every
 * coding each lists, so that a second field or a later coding ({@code identity, gzip}) cannot hide behind a first
 * {@code identity}.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ContentCodings {
    private ContentCodings() {
    }

    /** Whether every coding the fields list is {@code identity} (or none is listed); null fields: none. */
    static boolean identity(Iterator<String> fields) {
        while (fields != null && fields.hasNext()) {
            if (!identity(fields.next())) {
                return false;
            }
        }
        return true;
    }

    /** Whether every coding one field (a comma-separated list) names is {@code identity}; null or empty: yes. */
    static boolean identity(String field) {
        if (field == null) {
            return true;
        }
        for (int start = 0; start <= field.length(); ) {
            int comma = field.indexOf(',', start);
            int end = comma < 0 ? field.length() : comma;
            String coding = field.substring(start, end).strip();
            if (!coding.isEmpty() && !coding.equalsIgnoreCase("identity")) {
                return false;
            }
            start = end + 1;
        }
        return true;
    }
}
