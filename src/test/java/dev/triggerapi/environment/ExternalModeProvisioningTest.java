package dev.triggerapi.environment;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.ids.Ids;
import dev.triggerapi.local.LocalCluster;
import dev.triggerapi.support.Cluster;
import dev.triggerapi.support.IntegrationTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Provisioning for a real deployment: two instances in external mode (their own database on the embedded
 * PostgreSQL, its streaming replica, the shared Redis; no embedded cluster of their own), provisioned through the
 * admin API of one and through the {@code provision} command. Keys work on both instances; a revoked key or token
 * is refused on both. The credential cache TTL is 10 minutes here, so only the revocation broadcast can explain a
 * 401 on the other instance.
 */
@IntegrationTest
class ExternalModeProvisioningTest {

    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();
    private static final JsonMapper JSON = JsonMapper.builder().build();
    private static final String ADMIN = "admin-" + Ids.secret(24);
    private static final Duration BROADCAST_WAIT = Duration.ofSeconds(30);

    @Autowired
    JdbcClient mainDatabase;

    private final String database = "external_" + Ids.newId();
    private final String kek = CredentialProperties.generateEncryptionKey();
    private final List<ConfigurableApplicationContext> instances = new java.util.ArrayList<>();

    @AfterEach
    void stopInstancesAndDropTheirDatabase() {
        instances.forEach(ConfigurableApplicationContext::close);
        mainDatabase.sql("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)").update();
    }

    @Test
    void provisionedKeysWorkOnEveryInstanceUntilRevokedThroughTheAdminApiOrTheCommand() throws Exception {
        mainDatabase.sql("CREATE DATABASE " + database).update();
        String a = start(ADMIN);
        String b = start(""); // admin API disabled on this one

        assertThat(post(b, "/admin/v1/environments", ADMIN, "{}").statusCode()).isEqualTo(404);
        assertThat(post(a, "/admin/v1/environments", "wrong", "{}").statusCode()).isEqualTo(401);
        assertThat(post(a, "/admin/v1/environments", ADMIN, "{\"organization\":\"Acme!\",\"project\":\"web\",\"type\":\"PRODUCTION\"}")
                .statusCode()).isEqualTo(400);

        // Admin API: environment + first key, used on both instances, then revoked on A.
        HttpResponse<String> created = post(a, "/admin/v1/environments", ADMIN,
                "{\"organization\":\"acme\",\"project\":\"web\",\"type\":\"PRODUCTION\"}");
        assertThat(created.statusCode()).isEqualTo(201);
        JsonNode body = JSON.readTree(created.body());
        String envId = body.get("environment").get("id").asString();
        String keyId = body.get("secretKey").get("id").asString();
        String key = body.get("secretKey").get("secret").asString();
        assertThat(key).startsWith("tr_prod_");
        assertThat(post(a, "/admin/v1/environments", ADMIN, "{\"organization\":\"acme\",\"project\":\"web\",\"type\":\"PRODUCTION\"}")
                .statusCode()).isEqualTo(409);
        assertThat(get(a, "/admin/v1/environments/" + envId + "/secret-keys", ADMIN).body())
                .contains(keyId).doesNotContain(key);
        assertThat(trigger(a, key)).isEqualTo(200);
        assertThat(trigger(b, key)).isEqualTo(200);

        assertThat(delete(a, "/admin/v1/environments/" + envId + "/secret-keys/" + keyId, ADMIN).statusCode()).isEqualTo(200);
        assertThat(trigger(a, key)).as("refused at once where it was revoked").isEqualTo(401);
        Awaitility.await().atMost(BROADCAST_WAIT).until(() -> trigger(b, key) == 401);
        assertThat(trigger(a, key)).isEqualTo(401);

        // The provision command: a STAGING environment in the same project, then its key revoked by the command.
        String out = provision("environment", "create", "acme", "web", "STAGING");
        String stagingKey = match(out, "secret key\\s+(\\S+)\\s+(tr_stg_\\S+)", 2);
        String stagingKeyId = match(out, "secret key\\s+(\\S+)\\s+(tr_stg_\\S+)", 1);
        String stagingEnvId = match(out, "environment\\s+(\\S+)\\s+STAGING", 1);
        assertThat(trigger(a, stagingKey)).isEqualTo(200);
        assertThat(trigger(b, stagingKey)).isEqualTo(200);
        assertThat(provision("secret-key", "list", stagingEnvId)).contains(stagingKeyId).contains("active")
                .doesNotContain(stagingKey);

        provision("secret-key", "revoke", stagingEnvId, stagingKeyId);
        Awaitility.await().atMost(BROADCAST_WAIT).until(() -> trigger(a, stagingKey) == 401 && trigger(b, stagingKey) == 401);

        // Worker tokens: created through the admin API, used on B, revoked on A.
        HttpResponse<String> group = post(a, "/admin/v1/worker-groups", ADMIN, "{\"name\":\"runners\"}");
        assertThat(group.statusCode()).isEqualTo(201);
        JsonNode token = JSON.readTree(group.body()).get("token");
        assertThat(dequeue(b, token.get("secret").asString())).isEqualTo(200);
        assertThat(delete(a, "/admin/v1/worker-groups/runners/tokens/" + token.get("id").asString(), ADMIN).statusCode())
                .isEqualTo(200);
        Awaitility.await().atMost(BROADCAST_WAIT).until(() -> dequeue(b, token.get("secret").asString()) == 401);
    }

