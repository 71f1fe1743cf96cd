package dev.triggerapi.environment;

import java.io.IOException;
import java.util.Optional;

import dev.triggerapi.api.BearerToken;
import dev.triggerapi.api.JsonErrorWriter;
import dev.triggerapi.environment.WorkerTokenAuthenticator.AuthenticatedWorkerGroup;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates by path, so no endpoint can forget to: {@code /api/**} needs an environment secret key,
 * {@code /engine/**} a worker-group token. A worker token is refused on public endpoints and a secret key on
 * runner endpoints. Failures are a 401 JSON error before any controller runs.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class AuthenticationFilter extends OncePerRequestFilter {

    static final String WORKER_ENVIRONMENT_HEADER = "x-trigger-worker-environment-id";

    private final ApiKeyAuthenticator apiKeys;
    private final WorkerTokenAuthenticator workerTokens;
    private final JsonErrorWriter errors;

    AuthenticationFilter(ApiKeyAuthenticator apiKeys, WorkerTokenAuthenticator workerTokens, JsonErrorWriter errors) {
        this.apiKeys = apiKeys;
        this.workerTokens = workerTokens;
        this.errors = errors;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !(path.startsWith("/api/") || path.startsWith("/engine/"));
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        String token = BearerToken.from(request);
        if (path.startsWith("/engine/")) {
            Optional<AuthenticatedWorkerGroup> group = workerTokens.authenticate(token);
            if (group.isEmpty()) {
                errors.write(response, HttpStatus.UNAUTHORIZED, "Invalid or missing worker token");
                return;
            }
            request.setAttribute(Authenticated.WORKER_GROUP, group.get());
            String scope = request.getHeader(WORKER_ENVIRONMENT_HEADER);
            if (scope != null && !scope.isBlank()) {
                request.setAttribute(Authenticated.WORKER_ENVIRONMENT_SCOPE, scope.trim());
            }
        } else {
            Optional<AuthenticatedEnvironment> env = apiKeys.authenticate(token);
            if (env.isEmpty()) {
                errors.write(response, HttpStatus.UNAUTHORIZED, "Invalid or missing API key");
                return;
            }
            request.setAttribute(Authenticated.ENVIRONMENT, env.get());
        }
        chain.doFilter(request, response);
    }
}
