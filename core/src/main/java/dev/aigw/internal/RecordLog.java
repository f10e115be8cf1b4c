package dev.aigw.internal;

import dev.aigw.ExchangeRecord;

import java.util.function.Consumer;
import java.util.function.Function;

/**
 * The built-in log listeners' one path to the logger named {@code dev.aigw.exchange}, level INFO.
 *
 * <p>When {@code System.Logger} is backed by java.util.logging (the JDK's default), the line goes to JUL with its source
 * named: through {@code System.Logger} JUL cannot be told the source and walks the stack to infer it for every record
 * its {@code SimpleFormatter} prints (the largest single cost of a proxied call's record). Any other backend (an SLF4J
 * or Log4j bridge) is used through {@code System.Logger} as before. When INFO is off, the line is not built.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class RecordLog {
    /** The logger's name. */
    public static final String NAME = "dev.aigw.exchange";
    /** The source JUL prints for the built-in listeners: the API that made them (named, not imported: no loop). */
    static final String SOURCE = "dev.aigw.ExchangeListener";

    private RecordLog() {
    }

    /**
     * @param line         renders a record as one line
     * @param sourceMethod the factory named as the source, e.g. {@code summaryLog}
     */
    public static Consumer<ExchangeRecord> listener(Function<ExchangeRecord, String> line, String sourceMethod) {
        if (julBacked()) {
            return Jul.listener(line, sourceMethod);
        }
        System.Logger log = System.getLogger(NAME);
        return r -> {
            if (log.isLoggable(System.Logger.Level.INFO)) {
                log.log(System.Logger.Level.INFO, line.apply(r));
            }
        };
    }

    /** Whether {@code System.getLogger} hands out JUL's loggers: the JDK's own finder, no other installed. */
    static boolean julBacked() {
        try {
            return "sun.util.logging.internal.LoggingProviderImpl".equals(
                    System.LoggerFinder.getLoggerFinder().getClass().getName());
        } catch (RuntimeException | LinkageError e) { // a security manager that denies the finder: the portable path
            return false;
        }
    }

    /** Apart, so that nothing of java.util.logging is loaded where that module is absent. */
    private static final class Jul {
        static Consumer<ExchangeRecord> listener(Function<ExchangeRecord, String> line, String sourceMethod) {
            // held by the listener: JUL holds its loggers weakly, and a collected one would forget its level
            java.util.logging.Logger jul = java.util.logging.Logger.getLogger(NAME);
            return r -> {
                if (jul.isLoggable(java.util.logging.Level.INFO)) {
                    jul.logp(java.util.logging.Level.INFO, SOURCE, sourceMethod, line.apply(r));
                }
            };
        }
    }
}
