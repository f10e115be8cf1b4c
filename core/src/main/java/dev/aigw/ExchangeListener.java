package dev.aigw;

import dev.aigw.internal.RecordFormat;
import dev.aigw.internal.RecordLog;

import java.util.function.Consumer;

/**
 * Receives one {@link ExchangeRecord} per provider call. Records are delivered off the call's
 * thread, in order, by the gateway; a listener that throws is logged and skipped, and a slow one
 * delays only other records, never a call.
 */
@FunctionalInterface
public interface ExchangeListener {

    void onExchange(ExchangeRecord record);

    /**
     * One readable line per call on the {@code System.Logger} named {@code dev.aigw.exchange}, level INFO. With the
     * JDK's default backend (java.util.logging) the line is logged to that JUL logger directly, its source given as
     * this method, so that JUL does not walk the stack to find it.
     */
    static ExchangeListener summaryLog() {
        return RecordLog.listener(RecordFormat::summary, "summaryLog")::accept;
    }

    /** One JSON object per call on the {@code System.Logger} named {@code dev.aigw.exchange}, level INFO (as above). */
    static ExchangeListener jsonLog() {
        return RecordLog.listener(RecordFormat::json, "jsonLog")::accept;
    }

    /** One JSON object per call, handed to {@code lines} (e.g. a file writer), without line terminator. */
    static ExchangeListener jsonLines(Consumer<String> lines) {
        return r -> lines.accept(RecordFormat.json(r));
    }
}
