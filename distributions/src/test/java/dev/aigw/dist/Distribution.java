package dev.aigw.dist;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One standalone container distribution, unpacked by the build, started as a child process on a free loopback port
 * with a base directory of its own, and always stopped. Applications are deployed by dropping a WAR into its
 * deployment directory and undeployed by removing it, as an operator would.
 */
abstract class Distribution implements AutoCloseable {
    static final Duration START_TIMEOUT = Duration.ofSeconds(90);
    static final Duration DEPLOY_TIMEOUT = Duration.ofSeconds(60);

    final String name;
    final Path home;
    final Path base;
    final Path javaHome;
    /** Chosen by {@link #start()}. */
    int port;
    final Path log;
    final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Process process;

    Distribution(String name, Path home, Path work, Path javaHome) throws IOException {
        this.name = name;
        this.home = home;
        this.base = work.resolve(name);
        this.javaHome = javaHome;
        this.log = base.resolve("console.log");
        if (!Files.isDirectory(home)) {
            throw new IllegalStateException(name + ": no distribution at " + home + " (the build unpacks it)");
        }
        deleteTree(base);
        Files.createDirectories(base);
    }

    /** Prepares the base directory (configuration, empty deployment directory). */
    abstract void prepare() throws Exception;

    /** The command line that runs the container in the foreground. */
    abstract List<String> command();

    /** Extra environment for the command. */
    Map<String, String> environment() {
        return Map.of();
    }

    /** Where WARs are dropped. */
    abstract Path deployDirectory();

    /** JVM options for the container: small, quick to start, and GC-friendly for the leak checks. */
    String jvmOptions() {
        return "-Xmx384m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djava.awt.headless=true";
    }

    final Distribution start() throws Exception {
        for (int attempt = 1; ; attempt++) {
            // chosen now, not when built: the fakes a scenario starts in between bind free ports of their own
            port = freePort();
            if (launch()) {
                return this;
            }
            if (attempt == 3) {
                throw new IllegalStateException(name + ": the free port was taken before it could bind it, three "
                        + "times:\n" + log());
            }
        }
    }

    /**
     * Starts the container on {@link #port} and waits until it listens; false when another process took the port
     * first (the container exits on its bind failure), so that {@link #start()} can try another.
     */
    private boolean launch() throws Exception {
        prepare();
        ProcessBuilder pb = new ProcessBuilder(command()).directory(base.toFile())
                .redirectErrorStream(true).redirectOutput(log.toFile());
        Map<String, String> env = pb.environment();
        // Only the application's context params configure aigw: nothing from the build's environment.
        env.keySet().removeIf(k -> k.startsWith("AIGW_") || k.startsWith("REPLICATE_") || k.equals("CF_AIG_TOKEN")
                || k.equals("CLOUDFLARE_ACCOUNT_ID") || k.startsWith("JAVA_TOOL") || k.equals("JDK_JAVA_OPTIONS")
                || k.equals("_JAVA_OPTIONS") || k.startsWith("CATALINA_") || k.startsWith("JETTY_"));
        env.put("JAVA_HOME", javaHome.toString());
        env.putAll(environment());
        process = pb.start();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                String out = log();
                if (out.contains("java.net.BindException")) {
                    return false;
                }
                throw new IllegalStateException(name + " exited with " + process.exitValue() + ":\n" + out);
            }
            try (var s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                return true;
            } catch (ConnectException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(name + " did not listen on " + port + " within "
                            + START_TIMEOUT + ":\n" + log());
                }
                Thread.sleep(100);
            }
        }
    }

    long pid() {
        return process.pid();
    }

    URI url(String context) {
        return URI.create("http://127.0.0.1:" + port + "/" + context);
    }

    /** Drops the WAR in (atomically) and waits until the application answers {@code probe} with 200. */
    void deploy(String context, Path war, String probe) throws Exception {
        Path staged = base.resolve(context + ".war.tmp");
        Files.copy(war, staged, StandardCopyOption.REPLACE_EXISTING);
        Files.move(staged, deployDirectory().resolve(context + ".war"), StandardCopyOption.ATOMIC_MOVE);
        awaitStatus(url(context + probe), 200, "deploying " + context);
    }

    /** Removes the WAR and waits until the application is gone (404). */
    void undeploy(String context, String probe) throws Exception {
        Files.delete(deployDirectory().resolve(context + ".war"));
        awaitStatus(url(context + probe), 404, "undeploying " + context);
    }

    private void awaitStatus(URI uri, int status, String what) throws Exception {
        long deadline = System.nanoTime() + DEPLOY_TIMEOUT.toNanos();
        int last = -1;
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited while " + what + ":\n" + log());
            }
            try {
                last = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(20)).GET().build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode();
                if (last == status) {
                    return;
                }
            } catch (IOException e) {
                last = -1;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(name + ": " + what + ": " + uri + " answered " + last + ", not " + status
                + " within " + DEPLOY_TIMEOUT + ":\n" + log());
    }

    /**
     * One request on a fresh connection that is closed after it. A container's selector keeps the last connection
     * it served reachable until its next event (Jetty's {@code ManagedSelector} iterator), and a connection keeps the
     * context of the application it last served (Jetty caches the servlet channel per connection): a stale
     * reference of the container's, not of the application's, which real traffic clears at once.
     */
    void touch() throws IOException {
        try (var s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            s.getInputStream().readAllBytes();
        }
    }

    String log() {
        try {
            return Files.exists(log) ? Files.readString(log, StandardCharsets.ISO_8859_1) : "";
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    /** Stops the container as an operator would (SIGTERM: its shutdown hook stops every application). */
    @Override
    public void close() throws Exception {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            throw new IllegalStateException(name + " did not stop within 30 s of SIGTERM:\n" + log());
        }
    }

    /** Whether the container ended on its own after {@link #close()} (not killed). */
    boolean exitedCleanly() {
        return process != null && !process.isAlive() && (process.exitValue() == 0 || process.exitValue() == 143);
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        List<Path> all = new ArrayList<>();
        try (var s = Files.walk(p)) {
            s.forEach(all::add);
        }
        for (int i = all.size() - 1; i >= 0; i--) {
            Files.deleteIfExists(all.get(i));
        }
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var s = Files.walk(from)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(t);
                } else {
                    Files.copy(p, t, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
