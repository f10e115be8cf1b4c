package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.JdkUpstreamSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The suite's upstream tests on Tomcat 11 with the JDK's HTTP client upstream. */
class Tomcat11JdkUpstreamSuiteTest extends JdkUpstreamSuite {
    @Override
    protected ServletContainer container() {
        return new TomcatContainer("tomcat-11");
    }
}
