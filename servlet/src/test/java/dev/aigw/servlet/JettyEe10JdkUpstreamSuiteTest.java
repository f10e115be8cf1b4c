package dev.aigw.servlet;

import dev.aigw.servlet.suite.JdkUpstreamSuite;
import dev.aigw.servlet.suite.JettyEe10Container;
import dev.aigw.servlet.suite.ServletContainer;

/** The suite's upstream tests on Jetty 12.1 ee10 with the JDK's HTTP client upstream. */
class JettyEe10JdkUpstreamSuiteTest extends JdkUpstreamSuite {
    @Override
    protected ServletContainer container() {
        return new JettyEe10Container();
    }
}
