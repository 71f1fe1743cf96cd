package dev.triggerapi.replication;

import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.TestData;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A fresh environment with twelve runs of varied task, source, tags, test flag and status (statuses set with
 * plain SQL on the writer), created one after another, so newest-first is the reverse of {@link #runs()}.
 */
final class RunsListDataset {

    static final List<String> TASKS = List.of("email", "report", "sync");
    static final List<String> SOURCES = List.of("STANDARD", "SCHEDULED", "AGENT");
    static final List<List<String>> TAGS = List.of(List.of("a"), List.of("b"), List.of("a", "c"), List.of());
    /** Internal status per run index (null: stays QUEUED). */
    static final List<String> STATUSES = List.of("COMPLETED_SUCCESSFULLY", "COMPLETED_WITH_ERRORS", "EXECUTING",
            "RETRYING_AFTER_FAILURE", "CANCELED", "COMPLETED_SUCCESSFULLY", "WAITING", "DEQUEUED", "CRASHED", "QUEUED",
            "EXPIRED", "COMPLETED_SUCCESSFULLY");

    private final ProvisionedEnvironment env;
    private final List<CreatedRun> runs = new ArrayList<>();

    RunsListDataset(EnvironmentProvisioning provisioning, RunCreator creator, JdbcClient writer) {
        this.env = TestData.environment(provisioning, EnvironmentType.PRODUCTION);
        for (int i = 0; i < STATUSES.size(); i++) {
            CreatedRun run = creator.create(ReplicationFixtures.newRun(env.environment().id(), TASKS.get(i % 3),
                    TAGS.get(i % 4), SOURCES.get(i % 3), i % 4 == 3));
            runs.add(run);
            String status = STATUSES.get(i);
            if (!status.equals("QUEUED")) {
                boolean finished = dev.triggerapi.run.RunStatus.valueOf(status).isFinal();
                writer.sql("""
                                UPDATE task_runs SET status = ?, attempt_number = 1,
                                    started_at = created_at + interval '10 milliseconds',
                                    completed_at = CASE WHEN ? THEN created_at + interval '1510 milliseconds' END
                                WHERE id = ?""")
                        .params(status, finished, run.id()).update();
            }
        }
    }

    ProvisionedEnvironment env() {
        return env;
    }

    String envId() {
        return env.environment().id();
    }

    /** In creation order (oldest first). */
    List<CreatedRun> runs() {
        return runs;
    }

    /** Friendly ids, newest first, of the runs whose index satisfies {@code filter}. */
    List<String> newestFirst(java.util.function.IntPredicate filter) {
        List<String> ids = new ArrayList<>();
        for (int i = runs.size() - 1; i >= 0; i--) {
            if (filter.test(i)) {
                ids.add(runs.get(i).friendlyId());
            }
        }
        return ids;
    }
}
