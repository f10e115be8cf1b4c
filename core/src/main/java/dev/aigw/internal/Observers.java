package dev.aigw.internal;

import dev.aigw.ExchangeObserver;
import dev.aigw.ExchangeRecord;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.function.Function;

/**
 * Calls {@link ExchangeObserver}s so that none can fail a call: each call is guarded, and a failure is logged (the
 * first time per observer class and every thousandth after) and skipped. Also finds the observers listed as
 * services on aigw's own class loader, once.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Observers {
    private static final System.Logger LOG = System.getLogger("dev.aigw");
    private static final ExchangeObserver.Observation[] NONE = new ExchangeObserver.Observation[0];
    private static volatile List<ExchangeObserver> discovered;
    private static final java.util.concurrent.atomic.AtomicLong FAILURES = new java.util.concurrent.atomic.AtomicLong();

    private Observers() {
    }

    /** The observers listed in {@code META-INF/services/dev.aigw.ExchangeObserver}; loaded on first use. */
    public static List<ExchangeObserver> discovered() {
        List<ExchangeObserver> d = discovered;
        if (d == null) {
            synchronized (Observers.class) {
                d = discovered;
                if (d == null) {
                    d = load();
                    discovered = d;
                }
            }
        }
        return d;
    }

    private static List<ExchangeObserver> load() {
        List<ExchangeObserver> out = new ArrayList<>();
        // aigw's own loader: the observer jar sits beside core (WEB-INF/lib, the class path), whatever the TCCL is
        Iterator<ExchangeObserver> it = ServiceLoader.load(ExchangeObserver.class, Observers.class.getClassLoader())
                .iterator();
        while (true) {
            try {
                if (!it.hasNext()) {
                    break;
                }
                out.add(it.next());
            } catch (ServiceConfigurationError | LinkageError e) {
                LOG.log(System.Logger.Level.WARNING, "aigw: an exchange observer could not be loaded and is skipped: "
                        + e);
            }
        }
        return List.copyOf(out);
    }

    /**
     * Starts each observer's observation ({@code start}: {@code o -> o.start(exchange)}, so that this class needs
     * nothing of {@code Exchange}, which uses it); the result has no nulls.
     */
    public static ExchangeObserver.Observation[] start(List<ExchangeObserver> observers,
                                                       Function<ExchangeObserver, ExchangeObserver.Observation> start) {
        if (observers.isEmpty()) {
            return NONE;
        }
        ExchangeObserver.Observation[] out = new ExchangeObserver.Observation[observers.size()];
        int n = 0;
        for (ExchangeObserver o : observers) {
            try {
                ExchangeObserver.Observation obs = start.apply(o);
                if (obs != null) {
                    out[n++] = obs;
                }
            } catch (RuntimeException | LinkageError e) {
                failed(o, e);
            }
        }
        return n == 0 ? NONE : n == out.length ? out : java.util.Arrays.copyOf(out, n);
    }

    /**
     * {@code base} plus the observations' gateway headers: {@code cf-aig-*} names only, printable ASCII, never one
     * that {@code base} already has (the call's own options win). Returns {@code base} itself when nothing is added.
     */
    public static Map<String, String> headers(Map<String, String> base, ExchangeObserver.Observation[] observations) {
        Map<String, String> out = null;
        for (ExchangeObserver.Observation o : observations) {
            Map<String, String> extra;
            try {
                extra = o.gatewayHeaders();
            } catch (RuntimeException e) {
                failed(o, e);
                continue;
            }
            if (extra == null) {
                continue;
            }
            for (Map.Entry<String, String> e : extra.entrySet()) {
                String name = e.getKey();
                String value = e.getValue();
                if (name == null || value == null || !name.regionMatches(true, 0, GatewayHeaders.PREFIX, 0,
                        GatewayHeaders.PREFIX.length()) || !token(name) || !printable(value)
                        || containsIgnoreCase(base, name) || (out != null && containsIgnoreCase(out, name))) {
                    continue;
                }
                if (out == null) {
                    out = new java.util.LinkedHashMap<>(base);
                }
                out.put(name.toLowerCase(java.util.Locale.ROOT), value);
            }
        }
        return out == null ? base : java.util.Collections.unmodifiableMap(out);
    }

    /** Opens each observation's scope; the result closes them in reverse order. */
    public static ExchangeObserver.Scope activate(ExchangeObserver.Observation[] observations) {
        if (observations.length == 0) {
            return ExchangeObserver.Scope.NONE;
        }
        ExchangeObserver.Scope[] scopes = new ExchangeObserver.Scope[observations.length];
        for (int i = 0; i < observations.length; i++) {
            try {
                scopes[i] = observations[i].activate();
            } catch (RuntimeException e) {
                failed(observations[i], e);
            }
        }
        return reverse(scopes);
    }

    /** Hands the record to each observation. */
    public static void finished(ExchangeObserver.Observation[] observations, ExchangeRecord r) {
        for (ExchangeObserver.Observation o : observations) {
            try {
                o.finished(r);
            } catch (RuntimeException | LinkageError e) {
                failed(o, e);
            }
        }
    }

    /** Tells each observer that {@code r} never reached the listeners. */
    public static void dropped(List<ExchangeObserver> observers, ExchangeRecord r) {
        for (ExchangeObserver o : observers) {
            try {
                o.recordDropped(r);
            } catch (RuntimeException | LinkageError e) {
                failed(o, e);
            }
        }
    }

    /** What the discovered observers carry from this thread, or {@code null} when nothing. */
    public static ExchangeObserver.Carried[] capture() {
        List<ExchangeObserver> observers = discovered();
        if (observers.isEmpty()) {
            return null;
        }
        ExchangeObserver.Carried[] out = null;
        for (int i = 0; i < observers.size(); i++) {
            try {
                ExchangeObserver.Carried c = observers.get(i).capture();
                if (c != null) {
                    if (out == null) {
                        out = new ExchangeObserver.Carried[observers.size()];
                    }
                    out[i] = c;
                }
            } catch (RuntimeException | LinkageError e) {
                failed(observers.get(i), e);
            }
        }
        return out;
    }

    /** Makes captured state current; the result restores the thread in reverse order. */
    public static ExchangeObserver.Scope attach(ExchangeObserver.Carried[] carried) {
        if (carried == null) {
            return ExchangeObserver.Scope.NONE;
        }
        ExchangeObserver.Scope[] scopes = new ExchangeObserver.Scope[carried.length];
        for (int i = 0; i < carried.length; i++) {
            if (carried[i] != null) {
                try {
                    scopes[i] = carried[i].attach();
                } catch (RuntimeException e) {
                    failed(carried[i], e);
                }
            }
        }
        return reverse(scopes);
    }

    /** Closes the scopes in reverse order, once, and only on the thread that opened them (a scope is thread-bound). */
    private static ExchangeObserver.Scope reverse(ExchangeObserver.Scope[] scopes) {
        Thread owner = Thread.currentThread();
        boolean[] closed = new boolean[1];
        return () -> {
            if (closed[0] || Thread.currentThread() != owner) {
                return;
            }
            closed[0] = true;
            for (int i = scopes.length - 1; i >= 0; i--) {
                if (scopes[i] != null) {
                    try {
                        scopes[i].close();
                    } catch (RuntimeException e) {
                        failed(scopes[i], e);
                    }
                }
            }
        };
    }

    private static void failed(Object who, Throwable t) {
        long n = FAILURES.incrementAndGet();
        if (n == 1 || n % 1000 == 0) {
            LOG.log(System.Logger.Level.WARNING, "aigw: exchange observer " + who.getClass().getName() + " failed ("
                    + n + " failure(s) so far); the call goes on without it: " + t);
        }
    }

    private static boolean containsIgnoreCase(Map<String, String> m, String name) {
        for (String k : m.keySet()) {
            if (k.equalsIgnoreCase(name)) {
                return true;
            }
        }
        return false;
    }

    private static boolean token(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-')) {
                return false;
            }
        }
        return !s.isEmpty();
    }

    private static boolean printable(String s) {
        if (s.isEmpty() || s.length() > 4096 || s.charAt(0) == ' ' || s.charAt(s.length() - 1) == ' ') {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }
}
