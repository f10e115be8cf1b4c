package dev.aigw.reliability;

import java.util.List;

/** The fault matrix on the proxy in Tomcat 10.1 with Jetty's upstream client. */
class FaultMatrixOnTomcatTest extends FaultMatrix {
    @Override
    List<PathKind> paths() {
        return List.of(PathKind.PROXY_TOMCAT);
    }
}
