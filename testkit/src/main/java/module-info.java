/**
 * Fakes of Replicate's API and Cloudflare AI Gateway on loopback, for tests: {@code FakeReplicate}, {@code FakeGateway}
 * and the JUnit 5 {@code TestkitExtension}. Written from the specs, never from aigw's core.
 */
module dev.aigw.testkit {
    requires org.eclipse.jetty.server;
    requires org.eclipse.jetty.client;
    requires org.eclipse.jetty.http;
    requires org.eclipse.jetty.io;
    requires org.eclipse.jetty.util;
    requires com.fasterxml.jackson.databind;
    requires static transitive org.junit.jupiter.api; // TestkitExtension: for JUnit users only

    exports dev.aigw.testkit;
}
