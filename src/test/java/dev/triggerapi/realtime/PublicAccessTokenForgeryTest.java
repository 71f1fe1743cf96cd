package dev.triggerapi.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;

import com.jayway.jsonpath.JsonPath;
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
import dev.triggerapi.support.IntegrationTest;
import dev.triggerapi.support.TestData;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.util.ReflectionTestUtils;
import org.springframework.test.web.servlet.MockMvc;

/**
 * Public access tokens cannot be forged or stretched: a wrong signature, {@code alg: none}, a tampered payload, an
 * expired token, wrong issuer / audience / {@code pub} claim, or garbage is a 401 on every realtime endpoint. A
 * genuine token outside its scope (another run, another environment's run) is refused as 401 whether or not the run
 * exists, so a token learns nothing about what it does not grant. Every refusal happens before a stream starts.
 */
@IntegrationTest
class PublicAccessTokenForgeryTest {

    @Autowired
    MockMvc mvc;
    @Autowired
    EnvironmentProvisioning provisioning;
    @Autowired
    PublicAccessTokens tokens;
    @Autowired
    RunCreator creator;
    @Autowired
    JdbcClient jdbc;
    @Autowired
    PlatformTransactionManager transactions;
    @Autowired
    ApplicationEventPublisher events;

    private TestRuns runs;

    private ProvisionedEnvironment env;
    private ProvisionedEnvironment other;
    private CreatedRun run;
    private List<String> endpoints;

    @BeforeEach
    void setUp() {
        runs = new TestRuns(creator, jdbc, transactions, events);
        env = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        other = TestData.environment(provisioning, EnvironmentType.DEVELOPMENT);
        run = runs.create(env, List.of("t1"), "batch_forgery", null);
        endpoints = List.of("/realtime/v1/runs/" + run.friendlyId(), "/realtime/v1/batches/batch_forgery",
                "/realtime/v1/runs?tags=t1");
    }

    private MockHttpServletResponse subscribe(String path, String bearer) throws Exception {
        return mvc.perform(get(path).header("Authorization", "Bearer " + bearer).accept(MediaType.TEXT_EVENT_STREAM))
                .andReturn().getResponse();
    }

    private void assertUnauthorizedEverywhere(String token) throws Exception {
        for (String path : endpoints) {
            MockHttpServletResponse response = subscribe(path, token);
            assertThat(response.getStatus()).as(path + " " + response.getContentAsString()).isEqualTo(401);
            // Refused as a credential, before any scope is looked at.
            assertThat((String) JsonPath.read(response.getContentAsString(), "$.error")).isNotBlank()
                    .isNotEqualTo(RealtimeController.OUT_OF_SCOPE);
        }
    }

