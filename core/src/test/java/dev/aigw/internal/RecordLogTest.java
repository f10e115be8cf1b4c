package dev.aigw.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;

class RecordLogTest {
    private final Logger jul = Logger.getLogger(RecordLog.NAME);
    private final List<LogRecord> logged = new ArrayList<>();
    private final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord record) {
            logged.add(record);
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void capture() {
        jul.addHandler(capture);
        jul.setUseParentHandlers(false);
        jul.setLevel(Level.INFO);
    }

    @AfterEach
    void restore() {
        jul.removeHandler(capture);
        jul.setUseParentHandlers(true);
        jul.setLevel(null);
    }

    private static ExchangeRecord record() {
        return new ExchangeRecord(Instant.EPOCH, "POST", "https://api.replicate.com/v1/predictions", null, "replicate",
                ExchangeRecord.Via.GATEWAY, "acme/echo", "p1", "starting", 201, "01JLOG", "MISS", null, null, Map.of(),
                List.of(), 10, 20, Duration.ofMillis(3), Duration.ofMillis(5), Map.of(),
                ExchangeRecord.Outcome.SUCCESS, null, null);
    }

    /** On the JDK's default backend the line reaches JUL with its source named: JUL has no caller to infer. */
    @Test
    void theSummaryLineReachesJulWithItsSourceNamed() {
        assertThat(RecordLog.julBacked()).isTrue();
        ExchangeRecord r = record();
        ExchangeListener.summaryLog().onExchange(r);
        ExchangeListener.jsonLog().onExchange(r);
        assertThat(logged).hasSize(2);
        assertThat(logged.get(0).getLevel()).isEqualTo(Level.INFO);
        assertThat(logged.get(0).getLoggerName()).isEqualTo("dev.aigw.exchange");
        assertThat(logged.get(0).getMessage()).isEqualTo(RecordFormat.summary(r));
        assertThat(logged.get(0).getSourceClassName()).isEqualTo("dev.aigw.ExchangeListener");
        assertThat(logged.get(0).getSourceMethodName()).isEqualTo("summaryLog");
        assertThat(logged.get(1).getMessage()).isEqualTo(RecordFormat.json(r));
        assertThat(logged.get(1).getSourceMethodName()).isEqualTo("jsonLog");
    }

    /** With INFO off for the logger, the line is not even built. */
    @Test
    void nothingIsBuiltWhenTheLevelIsOff() {
        AtomicInteger built = new AtomicInteger();
        java.util.function.Consumer<ExchangeRecord> l = RecordLog.listener(r -> "line " + built.incrementAndGet(),
                "summaryLog");
        jul.setLevel(Level.WARNING);
        l.accept(record());
        assertThat(built).hasValue(0);
        assertThat(logged).isEmpty();
        jul.setLevel(Level.INFO);
        l.accept(record());
        assertThat(built).hasValue(1);
        assertThat(logged).extracting(LogRecord::getMessage).containsExactly("line 1");
    }
}
