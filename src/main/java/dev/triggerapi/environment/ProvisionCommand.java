package dev.triggerapi.environment;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import dev.triggerapi.api.ApiException;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.util.StringUtils;

/**
 * {@code java -jar trigger-api.jar provision ...} (in compose: {@code docker compose run --rm app provision ...}):
 * provisioning against the configured database without the HTTP server. It starts the application context
 * without web server, sweeper and replication, runs migrations like the service would, does one thing, prints
 * the result (secrets once) and exits: 0 on success, 1 when the thing cannot be done, 2 on a usage error.
 */
public final class ProvisionCommand {

    static final String USAGE = """
            usage: provision <command>
              environment create <organization> <project> <DEVELOPMENT|STAGING|PRODUCTION>
                                                   create the environment (and the organization / project if
                                                   new) and issue its first secret key
              environment list
              secret-key issue <environment-id>    issue another secret key (the others stay valid)
              secret-key list <environment-id>
              secret-key revoke <environment-id> <key-id>
              worker-group create <name>           create a worker group and issue its first token
              worker-token issue <worker-group>    (a worker group's id or name)
              worker-token list <worker-group>
              worker-token revoke <worker-group> <token-id>
            The database is the service's: DATABASE_URL, DATABASE_USERNAME, DATABASE_PASSWORD, and
            SECRET_KEY_ENCRYPTION_KEY must be the service's too. REDIS_HOST lets a revocation reach running
            instances at once (else within AUTH_CACHE_TTL).""";

    private ProvisionCommand() {
    }

