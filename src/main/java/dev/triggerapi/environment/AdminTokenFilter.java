package dev.triggerapi.environment;

import java.io.IOException;
import java.security.MessageDigest;
import java.security.Principal;

import dev.triggerapi.api.BearerToken;
import dev.triggerapi.api.JsonErrorWriter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The admin token ({@code ADMIN_TOKEN}) guards {@code /admin/**} (401 without it, 404 while it is not configured)
 * and authorizes the actuator's health details: a request carrying it gets an authenticated principal, which is
 * what {@code management.endpoint.health.show-details: when-authorized} checks when Spring Security is absent.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class AdminTokenFilter extends OncePerRequestFilter {

    static final Principal ADMIN = () -> "admin";

    private final byte[] tokenHash;
    private final JsonErrorWriter errors;

    AdminTokenFilter(AdminProperties settings, JsonErrorWriter errors) {
        this.tokenHash = settings.token().isBlank() ? null : SecretHashing.sha256(settings.token());
        this.errors = errors;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = path(request);
        return !(path.startsWith("/admin/") || path.equals("/admin") || path.startsWith("/actuator"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        boolean admin = isAdmin(BearerToken.from(request));
        if (path(request).startsWith("/actuator")) {
            chain.doFilter(admin ? authenticated(request) : request, response);
            return;
        }
        if (tokenHash == null) {
            errors.write(response, HttpStatus.NOT_FOUND, "The admin API is disabled: set ADMIN_TOKEN to enable it");
            return;
        }
        if (!admin) {
            errors.write(response, HttpStatus.UNAUTHORIZED, "Invalid or missing admin token");
            return;
        }
        chain.doFilter(authenticated(request), response);
    }

    private boolean isAdmin(String token) {
        // Hashing both sides makes the comparison constant-time whatever the lengths.
        return tokenHash != null && token != null && !token.isEmpty()
                && MessageDigest.isEqual(tokenHash, SecretHashing.sha256(token));
    }

    private static String path(HttpServletRequest request) {
        return request.getRequestURI().substring(request.getContextPath().length());
    }

    private static HttpServletRequest authenticated(HttpServletRequest request) {
        return new HttpServletRequestWrapper(request) {
            @Override
            public Principal getUserPrincipal() {
                return ADMIN;
            }

            @Override
            public boolean isUserInRole(String role) {
                return "ADMIN".equals(role);
            }
        };
    }
}
