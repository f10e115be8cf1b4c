package dev.aigw.servlet;

import dev.aigw.servlet.suite.ContainerSuite;
import dev.aigw.servlet.suite.JettyEe10Container;
import dev.aigw.servlet.suite.ServletContainer;

/** The shared suite on Jetty 12.1 ee10 (Servlet 6.0, the API this module compiles against). */
class JettyEe10SuiteTest extends ContainerSuite {
    @Override
    protected ServletContainer container() {
        return new JettyEe10Container();
    }
}
