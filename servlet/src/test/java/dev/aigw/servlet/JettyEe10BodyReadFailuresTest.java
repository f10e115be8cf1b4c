package dev.aigw.servlet;

import dev.aigw.servlet.suite.BodyReadFailures;
import dev.aigw.servlet.suite.JettyEe10Container;
import dev.aigw.servlet.suite.ServletContainer;

import java.time.Duration;

/** A failed body read on Jetty 12.1 ee10, whose read timeout is the connector's idle timeout. */
class JettyEe10BodyReadFailuresTest extends BodyReadFailures {
    @Override
    protected ServletContainer container(Duration readTimeout) {
        return new JettyEe10Container().idleTimeout(readTimeout);
    }
}
