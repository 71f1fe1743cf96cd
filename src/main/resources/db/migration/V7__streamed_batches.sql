-- The SDK's two-phase batches: a batch is created with its expected run count, then its items stream in
-- (possibly re-sent), deduplicated by their index, and the batch seals once every index has a run.
ALTER TABLE task_run_batches
    ADD COLUMN sealed          boolean NOT NULL DEFAULT true,
    ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX task_run_batches_idempotency ON task_run_batches (runtime_environment_id, idempotency_key)
    WHERE idempotency_key IS NOT NULL;

ALTER TABLE task_runs ADD COLUMN batch_index integer;
CREATE UNIQUE INDEX task_runs_batch_index ON task_runs (batch_id, batch_index) WHERE batch_index IS NOT NULL;
