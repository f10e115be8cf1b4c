package dev.aigw.servlet.internal.proxy;

import dev.aigw.servlet.internal.OwnedThreads;
import dev.aigw.servlet.internal.Sweeper;
import jakarta.servlet.http.HttpServletRequest;

import java.io.BufferedReader;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Notices an HTTP/1.1 client that leaves while its call waits for the upstream's answer. The containers tell an
 * asynchronous application nothing then: they do not read a connection whose request is being handled, and a
 * {@code ReadListener} on a finished body hears nothing more (Tomcat 10.1/11, Jetty 12.1; HTTP/2 differs, a reset
 * stream arrives as an error event). The kernel knows: once the client has closed, the server's side of the
 * connection is no longer ESTABLISHED (CLOSE_WAIT after a FIN; gone from the table after a reset). On Linux,
 * {@code /proc/net/tcp} and {@code tcp6} list the connections of the process's network namespace with their state;
 * while calls are watched, the watch reads them about once a second (less often on hosts with very many
 * connections), on its own timer thread, and tells each call whose connection is no longer established. A call is
 * watched only once it has waited {@link #AFTER_NANOS} for its answer's head (its {@link CallDeadlines} say when):
 * nearly every call has its head by then, and a call answered that fast costs the watch nothing, where registering
 * every call kept the tables read every second under any steady load. A connection
 * it cannot find (the request's addresses were rewritten from a front proxy's headers, or there is no {@code /proc})
 * is not watched: the caps and {@code aigw.proxy.timeout} bound it, as before.
 *
 * <p>A client that half-closes (shuts its sending side, then reads) counts as gone, as in nginx's default
 * ({@code proxy_ignore_client_abort off}); the two cannot be told apart from the connection's state.
 *
 * <p>Internal: not API, may change in any release.
 */
final class ClientWatch {
    static final List<Path> TABLES = List.of(Path.of("/proc/net/tcp"), Path.of("/proc/net/tcp6"));
    private static final long MIN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * How long a call waits for its head before it is watched: one interval between two reads of the tables, so a
     * client that leaves early is noticed at most about one interval later than if it had been watched from its start
     * (the first read follows its registration at once when the tables were not read for an interval).
     */
    static final long AFTER_NANOS = MIN_INTERVAL_NANOS;
    /**
     * Reading the tables may take a fiftieth of the time: with very many connections (tens of thousands) the interval
     * grows, up to {@link #MAX_INTERVAL_NANOS}.
     */
    private static final int COST_RATIO = 50;
    private static final long MAX_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(5);
    private static final String ESTABLISHED = "01";
    /**
     * Looks in a row that must miss a connection before it counts as gone (reset) or unwatchable: the kernel prints
     * the table a page at a time, so a read while connections come and go can skip a line.
     */
    private static final int MISSES = 2;
    private static final char[] HEX = "0123456789abcdef".toCharArray();
    private static final Pattern IP_LITERAL = Pattern.compile("[0-9A-Fa-f:.]*[:.][0-9A-Fa-f:.]*");

    private final ScheduledExecutorService timer;
    private final List<Path> tables;
    private final Map<String, Watched> watched = new ConcurrentHashMap<>();
    private final LastSeen<String> localLiteral = new LastSeen<>();
    private final LastSeen<String> remoteLiteral = new LastSeen<>();
    /**
     * Whether a scan is scheduled; written under this. A call reads it without the lock (a lock per call was
     * contended at 256 clients): it adds its connection first and looks second, and a scan that ends clears it first
     * and looks at the connections second, so one of the two sees the other and schedules.
     */
    private volatile boolean scheduled;
    /** When the tables may next be read ({@link System#nanoTime()}); written by the timer, under this. */
    private long nextScan = System.nanoTime();

    ClientWatch(ScheduledExecutorService timer, List<Path> tables) {
        this.timer = timer;
        this.tables = tables.stream().filter(Files::isReadable).toList();
    }

    /**
     * A watch on its own {@code aigw-proxy-watch} thread, which exists only while calls are watched (the proxy's
     * other deadlines are the {@link Sweeper}'s, which looks at every call far more often than once a second); or,
     * {@code aigw.proxy.client-watch=false}, one that watches nothing and never starts its thread.
     */
    static ClientWatch withOwnTimer(boolean on) {
        ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = OwnedThreads.daemon(r, "aigw-proxy-watch");
            t.setContextClassLoader(null); // whichever thread starts it, it must not pin the application's loader
            return t;
        });
        timer.setKeepAliveTime(30, TimeUnit.SECONDS);
        timer.allowCoreThreadTimeOut(true);
        return new ClientWatch(timer, on ? TABLES : List.of());
    }

    /** Whether any call is watched here: off by setting, or without a readable table (not Linux). */
    boolean watches() {
        return !tables.isEmpty();
    }

    /**
     * Whether this request's call may be {@link #watch}ed once it waits: the watch is on and the request is HTTP/1.x
     * (HTTP/2 reports a reset stream itself). Read on the request's own thread when the call starts; its protocol is a
     * string the container keeps, read there anyway.
     */
    boolean watches(HttpServletRequest req) {
        String protocol = req.getProtocol();
        return !tables.isEmpty() && protocol != null && protocol.startsWith("HTTP/1");
    }

    /** Ends the timer (with the filter) and forgets every connection. */
    void stop() {
        watched.clear();
        timer.shutdownNow();
        OwnedThreads.awaitStopped(timer);
    }

    /** One watched connection; {@link #stop()} when the call no longer needs it. */
    static final class Watched {
        /** Not watched. */
        static final Watched NONE = new Watched(null, null, null);
        private final Map<String, Watched> in;
        private final String key;
        private final Runnable gone;
        private final long since = System.nanoTime();
        private boolean seen; // confined to the timer, as misses
        private int misses;

        private Watched(Map<String, Watched> in, String key, Runnable gone) {
            this.in = in;
            this.key = key;
            this.gone = gone;
        }

        void stop() {
            if (in != null) {
                in.remove(key, this);
            }
        }
    }

    /**
     * Watches the connection of a request that {@link #watches(HttpServletRequest)} until {@link Watched#stop()};
     * {@code gone} runs (on the timer) if it is closed first. {@link Watched#NONE} when this request's connection
     * cannot be watched. The caller must keep the request from completing meanwhile (its call's monitor): its
     * addresses are read here, on the sweeper's thread.
     */
    Watched watch(HttpServletRequest req, Runnable gone) {
        if (tables.isEmpty()) {
            return Watched.NONE;
        }
        // the addresses as table keys, kept for the last seen: the local one is the same for every call, the remote
        // one mostly (a load balancer, a few clients)
        String key = tableKey(localLiteral.get(req.getLocalAddr(), ClientWatch::literal), req.getLocalPort(),
                remoteLiteral.get(req.getRemoteAddr(), ClientWatch::literal), req.getRemotePort());
        if (key == null) {
            return Watched.NONE;
        }
        Watched w = new Watched(watched, key, gone);
        watched.put(key, w); // one request at a time per HTTP/1.x connection
        if (!scheduled) {
            scheduleIfIdle();
        }
        return w;
    }

    /** Schedules the next read, as soon as the last one's interval allows: a call registered now has waited already. */
    private synchronized void scheduleIfIdle() {
        if (!scheduled) {
            scheduled = schedule(Math.max(0, nextScan - System.nanoTime()));
        }
    }

    private boolean schedule(long delayNanos) {
        try {
            timer.schedule(this::scan, delayNanos, TimeUnit.NANOSECONDS);
            return true;
        } catch (RejectedExecutionException e) {
            return false; // the filter is being destroyed
        }
    }

    private void scan() {
        long started = System.nanoTime();
        Map<String, String> states = states(tables, localPorts());
        long read = System.nanoTime() - started;
        for (Watched w : watched.values()) {
            if (w.since - started > 0) {
                continue; // registered during this scan: judged by the next one
            }
            String state = states.get(w.key);
            if (ESTABLISHED.equals(state)) {
                w.seen = true;
                w.misses = 0;
            } else if (state == null && ++w.misses < MISSES) {
                continue; // a table read while it changes may skip a line: look again before believing it
            } else if (watched.remove(w.key, w) && (state != null || w.seen)) {
                w.gone.run(); // closed by the client (or reset); a connection never seen is simply not watched
            }
        }
        synchronized (this) {
            scheduled = false;
            nextScan = started + Math.min(MAX_INTERVAL_NANOS, Math.max(MIN_INTERVAL_NANOS, COST_RATIO * read));
        }
        if (!watched.isEmpty()) {
            scheduleIfIdle();
        }
    }

    private Set<String> localPorts() {
        Set<String> ports = new HashSet<>();
        for (String k : watched.keySet()) {
            ports.add(k.substring(k.indexOf(':') + 1, k.indexOf('>')));
        }
        return ports;
    }

    /** The state of every connection in these tables whose local port is one of {@code ports}, by key. */
    static Map<String, String> states(List<Path> tables, Set<String> ports) {
        Map<String, String> states = new HashMap<>();
        if (ports.isEmpty()) {
            return states;
        }
        for (Path table : tables) {
            try (BufferedReader r = Files.newBufferedReader(table, StandardCharsets.US_ASCII)) {
                r.readLine(); // the header
                for (String line; (line = r.readLine()) != null; ) {
                    String[] f = fields(line);
                    if (f != null && ports.contains(port(f[0]))) {
                        String key = tableKey(f[0], f[1]);
                        if (key != null) {
                            states.put(key, f[2]);
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // a table that cannot be read watches nothing this time
            }
        }
        return states;
    }

    /** Local address, remote address and state of one table line ({@code sl local rem st ...}), or null. */
    private static String[] fields(String line) {
        String[] f = new String[3];
        int i = 0;
        int n = line.length();
        for (int field = 0; field < 4; field++) {
            while (i < n && line.charAt(i) == ' ') {
                i++;
            }
            int start = i;
            while (i < n && line.charAt(i) != ' ') {
                i++;
            }
            if (start == i) {
                return null;
            }
            if (field > 0) {
                f[field - 1] = line.substring(start, i);
            }
        }
        return f;
    }

    private static String port(String hexAddressAndPort) {
        int colon = hexAddressAndPort.indexOf(':');
        try {
            return Integer.toString(Integer.parseInt(hexAddressAndPort.substring(colon + 1), 16));
        } catch (RuntimeException e) {
            return "";
        }
    }

    /** The key of a table line's connection: {@code address:port>address:port} (local, remote). */
    static String tableKey(String local, String remote) {
        String l = tableAddress(local);
        String r = tableAddress(remote);
        return l == null || r == null ? null : l + ':' + port(local) + '>' + r + ':' + port(remote);
    }

    /**
     * A table's address ({@code 0100007F}, or 32 hex digits for IPv6) as normalised hex: the table prints each
     * 32-bit word of the address as the host stores it, so the bytes come back in native order; an IPv4 address
     * mapped into IPv6 (a dual-stack socket) reads as the IPv4 address, as the servlet API reports it.
     */
    private static String tableAddress(String hexAddressAndPort) {
        int colon = hexAddressAndPort.indexOf(':');
        if (colon != 8 && colon != 32) {
            return null;
        }
        ByteBuffer b = ByteBuffer.allocate(colon / 2).order(ByteOrder.nativeOrder());
        try {
            for (int i = 0; i < colon; i += 8) {
                b.putInt((int) Long.parseLong(hexAddressAndPort.substring(i, i + 8), 16));
            }
        } catch (NumberFormatException e) {
            return null;
        }
        return hex(b.array());
    }

    /** The key of a request's connection, or null when its addresses are not IP literals. */
    static String key(String localAddr, int localPort, String remoteAddr, int remotePort) {
        return tableKey(literal(localAddr), localPort, literal(remoteAddr), remotePort);
    }

    /** The key from the addresses in table form ({@link #literal}), null when either is null. */
    private static String tableKey(String l, int localPort, String r, int remotePort) {
        return l == null || r == null || localPort <= 0 || remotePort <= 0 ? null
                : l + ':' + localPort + '>' + r + ':' + remotePort;
    }

    private static String literal(String address) {
        if (address == null) {
            return null;
        }
        String a = address.startsWith("[") && address.endsWith("]") ? address.substring(1, address.length() - 1)
                : address;
        int scope = a.indexOf('%');
        if (scope >= 0) {
            a = a.substring(0, scope);
        }
        if (!IP_LITERAL.matcher(a).matches()) {
            return null; // never a name lookup
        }
        try {
            return hex(InetAddress.getByName(a).getAddress()); // a mapped IPv6 literal comes back as IPv4
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static String hex(byte[] bytes) {
        int from = bytes.length == 16 && isMappedIpv4(bytes) ? 12 : 0;
        char[] c = new char[(bytes.length - from) * 2];
        for (int i = from; i < bytes.length; i++) {
            c[2 * (i - from)] = HEX[(bytes[i] >> 4) & 0xf];
            c[2 * (i - from) + 1] = HEX[bytes[i] & 0xf];
        }
        return new String(c);
    }

    private static boolean isMappedIpv4(byte[] b) {
        for (int i = 0; i < 10; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
    }
}
