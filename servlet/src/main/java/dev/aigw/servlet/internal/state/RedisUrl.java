package dev.aigw.servlet.internal.state;

import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * {@code redis://[[user]:password@]host[:port][/database]} or {@code rediss://...} (TLS), as
 * {@code aigw.state.redis-url} takes it. {@link #toString()} never shows the password.
 *
 * <p>Internal: not API, may change in any release.
 */
public record RedisUrl(boolean tls, String host, int port, int database, String user, String password) {
    /** What {@link #parse} accepts, for error messages. */
    public static final String ALLOWED = "redis://[[user]:password@]host[:port][/database] or rediss://... for TLS "
            + "(port 1-65535, database 0-15 or more as the server allows, no query)";

    /**
     * @throws IllegalArgumentException naming what is wrong (never the password)
     */
    public static RedisUrl parse(String url) {
        URI u;
        try {
            u = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL");
        }
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException("the scheme must be redis or rediss");
        }
        if (u.getHost() == null || u.getHost().isEmpty()) {
            throw new IllegalArgumentException("no host");
        }
        if (u.getRawQuery() != null || u.getRawFragment() != null) {
            throw new IllegalArgumentException("no query or fragment");
        }
        int port = u.getPort() < 0 ? 6379 : u.getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("port out of range");
        }
        int db = 0;
        String path = u.getRawPath();
        if (path != null && !path.isEmpty() && !path.equals("/")) {
            if (!path.matches("/\\d{1,5}")) {
                throw new IllegalArgumentException("the path must be a database number, e.g. /0");
            }
            db = Integer.parseInt(path.substring(1));
        }
        String user = null;
        String password = null;
        String info = u.getRawUserInfo();
        if (info != null) {
            int colon = info.indexOf(':');
            if (colon < 0) {
                password = decode(info); // redis://secret@host: the password alone (AUTH <password>)
            } else {
                user = colon == 0 ? null : decode(info.substring(0, colon));
                password = decode(info.substring(colon + 1));
            }
            if (password != null && password.isEmpty()) {
                password = null;
            }
        }
        return new RedisUrl(scheme.equals("rediss"), u.getHost(), port, db, user, password);
    }

    private static String decode(String s) {
        return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
    }

    /** The URL with the credentials masked, for logs and messages. */
    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + (user != null || password != null ? "****@" : "")
                + (host.indexOf(':') >= 0 && !host.startsWith("[") ? "[" + host + "]" : host) + ":" + port + "/"
                + database;
    }
}
