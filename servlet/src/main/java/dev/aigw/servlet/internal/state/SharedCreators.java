package dev.aigw.servlet.internal.state;

import dev.aigw.CallOptions;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.internal.GatewayHeaders;

import java.time.Duration;
import java.util.Map;

/**
 * Who created each prediction, on a shared engine: {@code aigw:creator:<id>} holds the metadata the creating call
 * sent to the gateway (as the {@code cf-aig-metadata} JSON), for {@code ttl}. The instance that created the
 * prediction writes it; whichever instance receives the webhook reads it. A write that fails is retried.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class SharedCreators {
    private static final String PREFIX = "aigw:creator:";

    private final StateEngine engine;
    private final Duration ttl;

    public SharedCreators(StateEngine engine, Duration ttl) {
        this.engine = engine;
        this.ttl = ttl;
    }

    public void remember(String id, Map<String, Object> metadata) {
        engine.putOrRetry("remember the creator of " + id, PREFIX + id, GatewayHeaders.metadataJson(metadata), ttl);
    }

    /**
     * The creating call's metadata, or null when not known.
     *
     * @throws StateUnavailableException when the engine cannot be asked
     */
    public Map<String, Object> find(String id) throws StateUnavailableException {
        String json = engine.tryGet(PREFIX + id);
        if (json == null) {
            return null;
        }
        try {
            // core's reader of the metadata option (the key named like the aigw.metadata setting) parses it back
            return CallOptions.fromSettings(k -> k.endsWith(".metadata") ? json : null).metadata();
        } catch (GatewayConfigurationException e) {
            return null; // not written by aigw
        }
    }
}
