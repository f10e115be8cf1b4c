package dev.aigw.httpclient.internal;

import dev.aigw.CallOptions;
import dev.aigw.GatewayConfigurationException;
import dev.aigw.internal.GatewayHeaders;
import dev.aigw.internal.Problems;

import java.net.http.HttpHeaders;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * A request's own {@code cf-aig-*} option headers ({@code cf-aig-cache-ttl: 120},
 * {@code cf-aig-metadata: {...}}), read as the call's options: the JDK request has no properties,
 * and these are the names Cloudflare documents. Core parses and checks them exactly as it does the
 * settings of the same names ({@code aigw.cache-ttl}, ...); the exchange then writes them again in
 * canonical form, so the caller's spelling is never forwarded.
 *
 * @param options  the per-call layer, {@code null} without option headers
 * @param consumed the option header names read (lower case), to leave out of the forwarded request
 *
 * <p>Internal: not API, may change in any release.
 */
record HeaderOptions(CallOptions options, Set<String> consumed) {
    private static final HeaderOptions NONE = new HeaderOptions(null, Set.of());
    private static final String SETTING_PREFIX = "aigw.";

    /**
     * @throws GatewayConfigurationException naming the header, its value and what is allowed
     */
    static HeaderOptions read(HttpHeaders headers) {
        if (!hasGatewayHeader(headers)) {
            return NONE; // the common case: no per-call options
        }
        Set<String> consumed = new TreeSet<>();
        try {
            // Core asks for every option it knows by its setting key; the header is the same name under cf-aig-.
            CallOptions options = CallOptions.fromSettings(key -> {
                String name = headerName(key);
                List<String> values = headers.allValues(name);
                if (values.isEmpty()) {
                    return null;
                }
                consumed.add(name);
                if (values.size() > 1) {
                    throw Problems.invalid(name, String.join(", ", values), "request header",
                            "a single value; the header was set " + values.size() + " times");
                }
                return values.get(0);
            });
            return new HeaderOptions(options, Set.copyOf(consumed));
        } catch (GatewayConfigurationException e) {
            if (!e.key().startsWith(SETTING_PREFIX)) {
                throw e;
            }
            String name = headerName(e.key());
            throw Problems.invalid(name, headers.firstValue(name).orElse(null), "request header", e.allowed());
        }
    }

    private static String headerName(String settingKey) {
        return GatewayHeaders.PREFIX + settingKey.substring(SETTING_PREFIX.length());
    }

    static boolean isGatewayHeader(String name) {
        return name.regionMatches(true, 0, GatewayHeaders.PREFIX, 0, GatewayHeaders.PREFIX.length());
    }

    private static boolean hasGatewayHeader(HttpHeaders headers) {
        for (String name : headers.map().keySet()) {
            if (isGatewayHeader(name)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code name} is one of the option headers read here (any case). */
    boolean consumes(String name) {
        return !consumed.isEmpty() && consumed.contains(name.toLowerCase(Locale.ROOT));
    }
}
