package dev.aigw.jaxrs.it;

/** Which client stack this run of the shared suite is on (set by each test module's surefire configuration). */
final class Stack {
    static final String NAME = System.getProperty("it.stack", "unknown");

    private Stack() {
    }

    static boolean jersey() {
        return NAME.startsWith("jersey");
    }

    static boolean resteasy() {
        return NAME.equals("resteasy");
    }

    static boolean cxf() {
        return NAME.equals("cxf");
    }

    /** aigw is active in a client that never registered it (Jersey auto-discovery, RESTEasy built-ins, CXF bus). */
    static boolean activatesWithoutRegistration() {
        return jersey() || resteasy() || cxf();
    }

    /**
     * A transport failure reaches aigw as it happens, with its cause (Jersey's PostInvocationInterceptor, RESTEasy's
     * engine called from aigw's last request filter, CXF's fault chain).
     */
    static boolean reportsTransportFailures() {
        return jersey() || resteasy() || cxf();
    }

    /**
     * A typed read that fails with a {@code WebApplicationException} leaves the error response unread and open in
     * the exception (CXF, Jersey's MicroProfile client): it is recorded when the caller closes it, or when collected.
     */
    static boolean leavesErrorResponsesOpen() {
        return cxf() || NAME.equals("mp-jersey");
    }

    /**
     * The calling thread's context reaches rx calls without a propagating executor. CXF's {@code rx()} hands the whole
     * invocation to an executor before any provider, interceptor or bus extension runs (its async() calls run the
     * request side on the calling thread, and are tagged on every stack).
     */
    static boolean carriesCallerContextToRxCalls() {
        return jersey() || resteasy();
    }
}
