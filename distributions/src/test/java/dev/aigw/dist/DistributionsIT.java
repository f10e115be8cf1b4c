package dev.aigw.dist;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The drop-in scenario ({@link DropInScenario}) on each standalone distribution the build unpacked. Tomcat 10.1,
 * Jetty ee10 and Jetty without annotations run on the build's JDK (17); Tomcat 11 and Jetty ee11 on the newest JDK
 * installed ({@code -Ddist.java.latest=<JAVA_HOME>}, default Temurin 25 where present), so that both JDK lines are
 * covered.
 */
class DistributionsIT {
    private static final Path WORK = Path.of(System.getProperty("dist.work", "target/runs"));
    private static final Path JDK = Path.of(System.getProperty("java.home"));
    private static final Path LATEST = latestJdk();

    @Test
    void tomcat10() throws Exception {
        DropInScenario.run(new Tomcat("tomcat10", dist("dist.tomcat10"), WORK, JDK), "initializer");
    }

    @Test
    void tomcat11() throws Exception {
        DropInScenario.run(new Tomcat("tomcat11", dist("dist.tomcat11"), WORK, LATEST), "initializer");
    }

    @Test
    void jettyEe10() throws Exception {
        DropInScenario.run(new Jetty("jetty-ee10", dist("dist.jetty"), WORK, JDK, "ee10", true), "initializer");
    }

    @Test
    void jettyEe11() throws Exception {
        DropInScenario.run(new Jetty("jetty-ee11", dist("dist.jetty"), WORK, LATEST, "ee11", true), "initializer");
    }

    /** No annotations module: Jetty runs no initializer; aigw's web-fragment listener installs the filters. */
    @Test
    void jettyEe10WithoutAnnotations() throws Exception {
        DropInScenario.run(new Jetty("jetty-ee10-plain", dist("dist.jetty"), WORK, JDK, "ee10", false), "listener");
    }

    private static Path dist(String property) {
        String p = System.getProperty(property);
        if (p == null) {
            throw new IllegalStateException(property + " is not set: run through Maven (failsafe sets it)");
        }
        return Path.of(p);
    }

    private static Path latestJdk() {
        String configured = System.getProperty("dist.java.latest");
        Path p = Path.of(configured != null ? configured : "/usr/lib/jvm/temurin-25-jdk-amd64");
        return Files.isExecutable(p.resolve("bin/java")) ? p : JDK;
    }
}
