package dev.aigw.jaxrs.internal;

import jakarta.annotation.Priority;
import jakarta.ws.rs.ConstrainedTo;
import jakarta.ws.rs.RuntimeType;
import jakarta.ws.rs.client.ClientRequestContext;
import jakarta.ws.rs.client.ClientRequestFilter;
import jakarta.ws.rs.ext.Provider;

/**
 * RESTEasy's last request filter: a call routed by aigw is sent from here, through the client's own engine
 * ({@link ResteasySend}), so that a failed send is seen as it happens. RESTEasy passes a failure from its engine
 * straight to the caller; no filter, interceptor or SPI sees it otherwise. Every other request passes untouched.
 *
 * <p>A built-in provider ({@code META-INF/services/jakarta.ws.rs.ext.Providers}), so it is in every RESTEasy
 * client; {@code AigwFeature} registers it where it is not. It names no RESTEasy type, so that a RESTEasy server
 * without the client, which reads the same service file, can load it.
 *
 * <p>Internal: not API, may change in any release.
 */
@Provider
@ConstrainedTo(RuntimeType.CLIENT)
@Priority(Integer.MAX_VALUE)
public final class ResteasyTransport implements ClientRequestFilter {

    @Override
    public void filter(ClientRequestContext request) {
        if (request.getProperty(AigwFilter.CALL) instanceof AigwFilter.Call call && call.exchange.viaGateway()
                && !call.exchange.isFinished()) {
            ResteasySend.send(request, call); // not on a direct resend: RESTEasy sends that as usual
        }
    }
}
