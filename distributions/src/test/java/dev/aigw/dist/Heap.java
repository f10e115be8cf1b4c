package dev.aigw.dist;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the container's JVM holds, read with the JDK's {@code jcmd}: instance counts from a heap histogram (which
 * counts live objects only: {@code GC.class_histogram} collects first) and the names of live threads.
 */
final class Heap {
    private static final Pattern HISTOGRAM_ROW = Pattern.compile("^\\s*\\d+:\\s+(\\d+)\\s+\\d+\\s+(\\S+).*$");
    private static final Pattern THREAD = Pattern.compile("^\"([^\"]*)\".*$");

    private final Path jcmd;
    private final long pid;

    Heap(Path javaHome, long pid) {
        this.jcmd = javaHome.resolve("bin/jcmd");
        this.pid = pid;
    }

    /** Instances of each class whose name is given, summed over every class loader that defined one. */
    long[] instances(String... classNames) throws Exception {
        long[] n = new long[classNames.length];
        for (String line : run("GC.class_histogram").split("\n")) {
            Matcher m = HISTOGRAM_ROW.matcher(line);
            if (m.matches()) {
                for (int i = 0; i < classNames.length; i++) {
                    if (m.group(2).equals(classNames[i])) {
                        n[i] += Long.parseLong(m.group(1));
                    }
                }
            }
        }
        return n;
    }

    List<String> threads() throws Exception {
        List<String> names = new ArrayList<>();
        for (String line : run("Thread.print").split("\n")) {
            Matcher m = THREAD.matcher(line);
            if (m.matches()) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    /** A heap dump of live objects, for finding what keeps a class loader (left behind when the check fails). */
    Path dump(Path file) throws Exception {
        run("GC.heap_dump", file.toString());
        return file;
    }

    private String run(String... command) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(jcmd.toString(), Long.toString(pid)));
        cmd.addAll(List.of(command));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("jcmd " + pid + " " + String.join(" ", command) + " failed: " + new String(out, StandardCharsets.UTF_8));
        }
        return new String(out, StandardCharsets.UTF_8);
    }
}
