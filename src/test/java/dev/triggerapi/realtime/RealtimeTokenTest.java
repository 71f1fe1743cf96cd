package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.ServerIntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The credentials the realtime routes accept, as the SDK produces them: tokens it signs itself with the secret key
 * (claims from {@code POST /api/v1/auth/jwt/claims}), tokens minted by {@code POST /api/v1/auth/public-tokens}, and
 * the refusals (another run, forged, expired, a revoked key, another environment's key) that all look alike.
 */
@ServerIntegrationTest
class RealtimeTokenTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();

    @LocalServerPort
    int port;
    @Autowired
    RunCreator creator;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ApplicationEventPublisher events;
    @Autowired
    EnvironmentProvisioning provisioning;

    private ProvisionedEnvironment env;
    private TestRuns runs;

    @BeforeEach
    void setUp() {
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        runs = new TestRuns(creator, jdbc, transactions, events);
    }

    /** Signs like the SDK's {@code generateJWT}: HS256 with the secret key's UTF-8 bytes, SDK issuer and audience. */
    private static String sdkToken(String secretKey, Map<String, Object> claims, Instant expires) throws Exception {
        JWTClaimsSet.Builder builder = new JWTClaimsSet.Builder().issuer(SdkPublicTokens.ISSUER)
                .audience(SdkPublicTokens.AUDIENCE).issueTime(new Date()).expirationTime(Date.from(expires));
        claims.forEach(builder::claim);
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), builder.build());
        jwt.sign(new MACSigner(secretKey.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private Map<String, Object> claimsFromServer() throws Exception {
        HttpResponse<String> response = post("/api/v1/auth/jwt/claims", "");
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode claims = JSON.readTree(response.body());
        assertThat(claims.get("sub").asString()).isEqualTo(env.environment().id());
        assertThat(claims.get("pub").asBoolean()).isTrue();
        return Map.of("sub", claims.get("sub").asString(), "pub", true);
    }

    private HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .header("Authorization", "Bearer " + env.secretKey()).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private ShapeTestClient.Answer snapshot(String runId, String token) {
        return ShapeTestClient.await(new ShapeTestClient(port, "/realtime/v1/runs/" + runId, token)
                .send(Map.of("offset", "-1")));
    }

    private static Map<String, Object> withScopes(Map<String, Object> claims, List<String> scopes) {
        java.util.HashMap<String, Object> out = new java.util.HashMap<>(claims);
        out.put("scopes", scopes);
        return out;
    }

    @Test
    void anSdkSignedTokenReadsItsRunAndNothingElseAndEveryRefusalLooksTheSame() throws Exception {
        CreatedRun mine = runs.create(env, List.of(), null, null);
        CreatedRun other = runs.create(env, List.of(), null, null);
        Map<String, Object> claims = withScopes(claimsFromServer(), List.of("read:runs:" + mine.friendlyId()));
        String token = sdkToken(env.secretKey(), claims, Instant.now().plusSeconds(900));

        ShapeTestClient.Answer ok = snapshot(mine.friendlyId(), token);
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.changes().get(0).get("value").get("friendlyId").asString()).isEqualTo(mine.friendlyId());

        ProvisionedEnvironment stranger = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        // Out of scope: the same answer whether the other run exists or not.
        List<ShapeTestClient.Answer> outOfScope = List.of(snapshot(other.friendlyId(), token),
                snapshot("run_doesnotexist", token));
        // Unusable tokens: forged, expired, signed with another environment's key; for a real run or none.
        List<ShapeTestClient.Answer> unusable = List.of(
                snapshot(mine.friendlyId(), token.substring(0, token.length() - 3) + "abc"),
                snapshot("run_doesnotexist", token.substring(0, token.length() - 3) + "abc"),
                snapshot(mine.friendlyId(), sdkToken(env.secretKey(), claims, Instant.now().minusSeconds(5))),
                snapshot(mine.friendlyId(), sdkToken(stranger.secretKey(), claims, Instant.now().plusSeconds(900))));
        for (List<ShapeTestClient.Answer> group : List.of(outOfScope, unusable)) {
            for (ShapeTestClient.Answer answer : group) {
                assertThat(answer.status()).isEqualTo(401);
                assertThat(answer.body()).isEqualTo(group.get(0).body());
            }
        }
    }

    @Test
    void revokingTheSigningKeyEndsItsTokens() throws Exception {
        CreatedRun run = runs.create(env, List.of(), null, null);
        String token = sdkToken(env.secretKey(), withScopes(claimsFromServer(), List.of("read:runs")),
                Instant.now().plusSeconds(900));
        assertThat(snapshot(run.friendlyId(), token).status()).isEqualTo(200);

        String newKey = provisioning.issueSecretKey(env.environment().id()).orElseThrow().secret();
        provisioning.revokeSecretKey(env.environment().id(), env.secretKeyId()).orElseThrow();

        assertThat(snapshot(run.friendlyId(), token).status()).isEqualTo(401);
        String fresh = sdkToken(newKey, withScopes(Map.of("sub", env.environment().id(), "pub", true),
                List.of("read:runs")), Instant.now().plusSeconds(900));
        assertThat(snapshot(run.friendlyId(), fresh).status()).isEqualTo(200);
    }

    @Test
    void aMintedPublicTokenReadsItsScopeAndBadRequestsAre400() throws Exception {
        CreatedRun mine = runs.create(env, List.of(), null, null);
        CreatedRun other = runs.create(env, List.of(), null, null);
        HttpResponse<String> minted = post("/api/v1/auth/public-tokens",
                "{\"scopes\":[\"read:runs:" + mine.friendlyId() + "\"],\"expirationTime\":\"1h\"}");
        assertThat(minted.statusCode()).isEqualTo(200);
        String token = JSON.readTree(minted.body()).get("token").asString();

        assertThat(snapshot(mine.friendlyId(), token).status()).isEqualTo(200);
        assertThat(snapshot(other.friendlyId(), token).status()).isEqualTo(401);

        assertThat(post("/api/v1/auth/public-tokens", "{\"scopes\":[]}").statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/auth/public-tokens", "{\"scopes\":[\"read:runs\"],\"expirationTime\":\"soon\"}")
                .statusCode()).isEqualTo(400);
        assertThat(post("/api/v1/auth/public-tokens", "{\"scopes\":[\"read:runs\"],\"expirationTime\":1}")
                .statusCode()).isEqualTo(400);
    }

    @Test
    void aTokensSkipColumnsClaimHidesThoseColumnsWhateverTheRequestAsks() throws Exception {
        CreatedRun run = runs.create(env, List.of("t"), null, "{\"secret\":1}");
        Map<String, Object> claims = withScopes(claimsFromServer(), List.of("read:runs:" + run.friendlyId()));
        String plain = sdkToken(env.secretKey(), claims, Instant.now().plusSeconds(900));
        Map<String, Object> hiding = new java.util.HashMap<>(claims);
        hiding.put("realtime", Map.of("skipColumns", List.of("payload", "metadata", "id")));
        String skipping = sdkToken(env.secretKey(), hiding, Instant.now().plusSeconds(900));

        JsonNode shown = snapshot(run.friendlyId(), plain).changes().get(0).get("value");
        assertThat(shown.has("payload")).isTrue();
        assertThat(shown.has("metadata")).isTrue();
        // The claim's columns go, the request's own skipColumns come on top, and a required column stays.
        ShapeTestClient.Answer answer = ShapeTestClient.await(new ShapeTestClient(port, "/realtime/v1/runs/"
                + run.friendlyId() + "?skipColumns=runTags", skipping).send(Map.of("offset", "-1")));
        assertThat(answer.status()).isEqualTo(200);
        JsonNode hidden = answer.changes().get(0).get("value");
        assertThat(hidden.has("payload")).isFalse();
        assertThat(hidden.has("metadata")).isFalse();
        assertThat(hidden.has("runTags")).isFalse();
        assertThat(hidden.get("id").asString()).isEqualTo(run.id());
        assertThat(hidden.get("friendlyId").asString()).isEqualTo(run.friendlyId());

        // An EventSource client with the same token does not see them either.
        try (SseTestClient plainSse = SseTestClient.open(port, "/realtime/v1/runs/" + run.friendlyId(), plain, null);
             SseTestClient hiddenSse = SseTestClient.open(port, "/realtime/v1/runs/" + run.friendlyId(), skipping,
                     null)) {
            assertThat(plainSse.next().data().has("metadata")).isTrue();
            SseTestClient.Event event = hiddenSse.next();
            assertThat(event.runId()).isEqualTo(run.friendlyId());
            assertThat(event.data().has("metadata")).isFalse();
        }

        // A token minted by the service carries the claim the same way; a column the runs do not have is refused.
        HttpResponse<String> minted = post("/api/v1/auth/public-tokens", "{\"scopes\":[\"read:runs:"
                + run.friendlyId() + "\"],\"realtime\":{\"skipColumns\":[\"payload\"]}}");
        assertThat(minted.statusCode()).isEqualTo(200);
        JsonNode mintedRow = snapshot(run.friendlyId(), JSON.readTree(minted.body()).get("token").asString())
                .changes().get(0).get("value");
        assertThat(mintedRow.has("payload")).isFalse();
        assertThat(mintedRow.has("metadata")).isTrue();
        assertThat(post("/api/v1/auth/public-tokens", "{\"scopes\":[\"read:runs\"],"
                + "\"realtime\":{\"skipColumns\":[\"paylod\"]}}").statusCode()).isEqualTo(400);

        // A claim that cannot be read would hide nothing: the token is refused rather than widened.
        Map<String, Object> malformed = new java.util.HashMap<>(claims);
        malformed.put("realtime", Map.of("skipColumns", "payload"));
        assertThat(snapshot(run.friendlyId(), sdkToken(env.secretKey(), malformed, Instant.now().plusSeconds(900)))
                .status()).isEqualTo(401);
        Map<String, Object> unknown = new java.util.HashMap<>(claims);
        unknown.put("realtime", Map.of("skipColumns", List.of("paylod")));
        assertThat(snapshot(run.friendlyId(), sdkToken(env.secretKey(), unknown, Instant.now().plusSeconds(900)))
                .status()).isEqualTo(400);
    }
}