    /**
     * Runs one provisioning command.
     *
     * @param application the Spring Boot application class
     * @param args        the arguments after {@code provision}
     * @param properties  extra Spring properties (tests); the process environment supplies the rest
     * @return the exit code
     */
    public static int run(Class<?> application, String[] args, Map<String, String> properties, PrintStream out,
                          PrintStream err) {
        if (!usable(args)) {
            err.println(USAGE);
            return 2;
        }
        if (!StringUtils.hasText(System.getenv("DATABASE_URL")) && !properties.containsKey("spring.datasource.url")
                && !StringUtils.hasText(System.getProperty("spring.datasource.url"))) {
            err.println("provision: DATABASE_URL is not set. Provisioning writes to the service's database; "
                    + "the embedded local cluster seeds its own demo environment instead.");
            return 2;
        }
        List<String> springArgs = new ArrayList<>(List.of(
                "--spring.main.banner-mode=off", "--spring.main.log-startup-info=false",
                "--logging.level.root=WARN", "--logging.level.dev.triggerapi=WARN",
                "--trigger-api.local-cluster.enabled=false", "--trigger-api.run-engine.sweeper-enabled=false",
                "--trigger-api.replication.clickhouse.url="));
        properties.forEach((key, value) -> springArgs.add("--" + key + "=" + value));
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(application)
                .web(WebApplicationType.NONE).run(springArgs.toArray(String[]::new))) {
            return execute(context.getBean(EnvironmentProvisioning.class), args, out, err);
        }
    }

    private static boolean usable(String[] a) {
        if (a.length < 2) {
            return false;
        }
        return switch (a[0] + " " + a[1]) {
            case "environment create" -> a.length == 5;
            case "environment list" -> a.length == 2;
            case "secret-key issue", "secret-key list", "worker-group create", "worker-token issue", "worker-token list" ->
                    a.length == 3;
            case "secret-key revoke", "worker-token revoke" -> a.length == 4;
            default -> false;
        };
    }

    private static int execute(EnvironmentProvisioning provisioning, String[] a, PrintStream out, PrintStream err) {
        try {
            switch (a[0] + " " + a[1]) {
                case "environment create" -> {
                    ProvisioningController.ProvisioningInput.slug("organization", a[2]);
                    ProvisioningController.ProvisioningInput.slug("project", a[3]);
                    EnvironmentType type = ProvisioningController.ProvisioningInput.type(a[4]);
                    Optional<ProvisionedEnvironment> created = provisioning.provisionEnvironment(a[2], a[3], type);
                    if (created.isEmpty()) {
                        err.println("provision: project " + a[2] + "/" + a[3] + " already has a " + type + " environment");
                        return 1;
                    }
                    AuthenticatedEnvironment env = created.get().environment();
                    out.println("environment  " + env.id() + "  " + type + "  " + a[2] + "/" + a[3] + "  project ref "
                            + env.projectRef());
                    printSecret(out, "secret key", created.get().secretKeyId(), created.get().secretKey());
                }
                case "environment list" -> provisioning.listEnvironments().forEach(e -> out.println(
                        e.id() + "  " + e.type() + "  " + e.organizationSlug() + "/" + e.projectSlug() + "  " + e.projectRef()));
                case "secret-key issue" -> {
                    Optional<IssuedCredential> key = provisioning.issueSecretKey(a[2]);
                    if (key.isEmpty()) {
                        return notFound(err, "environment " + a[2]);
                    }
                    printSecret(out, "secret key", key.get().id(), key.get().secret());
                }
                case "secret-key list" -> {
                    Optional<List<CredentialInfo>> keys = provisioning.listSecretKeys(a[2]);
                    if (keys.isEmpty()) {
                        return notFound(err, "environment " + a[2]);
                    }
                    keys.get().forEach(k -> out.println(describe(k)));
                }
                case "secret-key revoke" -> {
                    Optional<CredentialInfo> revoked = provisioning.revokeSecretKey(a[2], a[3]);
                    if (revoked.isEmpty()) {
                        return notFound(err, "secret key " + a[3] + " in environment " + a[2]);
                    }
                    out.println(describe(revoked.get()));
                }
                case "worker-group create" -> {
                    ProvisioningController.ProvisioningInput.slug("name", a[2]);
                    ProvisionedWorkerGroup group = provisioning.createWorkerGroup(a[2]);
                    out.println("worker group  " + group.id() + "  " + group.name());
                    printSecret(out, "worker token", group.tokenId(), group.token());
                }
                case "worker-token issue", "worker-token list", "worker-token revoke" -> {
                    Optional<String> group = provisioning.findWorkerGroup(a[2]);
                    if (group.isEmpty()) {
                        return notFound(err, "worker group " + a[2]);
                    }
                    return workerTokens(provisioning, group.get(), a, out, err);
                }
                default -> throw new IllegalStateException("checked by usable(): " + Arrays.toString(a));
            }
            return 0;
        } catch (ApiException e) {
            err.println("provision: " + e.getMessage());
            return 2;
        } catch (DuplicateKeyException e) {
            err.println("provision: " + a[2] + " exists already");
            return 1;
        }
    }

    private static int workerTokens(EnvironmentProvisioning provisioning, String groupId, String[] a, PrintStream out,
                                    PrintStream err) {
        switch (a[1]) {
            case "issue" -> {
                IssuedCredential token = provisioning.issueWorkerToken(groupId).orElseThrow();
                printSecret(out, "worker token", token.id(), token.secret());
            }
            case "list" -> provisioning.listWorkerTokens(groupId).orElseThrow().forEach(t -> out.println(describe(t)));
            default -> {
                Optional<CredentialInfo> revoked = provisioning.revokeWorkerToken(groupId, a[3]);
                if (revoked.isEmpty()) {
                    return notFound(err, "token " + a[3] + " in worker group " + a[2]);
                }
                out.println(describe(revoked.get()));
            }
        }
        return 0;
    }

    private static void printSecret(PrintStream out, String what, String id, String secret) {
        out.println(what + "  " + id + "  " + secret);
        out.println("  (shown once: only its hash" + (what.equals("secret key") ? " and an encrypted copy are" : " is")
                + " stored)");
    }

    private static String describe(CredentialInfo c) {
        return c.id() + "  " + c.hint() + "  created " + c.createdAt()
                + (c.revokedAt() == null ? "  active" : "  revoked " + c.revokedAt())
                + (c.legacy() ? "  legacy (hash only: cannot sign or verify SDK tokens; issue a new key, revoke this)" : "");
    }

    private static int notFound(PrintStream err, String what) {
        err.println("provision: no " + what);
        return 1;
    }
}