    /** Claims as the server issues them, granting everything the endpoints above need. */
    private JWTClaimsSet.Builder genuineClaims(String environmentId) {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder().issuer(PublicAccessTokens.ISSUER).audience(PublicAccessTokens.AUDIENCE)
                .subject(environmentId).issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(600)))
                .claim("pub", true)
                .claim("scopes", List.of(PublicAccessTokens.runScope(run.friendlyId()),
                        PublicAccessTokens.batchScope("batch_forgery"), PublicAccessTokens.tagScope("t1")));
    }

    private static String sign(JWTClaimsSet claims, byte[] secret) throws Exception {
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret));
        return jwt.serialize();
    }

    /** The server's key: only to mint tokens that are correctly signed but wrong in another way (e.g. expired). */
    private byte[] serverSecret() {
        return (byte[]) ReflectionTestUtils.getField(tokens, "secret");
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aCorrectlySignedTokenIsAcceptedSoTheRefusalsBelowAreAboutTheToken() throws Exception {
        String genuine = sign(genuineClaims(env.environment().id()).build(), serverSecret());
        MockHttpServletResponse outOfScope = subscribe("/realtime/v1/runs/run_unknown", genuine);
        // Past authentication: refused only for the resource (see the scope test), not as an invalid token.
        assertThat(outOfScope.getStatus()).isEqualTo(401);
        assertThat((String) JsonPath.read(outOfScope.getContentAsString(), "$.error"))
                .isEqualTo(RealtimeController.OUT_OF_SCOPE);
    }

    @Test
    void aTokenSignedWithAnotherKeyIsRefused() throws Exception {
        byte[] attackerKey = "an-attacker-chosen-key-of-32-bytes!!".getBytes(StandardCharsets.UTF_8);
        assertUnauthorizedEverywhere(sign(genuineClaims(env.environment().id()).build(), attackerKey));
    }

    @Test
    void anUnsignedAlgNoneTokenIsRefused() throws Exception {
        String payload = base64Url(genuineClaims(env.environment().id()).build().toString());
        assertUnauthorizedEverywhere(base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + payload + ".");
        assertUnauthorizedEverywhere(base64Url("{\"alg\":\"none\"}") + "." + payload + ".c2lnbmF0dXJl");
    }

    @Test
    void aTokenWhosePayloadWasChangedAfterSigningIsRefused() throws Exception {
        // A genuine token of another environment, re-pointed at this one by swapping the payload.
        String[] genuine = tokens.forTags(other.environment(), List.of("t1")).split("\\.");
        String forged = genuine[0] + "." + base64Url(genuineClaims(env.environment().id()).build().toString())
                + "." + genuine[2];
        assertUnauthorizedEverywhere(forged);
    }

    @Test
    void anExpiredTokenIsRefused() throws Exception {
        Instant past = Instant.now().minusSeconds(3600);
        assertUnauthorizedEverywhere(sign(genuineClaims(env.environment().id())
                .issueTime(Date.from(past.minusSeconds(60))).expirationTime(Date.from(past)).build(), serverSecret()));
    }

    @Test
    void correctlySignedTokensWithTheWrongIssuerAudienceOrKindAreRefused() throws Exception {
        String id = env.environment().id();
        assertUnauthorizedEverywhere(sign(genuineClaims(id).issuer("someone-else").build(), serverSecret()));
        assertUnauthorizedEverywhere(sign(genuineClaims(id).audience("trigger-api:other").build(), serverSecret()));
        assertUnauthorizedEverywhere(sign(genuineClaims(id).claim("pub", null).build(), serverSecret()));
        assertUnauthorizedEverywhere(sign(genuineClaims(id).expirationTime(null).build(), serverSecret()));
        assertUnauthorizedEverywhere(sign(genuineClaims(id).subject(null).build(), serverSecret()));
    }

    @Test
    void garbageIsRefused() throws Exception {
        for (String garbage : List.of("a.b.c", "...", "not-a-token", "eyJhbGciOiJIUzI1NiJ9.e30.",
                base64Url("{\"alg\":\"HS256\"}") + "." + base64Url("[1,2]") + ".AAAA", "x".repeat(600) + ".y.z")) {
            assertUnauthorizedEverywhere(garbage);
        }
    }

    @Test
    void aGenuineTokenOutsideItsScopeIsRefusedAlikeForExistingAndUnknownRuns() throws Exception {
        CreatedRun otherRun = runs.create(other, List.of("t1"), "batch_elsewhere", null);
        String mine = tokens.forRun(env.environment(), run.friendlyId());

        MockHttpServletResponse otherEnvironmentsRun = subscribe("/realtime/v1/runs/" + otherRun.friendlyId(), mine);
        MockHttpServletResponse unknownRun = subscribe("/realtime/v1/runs/run_doesnotexist", mine);
        MockHttpServletResponse otherBatch = subscribe("/realtime/v1/batches/batch_elsewhere", mine);
        MockHttpServletResponse otherTags = subscribe("/realtime/v1/runs?tags=t1", mine);

        for (MockHttpServletResponse refused : List.of(otherEnvironmentsRun, unknownRun, otherBatch, otherTags)) {
            assertThat(refused.getStatus()).isEqualTo(401);
        }
        assertThat(otherEnvironmentsRun.getContentAsString()).isEqualTo(unknownRun.getContentAsString());
        // The other environment's own token names its run, but it is not this environment's token.
        String theirs = tokens.forRun(other.environment(), otherRun.friendlyId());
        assertThat(subscribe("/realtime/v1/runs/" + run.friendlyId(), theirs).getStatus()).isEqualTo(401);
    }
}
