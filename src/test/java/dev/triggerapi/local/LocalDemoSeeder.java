package dev.triggerapi.local;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.environment.ProvisionedWorkerGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.ApplicationArguments;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * On the first start of the local cluster, creates a demo organization with a DEVELOPMENT environment and a
 * worker group, and prints their secrets once with a ready-to-paste curl command. Secrets are stored only as
 * hashes, so they cannot be shown again: delete the data directory to get a new set.
 */
@Component
@ConditionalOnProperty(name = {LocalClusterEnvironmentPostProcessor.ACTIVE_PROPERTY, "trigger-api.local-cluster.seed-demo"},
        havingValue = "true")
class LocalDemoSeeder implements ApplicationRunner {

    private static final Logger log = LoggerFactory.getLogger(LocalDemoSeeder.class);

    private final EnvironmentProvisioning provisioning;
    private final Environment environment;

    LocalDemoSeeder(EnvironmentProvisioning provisioning, Environment environment) {
        this.provisioning = provisioning;
        this.environment = environment;
    }

    @Override
    public void run(ApplicationArguments args) {
        if (provisioning.anyOrganizationExists()) {
            log.info("Local cluster already seeded; its demo secrets were printed on first start");
            return;
        }
        ProvisionedEnvironment env = provisioning.createEnvironment("demo", "demo-project", EnvironmentType.DEVELOPMENT);
        ProvisionedWorkerGroup group = provisioning.createWorkerGroup("local");
        String base = "http://localhost:" + environment.getProperty("local.server.port", environment.getProperty("server.port", "3030"));
        log.info("""

                ==== trigger-api local demo (shown once) ====
                environment  : {} (DEVELOPMENT, project {})
                secret key   : {}
                worker token : {}
                try it (secret key: register a version, trigger a run):
                  curl -s -X POST {}/api/v1/deployments -H 'Authorization: Bearer {}' -H 'Content-Type: application/json' \\
                    -d '{"version":"1","tasks":[{"slug":"hello-world","queue":{"name":"hello","concurrencyLimit":5}}]}'
                  curl -s -X POST {}/api/v1/tasks/hello-world/trigger -H 'Authorization: Bearer {}' \\
                    -H 'Content-Type: application/json' -d '{"payload":{"name":"world"}}'
                then run it as a runner would (worker token; RUN and SNAPSHOT come from the dequeue answer,
                [{"run":{"friendlyId":RUN,...},"snapshot":{"id":SNAPSHOT,...}}], and every action answers the next snapshot):
                  curl -s -X POST {}/engine/v1/worker-actions/dequeue -H 'Authorization: Bearer {}' \\
                    -H 'Content-Type: application/json' -d '{"maxRuns":1}'
                  curl -s -X POST {}/engine/v1/worker-actions/runs/RUN/snapshots/SNAPSHOT/attempts/start -H 'Authorization: Bearer {}'
                  curl -s -X POST {}/engine/v1/worker-actions/runs/RUN/snapshots/SNAPSHOT/attempts/complete -H 'Authorization: Bearer {}' \\
                    -H 'Content-Type: application/json' -d '{"completion":{"ok":true,"output":"{\\"hello\\":\\"world\\"}","outputType":"application/json"}}'
                =============================================""",
                env.environment().id(), env.environment().projectRef(), env.secretKey(), group.token(),
                base, env.secretKey(), base, env.secretKey(), base, group.token(), base, group.token(), base, group.token());
    }
}
