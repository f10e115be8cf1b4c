package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.BodyReadFailures;
import dev.aigw.servlet.suite.ServletContainer;

import java.time.Duration;

/** A failed body read on Tomcat 11, whose read timeout is the connector's connectionTimeout. */
class Tomcat11BodyReadFailuresTest extends BodyReadFailures {
    @Override
    protected ServletContainer container(Duration readTimeout) {
        return new TomcatContainer("tomcat-11").connectionTimeout(readTimeout);
    }

    @Override
    protected boolean answersAfterReadTimeout(String chain) {
        return chain.equals("/async"); // its own 408 page read blocking
    }
}
