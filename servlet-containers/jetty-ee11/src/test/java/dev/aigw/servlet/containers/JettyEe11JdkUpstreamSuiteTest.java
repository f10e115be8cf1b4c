package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.UpstreamSuite;
import dev.aigw.servlet.suite.ServletContainer;

/** The suite's upstream tests on Jetty 12.1 ee11 with the JDK's HTTP client upstream ({@code auto} takes Jetty's). */
class JettyEe11JdkUpstreamSuiteTest extends UpstreamSuite {
    @Override
    protected ServletContainer container() {
        return new JettyEe11Container();
    }

    @Override
    protected String upstream() {
        return "jdk";
    }
}
