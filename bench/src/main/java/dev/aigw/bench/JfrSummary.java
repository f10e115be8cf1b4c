package dev.aigw.bench;

import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a server of the proxy harness spends its CPU and allocation on, from a flight recording
 * ({@code -Dbench.server.jvm-args="-XX:StartFlightRecording=filename=...,settings=profile"}): execution samples and
 * allocation samples, each attributed to the first frame of a known area up the stack (aigw's proxy and core, Jetty's
 * client, the container, the JDK's HTTP client, logging, ...), plus the hottest methods, and thread parks by thread
 * name prefix (the hand-offs).
 *
 * <p>{@code java -cp ... dev.aigw.bench.JfrSummary recording.jfr [top=25]}
 */
public final class JfrSummary {
    /** Areas in the order they are looked for, innermost frame first; the first that matches a frame wins. */
    private static final Map<String, String> AREAS = new LinkedHashMap<>();

    static {
        AREAS.put("dev.aigw.bench", "bench harness (the peer's header hook)");
        AREAS.put("dev.aigw.servlet.internal.proxy.UrlRewriter", "aigw: URL rewriting");
        AREAS.put("dev.aigw.internal.JsonSniffer", "aigw: JSON sniffer");
        AREAS.put("dev.aigw.internal.Record", "aigw: records (format, dispatch)");
        AREAS.put("dev.aigw.ExchangeListener", "aigw: summary log line");
        AREAS.put("java.util.logging", "JUL logging");
        AREAS.put("dev.aigw.servlet.internal.proxy.ProxyHeaders", "aigw: header copying");
        AREAS.put("dev.aigw.servlet.internal.proxy.Admission", "aigw: admission");
        AREAS.put("dev.aigw.servlet.internal.proxy.CanonicalRequest", "aigw: canonical request");
        AREAS.put("dev.aigw.servlet.internal.proxy.JettyUpstream", "aigw: Jetty upstream adapter");
        AREAS.put("dev.aigw.servlet.internal.proxy.JdkUpstream", "aigw: JDK upstream adapter");
        AREAS.put("dev.aigw.servlet.internal.proxy", "aigw: proxy call (other)");
        AREAS.put("dev.aigw.servlet", "aigw: servlet (other)");
        AREAS.put("dev.aigw", "aigw: core (routing, exchange)");
        AREAS.put("org.eclipse.jetty.ee10.proxy", "ProxyServlet");
        AREAS.put("org.eclipse.jetty.client", "Jetty client");
        AREAS.put("jdk.internal.net.http", "JDK HttpClient");
        AREAS.put("org.eclipse.jetty.ee10", "Jetty ee10 servlet");
        AREAS.put("org.eclipse.jetty.server", "Jetty server");
        AREAS.put("org.eclipse.jetty.http", "Jetty HTTP parsing/generation");
        AREAS.put("org.eclipse.jetty.io", "Jetty I/O");
        AREAS.put("org.eclipse.jetty.util", "Jetty util (pools, threads)");
        AREAS.put("org.apache.catalina", "Tomcat catalina");
        AREAS.put("org.apache.coyote", "Tomcat coyote");
        AREAS.put("org.apache.tomcat", "Tomcat util/net");
        AREAS.put("sun.nio", "NIO (syscalls)");
    }

    private JfrSummary() {
    }

    public static void main(String[] args) throws Exception {
        int top = args.length > 1 ? Integer.parseInt(args[1]) : 25;
        Map<String, Long> cpuByArea = new HashMap<>();
        Map<String, Long> hot = new HashMap<>();
        Map<String, Long> allocByArea = new HashMap<>();
        Map<String, Long> allocByType = new HashMap<>();
        Map<String, Long> parks = new HashMap<>();
        long samples = 0;
        long allocated = 0;
        java.time.Instant first = null;
        java.time.Instant last = null;
        for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
            String type = e.getEventType().getName();
            if (first == null || e.getStartTime().isBefore(first)) {
                first = e.getStartTime();
            }
            if (last == null || e.getEndTime().isAfter(last)) {
                last = e.getEndTime();
            }
            switch (type) {
                case "jdk.ExecutionSample" -> {
                    samples++;
                    cpuByArea.merge(area(e.getStackTrace()), 1L, Long::sum);
                    RecordedStackTrace st = e.getStackTrace();
                    if (st != null && !st.getFrames().isEmpty()) {
                        RecordedFrame f = st.getFrames().get(0);
                        hot.merge(f.getMethod().getType().getName() + "." + f.getMethod().getName(), 1L, Long::sum);
                    }
                }
                case "jdk.ObjectAllocationSample" -> {
                    long w = e.getLong("weight");
                    allocated += w;
                    allocByArea.merge(area(e.getStackTrace()), w, Long::sum);
                    allocByType.merge(e.getClass("objectClass").getName(), w, Long::sum);
                }
                case "jdk.ThreadPark" -> {
                    String t = e.getThread() == null ? "?" : e.getThread().getJavaName();
                    parks.merge(t == null ? "?" : t.replaceAll("[-#]?\\d+$", "").replaceAll("-\\d+-", "-N-"), 1L,
                            Long::sum);
                }
                default -> {
                }
            }
        }
        print("CPU (execution samples, " + samples + ") by area", cpuByArea, samples, 40);
        print("Hottest methods (self)", hot, samples, top);
        print(String.format(Locale.ROOT, "Allocation (sampled weight, %.1f MB) by area", allocated / 1e6), allocByArea,
                allocated, 40);
        print("Allocation by type", allocByType, allocated, top);
        long p = parks.values().stream().mapToLong(Long::longValue).sum();
        double secs = first == null ? 0 : java.time.Duration.between(first, last).toMillis() / 1000.0;
        print(String.format(Locale.ROOT, "Thread parks (jdk.ThreadPark above the recording's threshold): %d in %.1f s,"
                + " %.0f/s; by thread", p, secs, secs == 0 ? 0 : p / secs), parks, p, top);
    }

    private static String area(RecordedStackTrace st) {
        if (st == null) {
            return "(no stack)";
        }
        List<RecordedFrame> frames = st.getFrames();
        for (RecordedFrame f : frames) {
            String t = f.getMethod().getType().getName();
            for (Map.Entry<String, String> a : AREAS.entrySet()) {
                if (t.startsWith(a.getKey())) {
                    return a.getValue();
                }
            }
        }
        return "other: " + (frames.isEmpty() ? "?" : frames.get(0).getMethod().getType().getName());
    }

    private static void print(String title, Map<String, Long> m, long total, int n) {
        System.out.println("### " + title);
        System.out.println();
        System.out.println("| what | share |");
        System.out.println("|---|---|");
        m.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(n)
                .forEach(e -> System.out.printf(Locale.ROOT, "| %s | %.1f %% |%n", e.getKey(),
                        total == 0 ? 0 : 100.0 * e.getValue() / total));
        System.out.println();
    }
}
