package dev.triggerapi.realtime;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.text.ParseException;
import java.time.Clock;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.triggerapi.environment.ActiveSecretKey;
import dev.triggerapi.environment.EnvironmentSecretKeys;

/**
 * Verifies public access tokens the official SDK signs itself ({@code auth.createPublicToken()} with a secret key:
 * claims from {@code POST /api/v1/auth/jwt/claims}, signed locally with HS256 and the secret key's UTF-8 bytes,
 * issuer {@value #ISSUER}, audience {@value #AUDIENCE}). The environment is the token's {@code sub}; the signature
 * must verify with one of that environment's active secret keys. The HMAC is computed with the JDK rather than a
 * JOSE verifier because those refuse keys shorter than 256 bits, and secret keys are what they are.
 */
final class SdkPublicTokens {

    /** The issuer the SDK sets ({@code JWT_ISSUER} in {@code @trigger.dev/core/v3/jwt}). */
    static final String ISSUER = "https://id.trigger.dev";
    /** The audience the SDK sets ({@code JWT_AUDIENCE}). */
    static final String AUDIENCE = "https://api.trigger.dev";

    private final EnvironmentSecretKeys keys;
    private final Clock clock;

    SdkPublicTokens(EnvironmentSecretKeys keys, Clock clock) {
        this.keys = keys;
        this.clock = clock;
    }

    /** Whether the token claims to be SDK-signed (its issuer), so a failed verification is final. */
    static boolean claimsSdkIssuer(String token) {
        try {
            return ISSUER.equals(SignedJWT.parse(token).getJWTClaimsSet().getIssuer());
        } catch (ParseException | RuntimeException e) {
            return false;
        }
    }

    /** The access a valid, unexpired SDK-signed public token grants, or empty. */
    Optional<RealtimeAccess> verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm())) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            String environmentId = claims.getSubject();
            Date expires = claims.getExpirationTime();
            if (environmentId == null || environmentId.isBlank() || expires == null
                    || !expires.toInstant().isAfter(clock.instant())
                    || !ISSUER.equals(claims.getIssuer())
                    || claims.getAudience() == null || !claims.getAudience().contains(AUDIENCE)
                    || !Boolean.TRUE.equals(claims.getBooleanClaim("pub"))) {
                return Optional.empty();
            }
            byte[] signingInput = jwt.getSigningInput();
            byte[] signature = jwt.getSignature().decode();
            boolean verified = false;
            // Every active key (a rotation keeps old and new valid); legacy keys without plaintext are not offered.
            for (ActiveSecretKey key : keys.activeSecretKeys(environmentId)) {
                verified |= MessageDigest.isEqual(hmac(key.secretKey(), signingInput), signature);
            }
            if (!verified) {
                return Optional.empty();
            }
            List<String> scopes = claims.getStringListClaim("scopes");
            return RealtimeAccess.skipColumnsClaim(claims.getClaim(RealtimeAccess.REALTIME_CLAIM))
                    .map(skip -> new RealtimeAccess(environmentId,
                            scopes == null ? new HashSet<>() : new HashSet<>(scopes), skip));
        } catch (ParseException | GeneralSecurityException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private static byte[] hmac(String key, byte[] input) throws GeneralSecurityException {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        return mac.doFinal(input);
    }
}
