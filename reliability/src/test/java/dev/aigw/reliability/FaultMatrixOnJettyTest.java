package dev.aigw.reliability;

import java.util.List;

/** The fault matrix on the proxy in Jetty 12 ee10 with Jetty's upstream client. */
class FaultMatrixOnJettyTest extends FaultMatrix {
    @Override
    List<PathKind> paths() {
        return List.of(PathKind.PROXY);
    }
}
