package dev.aigw.servlet.suite;

/** Every test of the shared suite; a container's test class extends {@link ContainerSuite} and implements this. */
public interface AllSuiteTests extends ContextTests, WebhookTests, ProxyTests, WarDropInTests, BadInputTests, SecurityTests, ExhaustionTests {
}
