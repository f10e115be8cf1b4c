package dev.aigw;

import dev.aigw.internal.RecordFormat;

import java.util.function.Consumer;

/**
 * Receives one {@link ExchangeRecord} per provider call. Records are delivered off the call's
 * thread, in order, by the gateway; a listener that throws is logged and skipped, and a slow one
 * delays only other records, never a call.
 */
@FunctionalInterface
public interface ExchangeListener {

    void onExchange(ExchangeRecord record);

    /** One readable line per call on the {@code System.Logger} named {@code dev.aigw.exchange}, level INFO. */
    static ExchangeListener summaryLog() {
        System.Logger log = System.getLogger("dev.aigw.exchange");
        return r -> {
            if (log.isLoggable(System.Logger.Level.INFO)) {
                log.log(System.Logger.Level.INFO, RecordFormat.summary(r));
            }
        };
    }

    /** One JSON object per call on the {@code System.Logger} named {@code dev.aigw.exchange}, level INFO. */
    static ExchangeListener jsonLog() {
        System.Logger log = System.getLogger("dev.aigw.exchange");
        return r -> {
            if (log.isLoggable(System.Logger.Level.INFO)) {
                log.log(System.Logger.Level.INFO, RecordFormat.json(r));
            }
        };
    }

    /** One JSON object per call, handed to {@code lines} (e.g. a file writer), without line terminator. */
    static ExchangeListener jsonLines(Consumer<String> lines) {
        return r -> lines.accept(RecordFormat.json(r));
    }
}
