package dev.aigw.samples;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.IOException;
import java.security.Principal;
import java.util.regex.Pattern;

/**
 * A stand-in for your application's real login, so that "who made the call" has an answer: the user named by the
 * {@value #COOKIE} cookie (the page's user picker sets it) or the {@value #HEADER} header (for curl) becomes the
 * request's principal. aigw's request-context filter, which runs after this one, then tags every gateway call the
 * request makes with {@code user_id=<name>}, and the proxy lets only signed-in users through.
 *
 * <p>Anyone can claim any name here: never use this outside a demo on localhost.
 */
public final class SignIn implements Filter {
    public static final String COOKIE = "aigw-demo-user";
    public static final String HEADER = "X-Demo-User";
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]{1,32}");

    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        String user = request instanceof HttpServletRequest http ? user(http) : null;
        chain.doFilter(user == null ? request : signedIn((HttpServletRequest) request, user), response);
    }

    private static String user(HttpServletRequest request) {
        String name = request.getHeader(HEADER);
        if (name == null && request.getCookies() != null) {
            for (Cookie c : request.getCookies()) {
                if (COOKIE.equals(c.getName())) {
                    name = c.getValue();
                }
            }
        }
        return name != null && NAME.matcher(name).matches() ? name : null;
    }

    private static HttpServletRequest signedIn(HttpServletRequest request, String user) {
        Principal principal = () -> user;
        return new HttpServletRequestWrapper(request) {
            @Override
            public Principal getUserPrincipal() {
                return principal;
            }

            @Override
            public String getRemoteUser() {
                return user;
            }

            @Override
            public String getAuthType() {
                return "DEMO";
            }
        };
    }
}
