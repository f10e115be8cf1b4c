package dev.aigw.samples.embedded;

import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The launcher as ./demo runs it: a separate JVM, its console, Ctrl-C, a busy port. */
class MainTest {

    @Test
    void servesAPredictionThroughTheProxyPrintsALinePerCallAndStopsOnCtrlC() throws Exception {
        int port = freePort();
        Process p = launch(Map.of(), "--port", Integer.toString(port));
        BlockingQueue<String> out = lines(p);
        try {
            String banner = until(out, l -> l.contains("One line per call follows"));
            assertThat(banner).contains("page     http://127.0.0.1:" + port + "/",
                    "proxy    http://127.0.0.1:" + port + "/replicate/", "webhook  http://127.0.0.1:" + port + "/api/");

            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/replicate/models/aigw-demo/haiku/predictions"))
                    .header("X-Demo-User", "dora").header("Prefer", "wait").header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"input\":{\"prompt\":\"hi\"}}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(201);
            assertThat(r.body()).contains("\"status\":\"succeeded\"", "\" how\",\" long.\"");

            String line = until(out, l -> l.contains("/models/aigw-demo/haiku/predictions"));
            assertThat(line).contains("dora", "POST", "201", "MISS", "succeeded", "log=", "from /replicate/*");
            assertThat(line).doesNotContain("r8_");

            new ProcessBuilder("kill", "-INT", Long.toString(p.pid())).start().waitFor(); // what Ctrl-C sends
            until(out, l -> l.equals("aigw demo stopped."));
            assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).isEqualTo(130); // 128 + SIGINT, after the shutdown hook ran
        } finally {
            p.destroyForcibly();
        }
    }

    @Test
    void aBusyPortFailsWithAMessageThatSaysWhatToDo() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(Main.HOST))) {
            Process p = launch(Map.of(), "--port", Integer.toString(taken.getLocalPort()));
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.exitValue()).isEqualTo(1);
            assertThat(err).contains("cannot listen on 127.0.0.1:" + taken.getLocalPort(), "./demo --port 8081");
        }
    }

    @Test
    void halfTheRealCredentialsIsRefusedNotGuessed() throws Exception {
        Process p = launch(Map.of("AIGW_ACCOUNT_ID", "0123456789abcdef0123456789abcdef", "AIGW_GATEWAY_ID", "gw"),
                "--port", Integer.toString(freePort()));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8))
                .contains("Missing: REPLICATE_API_TOKEN");
    }

    @Test
    void aBadSettingStopsItWithAigwsOneLine() throws Exception {
        Process p = launch(Map.of("AIGW_ACCOUNT_ID", "not-hex", "AIGW_GATEWAY_ID", "gw",
                "REPLICATE_API_TOKEN", "r8_not_a_real_token"), "--port", Integer.toString(freePort()));
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(err.strip()).startsWith("aigw demo: aigw: aigw.account-id = \"not-hex\" (environment AIGW_ACCOUNT_ID)")
                .doesNotContain("\tat ").doesNotContain("r8_not_a_real_token");
    }

    @Test
    void portComesFromTheArgumentThenPortThenDefaults() {
        assertThat(Main.port(new String[0], null)).isEqualTo(8080);
        assertThat(Main.port(new String[0], "9000")).isEqualTo(9000);
        assertThat(Main.port(new String[]{"--port", "9001"}, "9000")).isEqualTo(9001);
        assertThat(Main.port(new String[]{"--port=9002"}, null)).isEqualTo(9002);
        assertThatThrownBy(() -> Main.port(new String[]{"--port", "http"}, null)).hasMessageContaining("1 to 65535");
        assertThatThrownBy(() -> Main.port(new String[]{"--verbose"}, null)).hasMessageContaining("usage: ./demo");
    }

    @Test
    void aBusyPortLeavesNothingRunning() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getByName(Main.HOST))) {
            assertThatThrownBy(() -> EmbeddedApp.start(Main.HOST, taken.getLocalPort(), uri -> Map.of()))
                    .isInstanceOf(IOException.class);
        }
        assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("samples-jetty"));
    }

    /** The launcher in its own JVM, on this test's class path, with no AIGW_ or Replicate settings but {@code env}. */
    private static Process launch(Map<String, String> env, String... args) throws IOException {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin",
                "java").toString(), "-cp", classPath, Main.class.getName()));
        command.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(command);
        pb.environment().keySet().removeIf(k -> k.startsWith("AIGW_") || k.startsWith("REPLICATE_")
                || k.startsWith("CLOUDFLARE_") || k.startsWith("CF_AIG") || k.equals("PORT"));
        pb.environment().putAll(env);
        return pb.start();
    }

    private static BlockingQueue<String> lines(Process p) {
        BlockingQueue<String> q = new LinkedBlockingQueue<>();
        Thread t = new Thread(() -> {
            try (BufferedReader in = new BufferedReader(new InputStreamReader(p.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String l; (l = in.readLine()) != null; ) {
                    q.add(l);
                }
            } catch (IOException e) {
                // the process ended
            }
        }, "demo-stdout");
        t.setDaemon(true);
        t.start();
        return q;
    }

    /** Everything printed up to and including the first line that matches (60 s at most). */
    private static String until(BlockingQueue<String> out, java.util.function.Predicate<String> match)
            throws InterruptedException {
        StringBuilder seen = new StringBuilder();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            String l = out.poll(100, TimeUnit.MILLISECONDS);
            if (l != null) {
                seen.append(l).append('\n');
                if (match.test(l)) {
                    return seen.toString();
                }
            }
        }
        throw new AssertionError("not printed; output so far:\n" + seen);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(Main.HOST))) {
            return s.getLocalPort();
        }
    }
}
