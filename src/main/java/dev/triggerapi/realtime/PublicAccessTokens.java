package dev.triggerapi.realtime;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.json.JsonMapper;

/**
 * Issues and verifies public access tokens: short-lived HS256 JWTs that let a browser read one run, one batch or a
 * tag set of one environment on the realtime endpoints without the environment's secret key.
 *
 * <p>The trigger endpoints return one in the {@value #TOKEN_HEADER} response header (the official SDK uses it
 * verbatim as the handle's {@code publicAccessToken}) together with {@value #CLAIMS_HEADER}
 * ({@link #claimsHeader}), whose value must be valid JSON because the SDK parses it.
 *
 * <p>Claims: {@code sub} = environment id, {@code pub = true}, {@code scopes} (e.g. {@code read:runs:run_...}),
 * {@code iss}, {@code aud}, {@code iat}, {@code exp}, and for minted tokens that ask for it
 * {@code realtime: {skipColumns: [...]}} (as the SDK signs it).
 */
public final class PublicAccessTokens {

    /** Response header carrying a token for the run or batch just created. */
    public static final String TOKEN_HEADER = "x-trigger-jwt";
    /** Response header carrying the token's public claims as JSON. */
    public static final String CLAIMS_HEADER = "x-trigger-jwt-claims";

    static final String ISSUER = "trigger-api";
    static final String AUDIENCE = "trigger-api:realtime";
    private static final Logger log = LoggerFactory.getLogger(PublicAccessTokens.class);
    private static final int MIN_SECRET_BYTES = 32;

    /**
     * One header for every token: built once, it is immutable. Parsed back from its own encoding so that it keeps
     * that encoding: a built header serializes itself to JSON again for every token it signs.
     */
    private static final JWSHeader HEADER = headerOnce();

    private final byte[] secret;
    /** Both thread-safe (a fresh {@code Mac} per call inside): one each per instance instead of one per token. */
    private final MACSigner signer;
    private final MACVerifier verifier;
    private final Duration ttl;
    private final Clock clock;
    private final JsonMapper json;

    PublicAccessTokens(byte[] secret, Duration ttl, Clock clock, JsonMapper json) {
        if (secret.length < MIN_SECRET_BYTES) {
            throw new IllegalArgumentException("trigger-api.realtime.public-tokens.secret (REALTIME_PUBLIC_TOKEN_SECRET) "
                    + "must be at least " + MIN_SECRET_BYTES + " bytes");
        }
        this.secret = secret.clone();
        try {
            this.signer = new MACSigner(this.secret);
            this.verifier = new MACVerifier(this.secret);
        } catch (JOSEException e) {
            throw new IllegalArgumentException("Cannot sign public access tokens with this secret", e);
        }
        this.ttl = ttl;
        this.clock = clock;
        this.json = json;
    }

    private static JWSHeader headerOnce() {
        JWSHeader built = new JWSHeader.Builder(JWSAlgorithm.HS256).type(JOSEObjectType.JWT).build();
        try {
            return JWSHeader.parse(built.toBase64URL());
        } catch (ParseException e) {
            throw new IllegalStateException("A JWS header does not parse back", e);
        }
    }

    /** From settings: the configured secret, or a random one for this instance's lifetime. */
    static PublicAccessTokens from(RealtimeProperties.PublicTokens settings, Clock clock, JsonMapper json) {
        byte[] secret;
        if (settings.secret() == null || settings.secret().isBlank()) {
            secret = new byte[MIN_SECRET_BYTES];
            new SecureRandom().nextBytes(secret);
            log.info("No REALTIME_PUBLIC_TOKEN_SECRET set: public access tokens are signed with a random key and are "
                    + "valid only on this instance until it restarts");
        } else {
            secret = settings.secret().getBytes(StandardCharsets.UTF_8);
        }
        return new PublicAccessTokens(secret, settings.ttl(), clock, json);
    }