    private String start(String adminToken) {
        LocalCluster cluster = Cluster.get();
        ConfigurableApplicationContext app = new SpringApplicationBuilder(TriggerApiApplication.class)
                .profiles("test")
                .run(springArgs(cluster, adminToken).toArray(String[]::new));
        instances.add(app);
        // A revocation broadcast before this instance listens would reach it only after the cache TTL.
        app.getBean(CredentialRevocations.class).subscribed().orTimeout(60, java.util.concurrent.TimeUnit.SECONDS).join();
        return "http://127.0.0.1:" + app.getEnvironment().getRequiredProperty("local.server.port");
    }

    private Map<String, String> settings(LocalCluster cluster) {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("spring.datasource.url", onDatabase(cluster.writerJdbcUrl()));
        settings.put("spring.datasource.username", cluster.username());
        settings.put("spring.datasource.password", "");
        settings.put("trigger-api.datasource.replica.url", onDatabase(cluster.replicaJdbcUrl()));
        settings.put("spring.data.redis.host", "127.0.0.1");
        settings.put("spring.data.redis.port", String.valueOf(cluster.redisPort()));
        settings.put("trigger-api.credentials.secret-key-encryption-key", kek);
        settings.put("trigger-api.credentials.cache-ttl", "10m");
        return settings;
    }

    private List<String> springArgs(LocalCluster cluster, String adminToken) {
        List<String> args = new java.util.ArrayList<>(List.of("--server.port=0", "--trigger-api.admin.token=" + adminToken));
        settings(cluster).forEach((k, v) -> args.add("--" + k + "=" + v));
        return args;
    }

    private String onDatabase(String jdbcUrl) {
        return jdbcUrl.replaceFirst("/[^/?]+(\\?|$)", "/" + database + "$1");
    }

    private String provision(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ProvisionCommand.run(TriggerApiApplication.class, args, settings(Cluster.get()),
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(code).as("provision %s: %s", String.join(" ", args), err.toString(StandardCharsets.UTF_8)).isZero();
        return out.toString(StandardCharsets.UTF_8);
    }

    private static String match(String text, String regex, int group) {
        Matcher m = Pattern.compile(regex).matcher(text);
        assertThat(m.find()).as("%s in %s", regex, text).isTrue();
        return m.group(group);
    }

    private static int trigger(String base, String key) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/api/v1/tasks/hello-world/trigger"))
                .header("Authorization", "Bearer " + key).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"payload\":{\"n\":1}}"))).statusCode();
    }

    private static int dequeue(String base, String token) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + "/engine/v1/worker-actions/dequeue"))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"maxRuns\":1}"))).statusCode();
    }

    private static HttpResponse<String> post(String base, String path, String admin, String json) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + admin)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    private static HttpResponse<String> get(String base, String path, String admin) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + admin).GET());
    }

    private static HttpResponse<String> delete(String base, String path, String admin) throws Exception {
        return send(HttpRequest.newBuilder(URI.create(base + path)).header("Authorization", "Bearer " + admin).DELETE());
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
        return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
