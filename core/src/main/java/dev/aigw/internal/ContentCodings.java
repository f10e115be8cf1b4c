package dev.aigw.internal;

import java.util.Iterator;

/**
 * Whether a body is sent as it is: read on the {@code Content-Encoding} fields of a message as RFC 9110 §8.4 reads
 * them (a list, in one field or several, of case-insensitive codings, {@code identity} adding nothing). Every field
 * counts, and every coding each lists, so that a second field or a later coding ({@code identity, gzip}) cannot hide
 * behind a first {@code identity}. One reading for the exchange record (a body's length and its JSON count only
 * when it is sent as it is) and the servlet proxy (the body gate, URL rewriting).
 *
 * <p>Internal: not API, may change in any release.
 */
public final class ContentCodings {
    private ContentCodings() {
    }

    /** Whether every coding the fields list is {@code identity} (or none is listed); null fields: none. */
    public static boolean identity(Iterator<String> fields) {
        while (fields != null && fields.hasNext()) {
            if (!identity(fields.next())) {
                return false;
            }
        }
        return true;
    }

    /** Whether every coding one field (a comma-separated list) names is {@code identity}; null or empty: yes. */
    public static boolean identity(String field) {
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
