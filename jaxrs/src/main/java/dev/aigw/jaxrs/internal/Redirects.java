package dev.aigw.jaxrs.internal;

import jakarta.ws.rs.ProcessingException;

/**
 * A routed call follows no redirect. Clients that follow one send the request's headers again to wherever it points,
 * another host included — {@code cf-aig-authorization} and the {@code cf-aig-*} metadata among them (the JDK's
 * {@code HttpURLConnection} drops only {@code Authorization}; Apache HttpClient and CXF drop nothing). Replicate's API
 * does not redirect, so a routed call loses nothing. Each stack turns following off for the one request where it can
 * ({@link JerseyHooks}, {@link CxfBusExtension}); where following is a client-wide setting that is on or unknown
 * (RESTEasy's engines: {@link ResteasySend}; two of Jersey's connectors) the call is refused before it is sent.
 *
 * <p>Internal: not API, may change in any release.
 */
final class Redirects {
    private Redirects() {
    }

    /** Records the refusal of {@code call}, to be thrown: {@code what} follows redirects, {@code fix} says how to stop it. */
    static ProcessingException refusal(AigwFilter.Call call, String what, String fix) {
        ProcessingException refused = new ProcessingException("aigw: " + what + ": it would send the gateway headers, "
                + "cf-aig-authorization among them, to wherever a redirect points, so this call to the gateway is "
                + "refused. " + fix + " (Replicate's API does not redirect)");
        call.exchange.fail(refused);
        return refused;
    }
}
