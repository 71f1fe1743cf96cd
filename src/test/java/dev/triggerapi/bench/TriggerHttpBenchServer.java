package dev.triggerapi.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import dev.triggerapi.TriggerApiApplication;
import dev.triggerapi.deployment.DeploymentService;
import dev.triggerapi.deployment.TriggerSource;
import dev.triggerapi.deployment.WorkerRegistration;
import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.local.LocalCluster;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.node.StringNode;

/**
 * The service on 127.0.0.1 for the HTTP benchmark (not a test): embedded cluster, one DEVELOPMENT environment
 * with {@code hello-world} deployed, and a file with the secret key, environment id and primary port for
 * {@code src/test/resources/bench/trigger-http.sh}. Runs until killed.
 *
 * <p>Arguments: port (default 3099), output file (default {@code target/bench/trigger-http.env}).
 */
public final class TriggerHttpBenchServer {

    private TriggerHttpBenchServer() {
    }

    public static void main(String[] args) throws Exception {
        int port = args.length > 0 ? Integer.parseInt(args[0]) : 3099;
        Path out = Path.of(args.length > 1 ? args[1] : "target/bench/trigger-http.env");
        ConfigurableApplicationContext context = new SpringApplicationBuilder(TriggerApiApplication.class)
                .run("--server.address=127.0.0.1", "--server.port=" + port,
                        "--trigger-api.local-cluster.seed-demo=false", "--logging.level.root=WARN",
                        "--logging.level.dev.triggerapi=WARN",
                        // One environment at full speed: the bench measures trigger throughput, not the limiter.
                        "--trigger-api.rate-limit.trigger.enabled=" + System.getProperty("bench.rateLimit", "false"),
                        // Off for benchmarks that count writer connections per request (locked-trigger-http.sh).
                        "--trigger-api.run-engine.sweeper-enabled=" + System.getProperty("bench.sweeper", "true"));
        ProvisionedEnvironment env = context.getBean(EnvironmentProvisioning.class)
                .createEnvironment("bench", "bench", EnvironmentType.DEVELOPMENT);
        context.getBean(DeploymentService.class).register(env.environment(), new WorkerRegistration("1", List.of(
                new WorkerRegistration.TaskDeclaration("hello-world", StringNode.valueOf("10m"), TriggerSource.STANDARD,
                        new WorkerRegistration.QueueDeclaration("hello", 5)))));
        Files.createDirectories(out.toAbsolutePath().getParent());
        Path partial = out.resolveSibling(out.getFileName() + ".tmp");
        Files.writeString(partial, "SECRET_KEY=" + env.secretKey() + "\nENV_ID=" + env.environment().id()
                + "\nPG_PORT=" + LocalCluster.sharedIfRunning().primaryPort() + "\nBASE_URL=http://127.0.0.1:" + port + "\n");
        Files.move(partial, out, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Thread.currentThread().join();
    }
}
