package dev.aigw.internal;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * aigw's version (written into {@code version.properties} by the build) and its {@code User-Agent} product token.
 *
 * <p>Internal: not API, may change in any release.
 */
public final class Version {
    /** e.g. {@code 0.1.0}; {@code unknown} when the resource is missing (a repackaged jar). */
    public static final String VERSION = read();
    /** {@code aigw/<version>}: a product token (RFC 9110 §10.1.5), so gateway logs can be filtered by it. */
    public static final String PRODUCT = "aigw/" + VERSION;
    private static final String SUFFIX = " " + PRODUCT;

    /** The last caller's agent and its answer: a client sends the same one call after call (racy reads are benign). */
    private static volatile Agent last = new Agent("", PRODUCT);

    private record Agent(String callers, String ours) {
    }

    private Version() {
    }

    /** {@code callersAgent} with {@link #PRODUCT} appended; the product alone when there is none; unchanged when it already ends so. */
    public static String userAgent(String callersAgent) {
        if (callersAgent == null || callersAgent.isBlank()) {
            return PRODUCT;
        }
        Agent l = last;
        if (l.callers.equals(callersAgent)) {
            return l.ours;
        }
        String a = callersAgent.strip();
        // already ours (a resend, a second registration): never twice
        String ours = a.equals(PRODUCT) || a.endsWith(SUFFIX) ? a : a.concat(SUFFIX);
        last = new Agent(callersAgent, ours);
        return ours;
    }

    private static String read() {
        try (InputStream in = Version.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version", "unknown").strip();
            // a product-version is a token: keep what is allowed, so a strange build cannot break the header
            return v.isEmpty() || v.startsWith("${") || !v.matches("[A-Za-z0-9.+_-]{1,64}") ? "unknown" : v;
        } catch (IOException e) {
            return "unknown";
        }
    }
}
