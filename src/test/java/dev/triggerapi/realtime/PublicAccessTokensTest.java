package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.MACVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.triggerapi.environment.AuthenticatedEnvironment;
import dev.triggerapi.environment.EnvironmentType;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

class PublicAccessTokensTest {

    private final FakeClock clock = new FakeClock(Instant.parse("2025-01-01T00:00:00Z"));
    private final JsonMapper json = JsonMapper.builder().build();
    private final byte[] secret = "0123456789abcdef0123456789abcdef".getBytes(StandardCharsets.UTF_8);
    private final PublicAccessTokens tokens = new PublicAccessTokens(secret, Duration.ofHours(1), clock, json);
    private final AuthenticatedEnvironment env = new AuthenticatedEnvironment("env1", "dev", EnvironmentType.DEVELOPMENT,
            "p1", "proj_1", "o1");

    @Test
    void issuedTokensAreStandardHs256JwtsThatNimbusVerifies() throws Exception {
        SignedJWT jwt = SignedJWT.parse(tokens.forTags(env, List.of("user:1", "a\"b")));

        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.HS256);
        assertThat(jwt.getHeader().getType()).isEqualTo(JOSEObjectType.JWT);
        assertThat(jwt.verify(new MACVerifier(secret))).isTrue();
        JWTClaimsSet claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(PublicAccessTokens.ISSUER);
        assertThat(claims.getAudience()).containsExactly(PublicAccessTokens.AUDIENCE);
        assertThat(claims.getSubject()).isEqualTo("env1");
        assertThat(claims.getIssueTime().toInstant()).isEqualTo(clock.instant());
        assertThat(claims.getExpirationTime().toInstant()).isEqualTo(clock.instant().plus(Duration.ofHours(1)));
        assertThat(claims.getStringListClaim("scopes")).containsExactly("read:tags:user:1", "read:tags:a\"b");
    }

    @Test
    void runTokenGrantsThatRunOnly() {
        RealtimeAccess access = tokens.verify(tokens.forRun(env, "run_a")).orElseThrow();

        assertThat(access.environmentId()).isEqualTo("env1");
        assertThat(access.isFull()).isFalse();
        assertThat(access.canReadRun("run_a", null, List.of())).isTrue();
        assertThat(access.canReadRun("run_b", null, List.of())).isFalse();
        assertThat(access.canReadBatch("batch_x")).isFalse();
        assertThat(access.canReadTagFeed(List.of("t"))).isFalse();
    }

    @Test
    void batchTokenGrantsTheBatchAndItsRunsInEitherIdForm() {
        RealtimeAccess access = tokens.verify(tokens.forBatch(env, "batch_x")).orElseThrow();
        assertThat(access.canReadBatch("batch_x")).isTrue();
        assertThat(access.canReadBatch("x")).isTrue();
        assertThat(access.canReadRun("run_a", "x", List.of())).isTrue();
        assertThat(access.canReadRun("run_a", "y", List.of())).isFalse();
    }

    @Test
    void tagTokenGrantsFeedsFilteredOnAGrantedTag() {
        RealtimeAccess access = tokens.verify(tokens.forTags(env, List.of("user:1"))).orElseThrow();
        assertThat(access.canReadTagFeed(List.of("user:1", "other"))).isTrue();
        assertThat(access.canReadTagFeed(List.of("other"))).isFalse();
        assertThat(access.canReadTagFeed(List.of())).isFalse();
        assertThat(access.canReadRun("run_a", null, List.of("user:1"))).isTrue();
    }

    @Test
    void expiredTamperedOrForeignTokensAreRejected() {
        String token = tokens.forRun(env, "run_a");
        String[] parts = token.split("\\.");
        String tampered = parts[0] + "." + parts[1] + "." + (parts[2].charAt(0) == 'A' ? 'B' : 'A') + parts[2].substring(1);
        PublicAccessTokens other = new PublicAccessTokens("another-secret-another-secret-xyz".getBytes(StandardCharsets.UTF_8),
                Duration.ofHours(1), clock, json);

        assertThat(tokens.verify(tampered)).isEmpty();
        assertThat(tokens.verify(other.forRun(env, "run_a"))).isEmpty();
        assertThat(tokens.verify("not.a.jwt")).isEmpty();

        clock.advance(Duration.ofHours(1));
        assertThat(tokens.verify(token)).isEmpty();
    }

    @Test
    void claimsHeaderIsTheJsonTheSdkParses() {
        assertThat(json.readTree(tokens.claimsHeader(env))).isEqualTo(json.readTree("{\"sub\":\"env1\",\"pub\":true}"));
    }

    @Test
    void shortSecretIsRefused() {
        assertThatThrownBy(() -> new PublicAccessTokens("short".getBytes(StandardCharsets.UTF_8), Duration.ofHours(1), clock, json))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("REALTIME_PUBLIC_TOKEN_SECRET");
    }

    @Test
    void generatedSecretWorksWhenNoneIsConfigured() {
        PublicAccessTokens generated = PublicAccessTokens.from(new RealtimeProperties.PublicTokens("", Duration.ofMinutes(5)),
                clock, json);
        assertThat(generated.verify(generated.forRun(env, "run_a")).map(RealtimeAccess::scopes))
                .contains(Set.of("read:runs:run_a"));
    }
}
