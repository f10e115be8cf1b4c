package dev.aigw.dist;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Jetty from its {@code jetty-home} archive, with a {@code jetty.base} of its own set up by Jetty's own
 * {@code start.jar --add-modules=...} (for one environment, ee10 or ee11, with or without its annotations module, which
 * is what runs {@code ServletContainerInitializer}s), then run by {@code start.jar} on a free loopback port with the
 * deployment scanner checking {@code webapps/} every second.
 */
final class Jetty extends Distribution {
    private final String environment;
    private final boolean annotations;

    Jetty(String name, Path home, Path work, Path javaHome, String environment, boolean annotations) throws Exception {
        super(name, home, work, javaHome);
        this.environment = environment;
        this.annotations = annotations;
    }

    @Override
    void prepare() throws Exception {
        String modules = "http," + environment + "-deploy" + (annotations ? "," + environment + "-annotations" : "");
        List<String> cmd = new ArrayList<>(List.of(javaHome.resolve("bin/java").toString(), "-jar",
                home.resolve("start.jar").toString(), "jetty.home=" + home, "jetty.base=" + base,
                "--add-modules=" + modules));
        Process p = new ProcessBuilder(cmd).directory(base.toFile()).redirectErrorStream(true)
                .redirectOutput(base.resolve("setup.log").toFile()).start();
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IllegalStateException(name + ": start.jar --add-modules=" + modules + " failed");
        }
        java.nio.file.Files.createDirectories(base.resolve("work")); // extracted WARs go here, not to /tmp
    }

    @Override
    List<String> command() {
        List<String> cmd = new ArrayList<>();
        cmd.add(javaHome.resolve("bin/java").toString());
        cmd.addAll(List.of(jvmOptions().split(" ")));
        cmd.addAll(List.of("-jar", home.resolve("start.jar").toString(), "jetty.home=" + home, "jetty.base=" + base,
                "jetty.http.host=127.0.0.1", "jetty.http.port=" + port, "jetty.deploy.scanInterval=1"));
        return cmd;
    }

    @Override
    Path deployDirectory() {
        return base.resolve("webapps");
    }
}
