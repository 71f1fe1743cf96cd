package dev.triggerapi.trigger;

import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Writes a batch and all of its runs in one writer transaction: either every run exists or none does. */
@Repository
class BatchStore {

    private final JdbcClient jdbc;
    private final RunCreator runs;

    BatchStore(JdbcClient jdbc, RunCreator runs) {
        this.jdbc = jdbc;
        this.runs = runs;
    }

    static String friendlyId(String batchId) {
        return "batch_" + batchId;
    }

    @Transactional
    List<CreatedRun> create(String environmentId, String batchId, List<NewRun> newRuns) {
        jdbc.sql("""
                        INSERT INTO task_run_batches (id, friendly_id, runtime_environment_id, run_count)
                        VALUES (?, ?, ?, ?)""")
                .params(batchId, friendlyId(batchId), environmentId, newRuns.size()).update();
        List<CreatedRun> created = new ArrayList<>(newRuns.size());
        for (NewRun run : newRuns) {
            created.add(runs.createInCurrentTransaction(run));
        }
        return created;
    }
}
