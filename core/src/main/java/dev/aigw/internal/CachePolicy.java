package dev.aigw.internal;

import dev.aigw.Provider;

/**
 * Which provider calls must never be answered from the gateway cache. For Replicate: reading a
 * prediction, training or file, any list, and cancel. A poll answered from cache would report a
 * stale {@code starting} status until the TTL ran out, and a cached cancel would cancel nothing.
 */
public final class CachePolicy {
    private CachePolicy() {
    }

    /** True when the call should carry {@code cf-aig-skip-cache: true} unless the caller decided. */
    public static boolean mustSkipCache(Provider provider, String method, String rest) {
        if (!"replicate".equals(provider.slug())) {
            return false;
        }
        String path = rest;
        int q = path.indexOf('?');
        if (q >= 0) {
            path = path.substring(0, q);
        }
        while (path.endsWith("/")) {
            path = path.substring(0, path.length() - 1);
        }
        if ("POST".equalsIgnoreCase(method)) {
            return path.endsWith("/cancel");
        }
        boolean read = "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method);
        boolean query = "QUERY".equalsIgnoreCase(method); // models.search: a paginated list
        if (!read && !query) {
            return false;
        }
        String[] seg = path.startsWith("/") ? path.substring(1).split("/", -1) : path.split("/", -1);
        String first = seg.length == 0 ? "" : seg[0];
        if (query) {
            return "models".equals(first) && seg.length == 1;
        }
        switch (first) {
            case "predictions":
            case "trainings":
            case "files":
                return true; // reads and lists of things whose state changes
            case "models":
                // /models (list), /models/{o}/{n}/versions, /models/{o}/{n}/examples
                return seg.length == 1 || (seg.length == 4 && ("versions".equals(seg[3]) || "examples".equals(seg[3])));
            case "collections":
            case "deployments":
            case "hardware":
                return seg.length == 1; // lists
            default:
                return false;
        }
    }
}
