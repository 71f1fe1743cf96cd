package dev.triggerapi.realtime;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.triggerapi.api.ApiException;
import dev.triggerapi.duration.Durations;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * What the SDK's {@code auth.createPublicToken()} calls (secret key required, like all of {@code /api/**}):
 * <ul>
 *   <li>{@code POST /api/v1/auth/jwt/claims}: the claims the SDK signs itself with the secret key
 *       ({@code {"sub": <environment id>, "pub": true}}); the realtime routes verify that signature with the
 *       environment's secret key ({@link SdkPublicTokens}).</li>
 *   <li>{@code POST /api/v1/auth/public-tokens} {@code {scopes, expirationTime?, realtime?: {skipColumns}}}: a
 *       token minted and signed by this service, for credentials that cannot sign (the SDK asks for it with
 *       scopes); {@code {"token": ...}}.</li>
 * </ul>
 */
@RestController
class PublicTokenController {

    private static final int MAX_SCOPES = 100;
    private static final int MAX_SCOPE_LENGTH = 512;
    /** The SDK's default lifetime of a public token. */
    private static final Duration DEFAULT_TTL = Duration.ofMinutes(15);

    private final PublicAccessTokens tokens;
    private final Clock clock;

    PublicTokenController(PublicAccessTokens tokens, Clock clock) {
        this.tokens = tokens;
        this.clock = clock;
    }

    @PostMapping("/api/v1/auth/jwt/claims")
    Map<String, Object> claims(AuthenticatedEnvironment environment) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", environment.id());
        claims.put("pub", true);
        return claims;
    }

    /**
     * @param scopes         the flattened scopes ({@code read:runs:run_...}); at least one
     * @param expirationTime a duration from now ({@code "15m"}, {@code "1h"}) or an absolute time in Unix
     *                       seconds, as the SDK sends it; default 15 minutes
     * @param realtime       {@code {skipColumns: [...]}}: run columns the token never shows on the realtime routes
     */
    record PublicTokenRequest(List<String> scopes, JsonNode expirationTime, RealtimeOptions realtime) {
    }

    /** @param skipColumns columns of the run rows (as the shape stream names them) the token never shows */
    record RealtimeOptions(List<String> skipColumns) {
    }

    /** @param token the signed public access token */
    record PublicTokenResponse(String token) {
    }

    @PostMapping("/api/v1/auth/public-tokens")
    PublicTokenResponse publicToken(AuthenticatedEnvironment environment, @RequestBody PublicTokenRequest body) {
        List<String> scopes = body.scopes();
        if (scopes == null || scopes.isEmpty()) {
            throw ApiException.badRequest("scopes must name at least one scope");
        }
        if (scopes.size() > MAX_SCOPES) {
            throw ApiException.badRequest("At most " + MAX_SCOPES + " scopes");
        }
        for (String scope : scopes) {
            if (scope == null || scope.isBlank() || scope.length() > MAX_SCOPE_LENGTH
                    || scope.chars().anyMatch(Character::isISOControl)) {
                throw ApiException.badRequest("Invalid scope");
            }
        }
        return new PublicTokenResponse(tokens.forScopes(environment, List.copyOf(scopes), expires(body.expirationTime()),
                skipColumns(body.realtime())));
    }

    /** Refused when it names a column the runs do not have: a typo would otherwise show what it meant to hide. */
    private static List<String> skipColumns(RealtimeOptions realtime) {
        if (realtime == null || realtime.skipColumns() == null) {
            return List.of();
        }
        for (String column : realtime.skipColumns()) {
            if (column == null || !ShapeStreamProtocol.isColumn(column)) {
                throw ApiException.badRequest("realtime.skipColumns: unknown column '" + column + "'");
            }
        }
        return List.copyOf(new java.util.LinkedHashSet<>(realtime.skipColumns()));
    }

    private Instant expires(JsonNode expirationTime) {
        Instant now = clock.instant();
        if (expirationTime == null || expirationTime.isNull()) {
            return now.plus(DEFAULT_TTL);
        }
        Instant expires;
        if (expirationTime.isIntegralNumber() && expirationTime.canConvertToLong()) {
            long seconds = expirationTime.longValue();
            if (seconds <= now.getEpochSecond() || seconds > now.plus(Durations.MAX).getEpochSecond()) {
                throw ApiException.badRequest("expirationTime must be in the future and within 100 years");
            }
            expires = Instant.ofEpochSecond(seconds);
        } else if (expirationTime.isString()) {
            Duration ttl = Durations.parse(expirationTime.stringValue()).filter(d -> !d.isZero())
                    .orElseThrow(() -> ApiException.badRequest("expirationTime must be a duration like 15m or 1h, "
                            + "or a time in Unix seconds"));
            expires = now.plus(ttl);
        } else {
            throw ApiException.badRequest("expirationTime must be a duration like 15m or 1h, or a time in Unix seconds");
        }
        return expires;
    }
}
