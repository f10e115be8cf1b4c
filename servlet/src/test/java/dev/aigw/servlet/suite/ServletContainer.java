package dev.aigw.servlet.suite;

import jakarta.servlet.ServletContainerInitializer;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** One embedded servlet container on 127.0.0.1, as the shared suite needs it. One small class per container. */
public interface ServletContainer extends AutoCloseable {
    /**
     * The worker threads every container of the suite serves requests with ({@link #start}): few, so that clients
     * each holding one would leave none for anybody else (ExhaustionTests).
     */
    int WORKERS = 16;

    /**
     * Starts a web application at {@code contextPath} set up by {@code app} (called like any
     * {@link ServletContainerInitializer}) with these context init-params; returns its base URI (with the context
     * path, no trailing slash).
     */
    URI start(String contextPath, Map<String, String> initParams, ServletContainerInitializer app) throws Exception;

    /**
     * Deploys an exploded WAR directory with the container's own scanning of {@code WEB-INF/lib} (no initializer of
     * ours is passed in); returns its base URI. Containers that cannot deploy WARs return {@code null}.
     */
    default URI deployWar(String contextPath, Path explodedWar) throws Exception {
        return null;
    }

    String name();

    /** Worker threads running a task right now (not the container's selectors and acceptors); -1 if unknown. */
    default int busyWorkers() {
        return -1;
    }

    @Override
    void close() throws Exception;
}
