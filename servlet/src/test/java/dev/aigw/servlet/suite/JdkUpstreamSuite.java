package dev.aigw.servlet.suite;

/**
 * {@link UpstreamSuite}'s groups a second time with the JDK's HTTP client as the proxy's upstream ({@code auto}
 * takes Jetty's, which the container modules have on their class path). Subclassed, as {@link ContainerSuite} is, by
 * one class that names the container — on one Jetty (servlet's ee10) and one Tomcat (11) only: the upstream client is
 * container-independent code, and what it meets in the container (async writes, the end of a call) is the same on
 * both versions of each family; ARCHITECTURE.md RATIONALE has the reasoning.
 */
public abstract class JdkUpstreamSuite extends UpstreamSuite {
    @Override
    protected final String upstream() {
        return "jdk";
    }
}
