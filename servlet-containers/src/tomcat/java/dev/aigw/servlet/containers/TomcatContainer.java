package dev.aigw.servlet.containers;

import dev.aigw.servlet.suite.ServletContainer;
import jakarta.servlet.ServletContainerInitializer;
import org.apache.catalina.Context;
import org.apache.catalina.connector.Connector;
import org.apache.catalina.startup.Tomcat;
import org.apache.coyote.http2.Http2Protocol;
import org.apache.tomcat.util.scan.StandardJarScanner;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.stream.Stream;

/** Embedded Tomcat (10.1 or 11, whichever is on the class path) on 127.0.0.1. */
public final class TomcatContainer implements ServletContainer {
    private final String name;
    private Tomcat tomcat;
    private Path base;
    private java.time.Duration connectionTimeout;

    public TomcatContainer(String name) {
        this.name = name;
    }

    /** The connector's connectionTimeout, which also fails a blocking read that waits longer (embedded: 60 s). */
    public TomcatContainer connectionTimeout(java.time.Duration timeout) {
        this.connectionTimeout = timeout;
        return this;
    }

    private Connector boot() throws IOException {
        base = Files.createTempDirectory("aigw-tomcat");
        tomcat = new Tomcat();
        tomcat.setBaseDir(base.toString());
        Connector connector = new Connector();
        connector.setPort(0);
        connector.setProperty("address", "127.0.0.1");
        connector.setProperty("maxThreads", Integer.toString(WORKERS)); // its poller and acceptor are not workers
        connector.setProperty("minSpareThreads", "4");
        if (connectionTimeout != null) {
            connector.setProperty("connectionTimeout", Long.toString(connectionTimeout.toMillis()));
        }
        connector.addUpgradeProtocol(new Http2Protocol()); // cleartext HTTP/2 (h2c) besides HTTP/1.1
        tomcat.getService().addConnector(connector);
        tomcat.setConnector(connector);
        return connector;
    }

    @Override
    public URI start(String contextPath, Map<String, String> initParams, ServletContainerInitializer app)
            throws Exception {
        Connector connector = boot();
        Path docBase = Files.createDirectories(base.resolve("docbase"));
        Context ctx = tomcat.addContext(contextPath, docBase.toString());
        initParams.forEach(ctx::addParameter);
        ctx.addServletContainerInitializer(app, null);
        tomcat.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + contextPath);
    }

    @Override
    public URI deployWar(String contextPath, Path explodedWar) throws Exception {
        Connector connector = boot();
        Context ctx = tomcat.addWebapp(contextPath, explodedWar.toAbsolutePath().toString());
        if (ctx.getJarScanner() instanceof StandardJarScanner s) {
            s.setScanClassPath(false); // only WEB-INF/lib, as in a real deployment
        }
        tomcat.start();
        return URI.create("http://127.0.0.1:" + connector.getLocalPort() + contextPath);
    }

    @Override
    public int busyWorkers() {
        return tomcat != null && tomcat.getConnector().getProtocolHandler().getExecutor()
                instanceof org.apache.tomcat.util.threads.ThreadPoolExecutor e ? e.getActiveCount() : -1;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        if (base != null) {
            try (Stream<Path> s = Files.walk(base)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
