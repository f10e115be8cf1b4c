package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.BodyReadFailures;
import dev.aigw.servlet.suite.ServletContainer;

import java.time.Duration;

/** A failed body read on Tomcat 10.1, whose read timeout is the connector's connectionTimeout. */
class Tomcat10BodyReadFailuresTest extends BodyReadFailures {
    @Override
    protected ServletContainer container(Duration readTimeout) {
        return new TomcatContainer("tomcat-10.1").connectionTimeout(readTimeout);
    }

    @Override
    protected boolean answersAfterReadTimeout(String chain) {
        return false; // its own 408 page read blocking; read async, the connection closed
    }
}
