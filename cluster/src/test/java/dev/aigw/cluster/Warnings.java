package dev.aigw.cluster;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** The WARNING (and worse) records aigw's servlet logger writes while open; {@link #close()} stops listening. */
final class Warnings extends Handler implements AutoCloseable {
    private final Logger log = Logger.getLogger("dev.aigw.servlet");
    private final List<String> messages = new CopyOnWriteArrayList<>();

    Warnings() {
        log.addHandler(this);
    }

    /** The messages so far. */
    List<String> messages() {
        return messages;
    }

    @Override
    public void publish(LogRecord r) {
        if (r.getLevel().intValue() >= Level.WARNING.intValue()) {
            messages.add(r.getMessage());
        }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        log.removeHandler(this);
    }
}
