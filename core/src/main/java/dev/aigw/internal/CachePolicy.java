package dev.aigw.internal;

import dev.aigw.Provider;

/**
 * Which provider calls must never be answered from the gateway cache. For Replicate: reading a
 * prediction, training or file, any list, and cancel. A poll answered from cache would report a
 * stale {@code starting} status until the TTL ran out, and a cached cancel would cancel nothing.
 *
 * <p>Runs on every call, so it walks the path in place instead of splitting it.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class CachePolicy {
    private CachePolicy() {
    }

    /**
     * True when the call should carry {@code cf-aig-skip-cache: true} unless the caller decided.
     *
     * @param rest the path after the provider prefix in normal form ({@link dev.aigw.Route#rest()}), without query,
     *             e.g. {@code /predictions/abc}
     */
    public static boolean mustSkipCache(Provider provider, String method, String rest) {
        if (provider != Provider.REPLICATE && !"replicate".equals(provider.slug())) {
            return false;
        }
        int end = rest.length();
        while (end > 0 && rest.charAt(end - 1) == '/') {
            end--; // "/predictions/" is "/predictions"
        }
        int start = end > 0 && rest.charAt(0) == '/' ? 1 : 0;
        if ("POST".equalsIgnoreCase(method)) {
            return end >= 7 && rest.startsWith("/cancel", end - 7);
        }
        boolean read = "GET".equalsIgnoreCase(method) || "HEAD".equalsIgnoreCase(method);
        boolean query = "QUERY".equalsIgnoreCase(method); // models.search: a paginated list
        if (!read && !query) {
            return false;
        }
        int segments = 0;
        int firstEnd = end;
        int fourthStart = -1;
        for (int i = start; i <= end; i++) {
            if (i == end || rest.charAt(i) == '/') {
                segments++;
                if (segments == 1) {
                    firstEnd = i;
                } else if (segments == 3) {
                    fourthStart = i + 1;
                }
            }
        }
        if (start >= end) {
            return false; // the API root
        }
        String first = rest.substring(start, firstEnd);
        if (query) {
            return segments == 1 && first.equals("models");
        }
        switch (first) {
            case "predictions":
            case "trainings":
            case "files":
                return true; // reads and lists of things whose state changes
            case "models":
                // /models (list), /models/{o}/{n}/versions, /models/{o}/{n}/examples
                if (segments == 1) {
                    return true;
                }
                if (segments == 4) {
                    String fourth = rest.substring(fourthStart, end);
                    return fourth.equals("versions") || fourth.equals("examples");
                }
                return false;
            case "collections":
            case "deployments":
            case "hardware":
                return segments == 1; // lists
            default:
                return false;
        }
    }
}
