package dev.aigw.servlet.suite;

/**
 * The tests of the shared suite whose calls go through the proxy's upstream client: a container's test class for its
 * second upstream ({@code jdk} where {@code auto} takes Jetty's client) extends {@link ContainerSuite} and implements
 * this, so that every container runs everything the upstream carries with both clients.
 */
public interface UpstreamSuiteTests extends ProxyTests, BadInputTests, SecurityTests, ExhaustionTests {
}
