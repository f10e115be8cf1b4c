package dev.aigw.servlet.suite;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An application filter in front of aigw's: counts the requests that went into the rest of the chain and the
 * container threads that came back out of it. Equal counts while the requests are still open prove that aigw holds
 * none of their threads (ExhaustionTests).
 */
public final class ChainGauge implements Filter {
    final AtomicInteger entered = new AtomicInteger();
    final AtomicInteger returned = new AtomicInteger();

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        if (request.getDispatcherType() != DispatcherType.REQUEST) {
            chain.doFilter(request, response);
            return;
        }
        entered.incrementAndGet();
        try {
            chain.doFilter(request, response);
        } finally {
            returned.incrementAndGet();
        }
    }

    void reset() {
        entered.set(0);
        returned.set(0);
    }

    @Override
    public String toString() {
        return entered + " entered, " + returned + " returned";
    }
}
