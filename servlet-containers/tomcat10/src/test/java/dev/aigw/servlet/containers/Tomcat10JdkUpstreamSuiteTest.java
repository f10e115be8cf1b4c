package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.UpstreamSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The suite's upstream tests on Tomcat 10.1 with the JDK's HTTP client upstream ({@code auto} takes Jetty's). */
class Tomcat10JdkUpstreamSuiteTest extends UpstreamSuite {
    @Override
    protected ServletContainer container() {
        return new TomcatContainer("tomcat-10.1");
    }

    @Override
    protected String upstream() {
        return "jdk";
    }
}
