package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.ContainerSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The shared suite on Jetty 12.1 ee11 (Servlet 6.1). */
class JettyEe11SuiteTest extends ContainerSuite {
    @Override
    protected ServletContainer container() {
        return new JettyEe11Container();
    }
}
