package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.ContainerSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The shared suite on Tomcat 10.1 (Servlet 6.0). */
class Tomcat10SuiteTest extends ContainerSuite {
    @Override
    protected ServletContainer container() {
        return new TomcatContainer("tomcat-10.1");
    }
}
