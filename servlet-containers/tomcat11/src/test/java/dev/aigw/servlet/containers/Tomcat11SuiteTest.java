package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.ContainerSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The shared suite on Tomcat 11 (Servlet 6.1). */
class Tomcat11SuiteTest extends ContainerSuite {
    @Override
    protected ServletContainer container() {
        return new TomcatContainer("tomcat-11");
    }
}
