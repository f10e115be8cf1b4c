package dev.aigw.servlet.internal.proxy;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ConcurrencyLimitTest {
    @Test
    void aKeyGetsItsCapAndItsPlacesBackWhenCallsEnd() {
        ConcurrencyLimit limit = new ConcurrencyLimit(10, 2);
        ConcurrencyLimit.Permit a = assertInstanceOf(ConcurrencyLimit.Permit.class, limit.acquire("k"));
        assertInstanceOf(ConcurrencyLimit.Permit.class, limit.acquire("k"));
        assertEquals(429, assertInstanceOf(Refusal.class, limit.acquire("k")).status());
        assertInstanceOf(ConcurrencyLimit.Permit.class, limit.acquire("other"));
        a.release();
        a.release(); // idempotent: gives back one place, not two
        assertInstanceOf(ConcurrencyLimit.Permit.class, limit.acquire("k"));
        assertEquals(429, assertInstanceOf(Refusal.class, limit.acquire("k")).status());
        assertEquals(3, limit.inFlight());
    }

    @Test
    void theTotalCapRefusesWithoutKeepingTheKeysPlace() {
        ConcurrencyLimit limit = new ConcurrencyLimit(1, 5);
        ConcurrencyLimit.Permit a = assertInstanceOf(ConcurrencyLimit.Permit.class, limit.acquire("k"));
        assertEquals(503, assertInstanceOf(Refusal.class, limit.acquire("j")).status());
        a.release();
        assertEquals(0, limit.inFlight());
        List<ConcurrencyLimit.Permit> held = new ArrayList<>();
        ConcurrencyLimit wide = new ConcurrencyLimit(100, 5);
        for (int i = 0; i < 5; i++) {
            held.add(assertInstanceOf(ConcurrencyLimit.Permit.class, wide.acquire("j")));
        }
        assertEquals(429, assertInstanceOf(Refusal.class, wide.acquire("j")).status());
    }

    /** Many threads take and give back places of one key, emptying it again and again: no place leaks or doubles. */
    @Test
    void countsHoldWhileAKeyEmptiesAndFillsConcurrently() throws Exception {
        int cap = 3;
        ConcurrencyLimit limit = new ConcurrencyLimit(1000, cap);
        AtomicInteger holding = new AtomicInteger();
        AtomicInteger overCap = new AtomicInteger();
        int threads = 8;
        CountDownLatch go = new CountDownLatch(1);
        List<Thread> all = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < 20_000; i++) {
                    if (limit.acquire("k") instanceof ConcurrencyLimit.Permit p) {
                        if (holding.incrementAndGet() > cap) {
                            overCap.incrementAndGet();
                        }
                        holding.decrementAndGet();
                        p.release();
                    }
                }
            });
            th.start();
            all.add(th);
        }
        go.countDown();
        for (Thread th : all) {
            th.join();
        }
        assertEquals(0, overCap.get());
        assertEquals(0, limit.inFlight());
        List<ConcurrencyLimit.Permit> again = new ArrayList<>();
        for (int i = 0; i < cap; i++) {
            again.add(assertInstanceOf(ConcurrencyLimit.Permit.class, limit.acquire("k"), "place " + i));
        }
        assertTrue(limit.acquire("k") instanceof Refusal, "the cap still holds after the churn");
    }
}
