package dev.aigw.samples;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/** The app's one JSON mapper (the page's data is small: plain strings, no JSON provider registered in Jersey). */
final class Json {
    static final ObjectMapper MAPPER = new ObjectMapper();

    private Json() {
    }

    static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An RFC 9457 problem, as the proxy answers its own errors. */
    static String problem(int status, String title, String detail) {
        return write(java.util.Map.of("type", "about:blank", "status", status, "title", title, "detail", detail));
    }
}
