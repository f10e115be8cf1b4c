package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.AllSuiteTests;
import dev.aigw.servlet.suite.ContainerSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The shared suite on Jetty 12.1 ee11 (Servlet 6.1). */
class JettyEe11SuiteTest extends ContainerSuite implements AllSuiteTests {
    @Override
    protected ServletContainer container() {
        return new JettyEe11Container();
    }
}
