package dev.aigw.jaxrs.it;

/** Which client stack this run of the shared suite is on (set by each test module's surefire configuration). */
final class Stack {
    static final String NAME = System.getProperty("it.stack", "unknown");

    private Stack() {
    }

    static boolean jersey() {
        return NAME.startsWith("jersey");
    }
}
