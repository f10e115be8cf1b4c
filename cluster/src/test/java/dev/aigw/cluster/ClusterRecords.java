package dev.aigw.cluster;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Predicate;

/**
 * Every record of every instance (registered with ServiceLoader for the instances configured by settings, added by
 * hand to the others). Webhook records name the receiving instance in their routed URL.
 */
public final class ClusterRecords implements ExchangeListener {
    static final List<ExchangeRecord> ALL = new CopyOnWriteArrayList<>();

    @Override
    public void onExchange(ExchangeRecord record) {
        ALL.add(record);
    }

    static ExchangeRecord await(Predicate<ExchangeRecord> p, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < end) {
            for (ExchangeRecord r : ALL) {
                if (p.test(r)) {
                    return r;
                }
            }
            Thread.sleep(20);
        }
        throw new AssertionError("no such record within " + timeout + "; records: " + ALL);
    }
}
