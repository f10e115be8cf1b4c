package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.BodyReadFailures;
import dev.aigw.servlet.suite.ServletContainer;

import java.time.Duration;

/** A failed body read on Jetty 12.1 ee11, whose read timeout is the connector's idle timeout. */
class JettyEe11BodyReadFailuresTest extends BodyReadFailures {
    @Override
    protected ServletContainer container(Duration readTimeout) {
        return new JettyEe11Container().idleTimeout(readTimeout);
    }
}
