package dev.aigw.servlet.internal.proxy;

import java.util.Locale;

/**
 * Which headers of a trusted proxy are believed ({@code aigw.proxy.trusted-headers}): the ones the proxy in front
 * writes. {@link #ANY} reads both and, when their client addresses disagree, counts the trusted proxy itself; when
 * they name the public scheme or host differently, takes that field from the request as the container sees it.
 *
 * <p>Internal: not API, may change in any release.
 */
public enum TrustedHeaders {
    /** RFC 7239's {@code Forwarded} only. */
    FORWARDED("Forwarded"),
    /** {@code X-Forwarded-For}, {@code -Proto}, {@code -Host}, {@code -Port} and {@code -Prefix} only. */
    X_FORWARDED("X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Port, X-Forwarded-Prefix"),
    /** Both. */
    ANY("Forwarded, X-Forwarded-Host, X-Forwarded-Proto, X-Forwarded-Port, X-Forwarded-Prefix");

    /** The believed headers that can change the public origin, as a {@code Vary} list. */
    final String origin;

    TrustedHeaders(String origin) {
        this.origin = origin;
    }

    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "forwarded (RFC 7239's Forwarded only), x-forwarded "
            + "(X-Forwarded-For, -Proto, -Host, -Port, -Prefix only) or any (both; when their client addresses "
            + "disagree, the trusted proxy's own address counts; when they name the scheme or host differently, the "
            + "request's own does)";

    /** @throws IllegalArgumentException when {@code value} is none of {@link #ALLOWED} */
    public static TrustedHeaders parse(String value) {
        return switch (value == null ? "" : value.strip().toLowerCase(Locale.ROOT)) {
            case "forwarded" -> FORWARDED;
            case "x-forwarded" -> X_FORWARDED;
            case "any" -> ANY;
            default -> throw new IllegalArgumentException("not one of forwarded, x-forwarded, any");
        };
    }
}
