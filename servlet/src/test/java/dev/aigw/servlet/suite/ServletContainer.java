package dev.aigw.servlet.suite;

import jakarta.servlet.ServletContainerInitializer;

import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** One embedded servlet container on 127.0.0.1, as the shared suite needs it. One small class per container. */
public interface ServletContainer extends AutoCloseable {
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

    @Override
    void close() throws Exception;
}