    /** A token that reads one run (by its public id). */
    public String forRun(AuthenticatedEnvironment environment, String runFriendlyId) {
        return sign(environment.id(), List.of(runScope(runFriendlyId)));
    }

    /** A token that reads the runs of one batch (by its public id). */
    public String forBatch(AuthenticatedEnvironment environment, String batchId) {
        return sign(environment.id(), List.of(batchScope(batchId)));
    }

    /** A token that reads runs carrying any of these tags. */
    public String forTags(AuthenticatedEnvironment environment, Collection<String> tags) {
        return sign(environment.id(), tags.stream().map(PublicAccessTokens::tagScope).toList());
    }

    /**
     * A token with the given scopes (as the SDK flattens them, e.g. {@code read:runs:run_...}), valid until
     * {@code expires}: what {@code POST /api/v1/auth/public-tokens} mints.
     *
     * @param skipColumns run columns the token never shows (its {@code realtime.skipColumns} claim); may be empty
     */
    String forScopes(AuthenticatedEnvironment environment, List<String> scopes, Instant expires,
                     List<String> skipColumns) {
        return sign(environment.id(), scopes, expires, skipColumns);
    }

    /** The {@value #CLAIMS_HEADER} value: {@code {"sub":"<environment id>","pub":true}}. */
    public String claimsHeader(AuthenticatedEnvironment environment) {
        Map<String, Object> claims = new LinkedHashMap<>();
        claims.put("sub", environment.id());
        claims.put("pub", true);
        return json.writeValueAsString(claims);
    }

    static String runScope(String runFriendlyId) {
        return "read:runs:" + runFriendlyId;
    }

    static String batchScope(String batchId) {
        return "read:batch:" + batchId;
    }

    static String tagScope(String tag) {
        return "read:tags:" + tag;
    }

    /** Verifies signature, algorithm, issuer, audience and expiry; the access it grants, or empty. */
    Optional<RealtimeAccess> verify(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            if (!JWSAlgorithm.HS256.equals(jwt.getHeader().getAlgorithm()) || !jwt.verify(verifier)) {
                return Optional.empty();
            }
            JWTClaimsSet claims = jwt.getJWTClaimsSet();
            Date expires = claims.getExpirationTime();
            if (expires == null || !expires.toInstant().isAfter(clock.instant())
                    || !ISSUER.equals(claims.getIssuer())
                    || claims.getAudience() == null || !claims.getAudience().contains(AUDIENCE)
                    || !Boolean.TRUE.equals(claims.getBooleanClaim("pub"))
                    || claims.getSubject() == null || claims.getSubject().isBlank()) {
                return Optional.empty();
            }
            List<String> scopes = claims.getStringListClaim("scopes");
            return RealtimeAccess.skipColumnsClaim(claims.getClaim(RealtimeAccess.REALTIME_CLAIM))
                    .map(skip -> new RealtimeAccess(claims.getSubject(),
                            scopes == null ? Set.of() : new HashSet<>(scopes), skip));
        } catch (ParseException | JOSEException | RuntimeException e) {
            return Optional.empty();
        }
    }

    private String sign(String environmentId, List<String> scopes) {
        return sign(environmentId, scopes, clock.instant().plus(ttl), List.of());
    }

    private String sign(String environmentId, List<String> scopes, Instant expires, List<String> skipColumns) {
        Instant now = clock.instant();
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder()
                .issuer(ISSUER).audience(AUDIENCE).subject(environmentId)
                .issueTime(Date.from(now)).expirationTime(Date.from(expires))
                .claim("pub", true).claim("scopes", scopes);
        if (!skipColumns.isEmpty()) {
            builder.claim(RealtimeAccess.REALTIME_CLAIM, Map.of("skipColumns", skipColumns));
        }
        JWTClaimsSet claims = builder.build();
        SignedJWT jwt = new SignedJWT(HEADER, claims);
        try {
            jwt.sign(signer);
        } catch (JOSEException e) {
            throw new IllegalStateException("Cannot sign a public access token", e);
        }
        return jwt.serialize();
    }
}
