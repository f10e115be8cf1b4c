package dev.aigw.internal;

import dev.aigw.ExchangeListener;
import dev.aigw.ExchangeRecord;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class RecordDispatcherTest {
    private static ExchangeRecord record(int n) {
        return new ExchangeRecord(Instant.EPOCH, "GET", "https://api.replicate.com/v1/predictions/" + n, null,
                "replicate", ExchangeRecord.Via.GATEWAY, null, null, null, 200, null, null, null, null, Map.of(),
                List.of(), 0, 0, null, Duration.ZERO, Map.of(), ExchangeRecord.Outcome.SUCCESS, null, null);
    }

    /** A listener held inside its first record: everything dispatched meanwhile waits, in order. */
    private static final class Held implements ExchangeListener {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());

        @Override
        public void onExchange(ExchangeRecord r) {
            seen.add(r.url());
            entered.countDown();
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Records that arrive while the listeners' thread is busy wake nobody; they are delivered, in order, after it. */
    @Test
    void recordsQueuedWhileTheListenerWorksCostNoWakeUpAndKeepTheirOrder() throws Exception {
        Held held = new Held();
        RecordDispatcher d = new RecordDispatcher(List.of(held), 1000);
        d.dispatch(record(0));
        assertThat(held.entered.await(10, TimeUnit.SECONDS)).isTrue();
        long before = d.signals();
        for (int i = 1; i <= 200; i++) {
            d.dispatch(record(i));
        }
        assertThat(d.signals()).isEqualTo(before); // the thread is not parked: no producer unparks it
        held.release.countDown();
        d.close(10_000); // delivers what is queued, then ends the thread
        assertThat(held.seen).hasSize(201);
        for (int i = 0; i <= 200; i++) {
            assertThat(held.seen.get(i)).endsWith("/" + i);
        }
        assertThat(d.dropped()).isZero();
    }

    /** A parked listeners' thread is woken for a record: none waits for a later one to push it out. */
    @Test
    void aParkedThreadIsWokenForEachLoneRecord() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        CountDownLatch[] got = {new CountDownLatch(1)};
        RecordDispatcher d = new RecordDispatcher(List.of(r -> {
            seen.add(r.url());
            got[0].countDown();
        }), 10);
        for (int i = 0; i < 50; i++) {
            got[0] = new CountDownLatch(1);
            d.dispatch(record(i));
            assertThat(got[0].await(10, TimeUnit.SECONDS)).as("record %d delivered", i).isTrue();
        }
        d.close();
        assertThat(seen).hasSize(50);
    }

    /** Beyond the capacity, records are dropped, counted and told to the observer; the queued ones still arrive. */
    @Test
    void aFullQueueDropsCountsAndTells() throws Exception {
        Held held = new Held();
        List<ExchangeRecord> told = Collections.synchronizedList(new ArrayList<>());
        RecordDispatcher d = new RecordDispatcher(List.of(held), 3, told::add);
        d.dispatch(record(0));
        assertThat(held.entered.await(10, TimeUnit.SECONDS)).isTrue();
        for (int i = 1; i <= 5; i++) {
            d.dispatch(record(i));
        }
        assertThat(d.dropped()).isEqualTo(2);
        assertThat(told).extracting(ExchangeRecord::url).containsExactly(
                "https://api.replicate.com/v1/predictions/4", "https://api.replicate.com/v1/predictions/5");
        held.release.countDown();
        d.close(10_000);
        assertThat(held.seen).hasSize(4).last().isEqualTo("https://api.replicate.com/v1/predictions/3");
    }

    /** close() ends the thread; later records are ignored and start nothing. */
    @Test
    void closeEndsTheThread() throws Exception {
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        RecordDispatcher d = new RecordDispatcher(List.of(r -> {
            seen.add(r.url());
            threads.add(Thread.currentThread());
        }), 10);
        d.dispatch(record(1));
        d.close();
        assertThat(seen).hasSize(1);
        assertThat(threads.get(0).getName()).isEqualTo("aigw-records");
        assertThat(threads.get(0).isAlive()).isFalse();
        d.dispatch(record(2));
        assertThat(seen).hasSize(1);
    }

    /**
     * An idle thread ends (a gateway nothing closes must not keep one for ever) and the next record starts another.
     */
    @Test
    void anIdleThreadEndsAndTheNextRecordStartsAnother() throws Exception {
        List<Thread> threads = Collections.synchronizedList(new ArrayList<>());
        RecordDispatcher d = new RecordDispatcher(List.of(r -> threads.add(Thread.currentThread())), 10, null, 100);
        d.dispatch(record(1));
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while ((threads.isEmpty() || threads.get(0).isAlive()) && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(threads).hasSize(1);
        assertThat(threads.get(0).isAlive()).as("the thread, idle past its keep-alive").isFalse();
        d.dispatch(record(2));
        while (threads.size() < 2 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertThat(threads).hasSize(2);
        assertThat(threads.get(1)).isNotSameAs(threads.get(0));
        d.close();
        assertThat(threads.get(1).isAlive()).isFalse();
    }

    /**
     * Records dispatched while the thread ends are delivered all the same, by it or by the next: with a keep-alive of
     * 1 ms each burst lands about when the idle thread ends, and every burst must arrive before the next is sent (a
     * record left to a thread that is gone would wait for a later record to start one).
     */
    @Test
    void noRecordIsLostWhileTheThreadEnds() throws Exception {
        java.util.concurrent.atomic.AtomicInteger seen = new java.util.concurrent.atomic.AtomicInteger();
        java.util.Set<Thread> threads = java.util.concurrent.ConcurrentHashMap.newKeySet();
        RecordDispatcher d = new RecordDispatcher(List.of(r -> {
            threads.add(Thread.currentThread());
            seen.incrementAndGet();
        }), 1000, null, 1);
        java.util.Random random = new java.util.Random(42);
        int n = 0;
        for (int burst = 0; burst < 2000; burst++) {
            for (int i = random.nextInt(3); i >= 0; i--) {
                d.dispatch(record(n++));
            }
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            while (seen.get() < n && System.nanoTime() < end) {
                Thread.onSpinWait();
            }
            assertThat(seen.get()).as("records delivered after burst %d", burst).isEqualTo(n);
            long pause = System.nanoTime() + random.nextInt(1_500_000); // about the keep-alive
            while (System.nanoTime() < pause) {
                Thread.onSpinWait();
            }
        }
        d.close();
        assertThat(threads.size()).as("threads started: the thread ended between bursts").isGreaterThan(100);
        assertThat(d.dropped()).isZero();
    }
}
