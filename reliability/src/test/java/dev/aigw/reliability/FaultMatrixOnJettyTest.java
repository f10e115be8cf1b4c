package dev.aigw.reliability;

import java.util.List;

/** The fault matrix on the JAX-RS client and on the proxy in Jetty 12 ee10, with each upstream client. */
class FaultMatrixOnJettyTest extends FaultMatrix {
    @Override
    List<PathKind> paths() {
        return List.of(PathKind.JAXRS, PathKind.PROXY, PathKind.PROXY_JDK);
    }
}
