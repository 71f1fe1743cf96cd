package dev.triggerapi.runlist;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import dev.triggerapi.environment.EnvironmentProvisioning;
import dev.triggerapi.environment.EnvironmentType;
import dev.triggerapi.environment.ProvisionedEnvironment;
import dev.triggerapi.replication.ReplicationFixtures;
import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.RunCreator;
import dev.triggerapi.support.TestData;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * A fresh environment with twelve runs of varied task, source, tags, test flag, status, worker version, region
 * (worker group), machine, queue, batch and schedule (all but the first four set with plain SQL on the writer),
 * created one after another, so newest-first is the reverse of {@link #runs()}.
 */
final class RunsListDataset {

    static final List<String> TASKS = List.of("email", "report", "sync");
    static final List<String> SOURCES = List.of("STANDARD", "SCHEDULED", "AGENT");
    static final List<List<String>> TAGS = List.of(List.of("a"), List.of("b"), List.of("a", "c"), List.of());
    /** Internal status per run index (null: stays QUEUED). */
    static final List<String> STATUSES = List.of("COMPLETED_SUCCESSFULLY", "COMPLETED_WITH_ERRORS", "EXECUTING",
            "RETRYING_AFTER_FAILURE", "CANCELED", "COMPLETED_SUCCESSFULLY", "WAITING", "DEQUEUED", "CRASHED", "QUEUED",
            "EXPIRED", "COMPLETED_SUCCESSFULLY");

    static final String V1 = "20250101.1";
    static final String V2 = "20250101.2";
    /** Worker version per run index (null: not locked to a version). */
    static final List<String> VERSIONS = Arrays.asList(V1, V2, null, V1, null, V2, V1, null, null, V2, null, V1);
    /** Region (1 or 2: the dataset's two worker groups) per run index; 0: never claimed by a runner. */
    static final List<Integer> REGIONS = List.of(1, 1, 2, 0, 1, 0, 2, 2, 0, 1, 0, 0);
    static final List<String> MACHINES = Arrays.asList("small-1x", null, "large-2x", "small-1x", null, null,
            "medium-1x", "small-1x", null, "large-2x", null, null);
    /** Batch per run index: "A" stored bare, "batch_A" stored with its prefix (both forms occur), "B", or null. */
    static final List<String> BATCHES = Arrays.asList("A", "A", null, null, "batch_A", null, "B", null, null, null,
            "B", null);
    /** Schedule per run index (only SCHEDULED runs, index % 3 == 1, have one). */
    static final List<String> SCHEDULES = Arrays.asList(null, "S1", null, null, "S1", null, null, "S2", null, null,
            "S1", null);
    static final String SHARED_QUEUE = "shared-q";

    private final ProvisionedEnvironment env;
    private final String suffix = UUID.randomUUID().toString().replace("-", "").substring(0, 12);
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
        for (String version : List.of(V1, V2)) {
            writer.sql("INSERT INTO background_workers (id, friendly_id, runtime_environment_id, version) VALUES (?, ?, ?, ?)")
                    .params(workerId(version), "worker_" + workerId(version), envId(), version).update();
        }
        for (int region : List.of(1, 2)) {
            writer.sql("INSERT INTO worker_groups (id, name) VALUES (?, ?)").params("wg" + region + suffix, region(region))
                    .update();
        }
        for (int i = 0; i < runs.size(); i++) {
            String batch = BATCHES.get(i);
            String schedule = SCHEDULES.get(i);
            writer.sql("""
                            UPDATE task_runs SET locked_to_worker_id = ?, worker_group_id = ?, machine = ?, batch_id = ?,
                                schedule_id = ?, queue = CASE WHEN ? THEN ? ELSE queue END
                            WHERE id = ?""")
                    .params(VERSIONS.get(i) == null ? null : workerId(VERSIONS.get(i)),
                            REGIONS.get(i) == 0 ? null : "wg" + REGIONS.get(i) + suffix, MACHINES.get(i),
                            batch == null ? null : batch.replace("A", "A" + suffix).replace("B", "B" + suffix),
                            schedule == null ? null : schedule + suffix, i % 4 == 2, SHARED_QUEUE, runs.get(i).id())
                    .update();
        }
    }

    private String workerId(String version) {
        return "w" + version.replace(".", "") + suffix;
    }

    /** The region name (worker group name) of region 1 or 2. */
    String region(int region) {
        return "region-" + region + "-" + suffix;
    }

    /** The batch id as the SDK has it ({@code batch_…}) of batch "A" or "B". */
    String batch(String name) {
        return "batch_" + name + suffix;
    }

    /** The schedule id as the SDK has it ({@code sched_…}) of schedule "S1" or "S2". */
    String schedule(String name) {
        return "sched_" + name + suffix;
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
