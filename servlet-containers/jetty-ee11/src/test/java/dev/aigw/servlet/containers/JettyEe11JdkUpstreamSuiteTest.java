package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.ContainerSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The shared suite on Jetty 12.1 ee11 with the JDK's HTTP client upstream ({@code auto} takes Jetty's). */
class JettyEe11JdkUpstreamSuiteTest extends ContainerSuite {
    @Override
    protected ServletContainer container() {
        return new JettyEe11Container();
    }

    @Override
    protected String upstream() {
        return "jdk";
    }
}
