package dev.aigw.dist.app;

/**
 * One instance per class loader of this application, held by a static field: a heap histogram that still counts one
 * after the application was undeployed shows that its class loader leaked.
 */
public final class LoaderMarker {
    static final LoaderMarker INSTANCE = new LoaderMarker();

    private LoaderMarker() {
    }
}
