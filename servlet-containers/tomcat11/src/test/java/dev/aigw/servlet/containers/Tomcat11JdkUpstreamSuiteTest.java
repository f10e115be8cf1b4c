package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.ContainerSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The shared suite on Tomcat 11 with the JDK's HTTP client upstream ({@code auto} takes Jetty's). */
class Tomcat11JdkUpstreamSuiteTest extends ContainerSuite {
    @Override
    protected ServletContainer container() {
        return new TomcatContainer("tomcat-11");
    }

    @Override
    protected String upstream() {
        return "jdk";
    }
}
