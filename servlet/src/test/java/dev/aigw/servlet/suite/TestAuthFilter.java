package dev.aigw.servlet.suite;

import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.Principal;
import java.util.Arrays;
import java.util.Set;

/**
 * The test application's "security": {@code X-Test-User} (or {@code X-Test-User-Escaped}, percent-encoded UTF-8, for
 * names that containers would decode differently as header bytes) becomes the principal and {@code X-Test-Roles} its roles,
 * seen by everything after it through the standard servlet API, the same on every container.
 */
public final class TestAuthFilter implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
            throws IOException, ServletException {
        HttpServletRequest http = (HttpServletRequest) request;
        String escaped = http.getHeader("X-Test-User-Escaped"); // UTF-8, percent-encoded: one name on every container
        String user = escaped != null ? URLDecoder.decode(escaped, StandardCharsets.UTF_8)
                : http.getHeader("X-Test-User");
        if (user == null) {
            chain.doFilter(request, response);
            return;
        }
        String roles = http.getHeader("X-Test-Roles");
        Set<String> roleSet = roles == null ? Set.of() : Set.copyOf(Arrays.asList(roles.split(",")));
        chain.doFilter(new HttpServletRequestWrapper(http) {
            @Override
            public Principal getUserPrincipal() {
                return () -> user;
            }

            @Override
            public String getRemoteUser() {
                return user;
            }

            @Override
            public boolean isUserInRole(String role) {
                return roleSet.contains(role);
            }
        }, response);
    }
}
