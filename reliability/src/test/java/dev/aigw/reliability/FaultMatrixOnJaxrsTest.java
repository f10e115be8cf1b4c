package dev.aigw.reliability;

import java.util.List;

/** The fault matrix on the JAX-RS client (Jersey's default connector). */
class FaultMatrixOnJaxrsTest extends FaultMatrix {
    @Override
    List<PathKind> paths() {
        return List.of(PathKind.JAXRS);
    }
}
