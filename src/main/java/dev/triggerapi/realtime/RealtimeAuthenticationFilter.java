package dev.triggerapi.realtime;

import java.io.IOException;
import java.util.Optional;

import dev.triggerapi.api.BearerToken;
import dev.triggerapi.api.JsonErrorWriter;
import dev.triggerapi.environment.ApiKeyAuthenticator;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import org.springframework.http.HttpStatus;
import org.springframework.web.cors.CorsUtils;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Authenticates {@code /realtime/**} by path, like the API filter does for {@code /api/**}: the bearer is either a
 * public access token (a JWT, recognised by its shape: issued by this service, or signed by the SDK with the
 * environment's secret key) or an environment secret key. Every refusal has the same body, so a token cannot
 * tell a forged signature from an expired one or a missing resource. The resulting
 * {@link RealtimeAccess} is a request attribute; the endpoints check it against what is asked for. CORS
 * preflights pass through unauthenticated (browsers send them without credentials).
 */
final class RealtimeAuthenticationFilter extends OncePerRequestFilter {

    private final ApiKeyAuthenticator apiKeys;
    private final PublicAccessTokens tokens;
    private final SdkPublicTokens sdkTokens;
    private final JsonErrorWriter errors;

    RealtimeAuthenticationFilter(ApiKeyAuthenticator apiKeys, PublicAccessTokens tokens, SdkPublicTokens sdkTokens,
                                 JsonErrorWriter errors) {
        this.apiKeys = apiKeys;
        this.tokens = tokens;
        this.sdkTokens = sdkTokens;
        this.errors = errors;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !path.startsWith("/realtime/") || CorsUtils.isPreFlightRequest(request);
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        String token = BearerToken.from(request);
        Optional<RealtimeAccess> access;
        if (token == null) {
            access = Optional.empty();
        } else if (looksLikeJwt(token)) {
            // Server-issued (x-trigger-jwt, /api/v1/auth/public-tokens) or SDK-signed (auth.createPublicToken()).
            access = SdkPublicTokens.claimsSdkIssuer(token) ? sdkTokens.verify(token) : tokens.verify(token);
        } else {
            access = apiKeys.authenticate(token).map(env -> RealtimeAccess.full(env.id()));
        }
        if (access.isEmpty()) {
            errors.write(response, HttpStatus.UNAUTHORIZED, "Invalid or missing secret key or public access token");
            return;
        }
        request.setAttribute(RealtimeAccess.ATTRIBUTE, access.get());
        chain.doFilter(request, response);
    }

    private static boolean looksLikeJwt(String token) {
        return token.chars().filter(c -> c == '.').count() == 2;
    }
}
