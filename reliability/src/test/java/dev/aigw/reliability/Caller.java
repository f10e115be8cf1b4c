package dev.aigw.reliability;

import java.time.Duration;

/**
 * An application calling Replicate through one of aigw's paths. Every call is written against the Replicate API
 * ({@code /predictions}...); what the caller saw comes back as an {@link Answer}, never as a thrown exception.
 */
interface Caller extends AutoCloseable {
    /** The API root the call paths are relative to, as the application sees it. */
    String name();

    /** A JSON call ({@code body} null for none); the body is read to the end. */
    Answer send(String method, String apiPath, String body);

    /**
     * Reads the event stream at {@code apiPath}; with {@code leaveAfterFirstEvent} the caller goes away (closes the
     * connection) as soon as the first {@code output} event arrived.
     */
    Answer stream(String apiPath, boolean leaveAfterFirstEvent);

    @Override
    void close() throws Exception;

    /**
     * What the caller saw: a status (0 when none arrived), the content type and body read (as far as it got), the
     * error it got instead of (or while reading) a body, how many events it read, and how long it took.
     */
    record Answer(int status, String contentType, String body, Throwable error, int events, Duration elapsed) {
        /** Error class names along the cause chain, for assertions and the tally. */
        String errorChain() {
            StringBuilder b = new StringBuilder();
            for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
                b.append(b.length() == 0 ? "" : " <- ").append(t.getClass().getSimpleName());
            }
            return b.toString();
        }

        @Override
        public String toString() {
            return "status=" + status + " type=" + contentType + " events=" + events + " elapsed=" + elapsed.toMillis()
                    + "ms error=" + errorChain() + (error != null ? " (" + error.getMessage() + ")" : "")
                    + " body=" + (body == null ? null : body.length() > 300 ? body.substring(0, 300) + "..." : body);
        }
    }
}
