package dev.aigw.reliability;

import java.util.List;

/** The fault matrix on the proxy in Jetty 12 ee10 with the JDK's upstream client. */
class FaultMatrixOnJettyJdkTest extends FaultMatrix {
    @Override
    List<PathKind> paths() {
        return List.of(PathKind.PROXY_JDK);
    }
}
