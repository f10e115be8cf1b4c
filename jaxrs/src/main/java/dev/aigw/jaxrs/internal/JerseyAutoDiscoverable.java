package dev.aigw.jaxrs.internal;

import dev.aigw.jaxrs.AigwFeature;

import jakarta.annotation.Priority;
import jakarta.ws.rs.ConstrainedTo;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.core.FeatureContext;
import org.glassfish.jersey.internal.spi.AutoDiscoverable;

/**
 * Registers {@link AigwFeature} in every Jersey client. The feature stays inert unless aigw is
 * configured (client {@code aigw.*} properties, system properties or environment). Being a plain
 * (not forced) auto-discoverable, Jersey skips it when
 * {@code jersey.config.disableAutoDiscovery[.client]} is true.
 *
 * <p>Internal: not API, may change in any release.
 */
@ConstrainedTo(RuntimeType.CLIENT)
@Priority(AutoDiscoverable.DEFAULT_PRIORITY)
public final class JerseyAutoDiscoverable implements AutoDiscoverable {
    @Override
    public void configure(FeatureContext context) {
        if (context.getConfiguration().getRuntimeType() != RuntimeType.CLIENT
                || context.getConfiguration().isRegistered(AigwFeature.class)) {
            return; // server side, or the application registered aigw itself (maybe with its own Gateway)
        }
        context.register(new AigwFeature());
    }
}
