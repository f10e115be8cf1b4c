package dev.aigw.cluster;

import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.Jedis;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Debian's {@code redis-server}, started by the tests on a free loopback port with a password, an append-only
 * file (so that a graceful stop and start keeps its data, as a production Redis with persistence would) and the
 * DEBUG command allowed from loopback (to make it slow on purpose). Always stopped: by {@link #close()}, else by a
 * shutdown hook.
 */
final class RedisServer implements AutoCloseable {
    static final String PASSWORD = "cluster-test-pw";

    private final int port;
    private final Path dir;
    private final Thread hook = new Thread(this::kill, "redis-server-stopper");
    private Process process;

    RedisServer() throws IOException {
        if (!available()) {
            throw new IllegalStateException("redis-server is not installed: apt-get install -y redis-server "
                    + "(.ci/run does this)");
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        dir = Files.createTempDirectory("aigw-redis");
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static boolean available() {
        for (String p : System.getenv().getOrDefault("PATH", "/usr/bin").split(":")) {
            if (Files.isExecutable(Path.of(p, "redis-server"))) {
                return true;
            }
        }
        return false;
    }

    int port() {
        return port;
    }

    /** {@code redis://:<password>@127.0.0.1:<port>/0}. */
    String url() {
        return "redis://:" + PASSWORD + "@127.0.0.1:" + port + "/0";
    }

    synchronized void start() throws Exception {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder(List.of("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
                "--requirepass", PASSWORD, "--appendonly", "yes", "--save", "",
                "--dir", dir.toString(), "--daemonize", "no", "--enable-debug-command", "local",
                "--logfile", dir.resolve("redis.log").toString()))
                .redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile()).start();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (true) {
            try (Jedis j = client()) {
                if ("PONG".equals(j.ping())) {
                    return;
                }
            } catch (RuntimeException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("redis-server did not start: "
                            + Files.readString(dir.resolve("stdout.log")), e);
                }
                Thread.sleep(50);
            }
        }
    }

    /** A graceful stop (SIGTERM): the server writes its append-only file and exits. */
    synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
            process = null;
        }
    }

    /** A direct client, for the tests' own checks. */
    Jedis client() {
        return new Jedis("127.0.0.1", port, DefaultJedisClientConfig.builder().password(PASSWORD)
                .timeoutMillis(5000).build());
    }

    private synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
        }
    }

    @Override
    public void close() throws Exception {
        stop();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // the JVM is shutting down: the hook runs anyway
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        }
    }

    /** {@code cmdstat_<name>:calls=N,...} lines of INFO commandstats, by command. */
    static Map<String, Long> commandCalls(Jedis admin) {
        Map<String, Long> calls = new HashMap<>();
        for (String line : admin.info("commandstats").split("\r?\n")) {
            if (line.startsWith("cmdstat_")) {
                String name = line.substring("cmdstat_".length(), line.indexOf(':'));
                String n = line.substring(line.indexOf("calls=") + 6, line.indexOf(','));
                calls.put(name, Long.parseLong(n));
            }
        }
        return calls;
    }
}
