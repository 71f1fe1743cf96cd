package dev.triggerapi.trigger;

import java.util.ArrayList;
import java.util.List;

import dev.triggerapi.run.CreatedRun;
import dev.triggerapi.run.NewRun;
import dev.triggerapi.run.RunCreator;
import org.springframework.stereotype.Repository;
import org.springframework.transaction.annotation.Transactional;

/** Writes a batch and all of its runs in one writer transaction: either every run exists or none does. */
@Repository
class BatchStore {

    private final TaskRunBatchRepository batches;
    private final RunCreator runs;

    BatchStore(TaskRunBatchRepository batches, RunCreator runs) {
        this.batches = batches;
        this.runs = runs;
    }

    static String friendlyId(String batchId) {
        return "batch_" + batchId;
    }

    @Transactional
    List<CreatedRun> create(String environmentId, String batchId, List<NewRun> newRuns) {
        batches.save(TaskRunBatch.sealed(batchId, environmentId, newRuns.size()));
        List<CreatedRun> created = new ArrayList<>(newRuns.size());
        for (NewRun run : newRuns) {
            created.add(runs.createInCurrentTransaction(run));
        }
        return created;
    }
}
