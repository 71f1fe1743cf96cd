-- Batch triggers: one row per batch; its runs point at it through task_runs.batch_id.
CREATE TABLE task_run_batches (
    id                     text PRIMARY KEY,
    friendly_id            text NOT NULL UNIQUE,
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    run_count              integer NOT NULL CHECK (run_count >= 1),
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX task_run_batches_env_created ON task_run_batches (runtime_environment_id, created_at DESC);

-- Orders the task-metadata cache writes that change an environment's current worker (promotion, DEVELOPMENT
-- registration). Taken inside the writer transaction while the environment's deployment lock is held, so
-- a higher number always means a later change; the cache refuses to let an older write overwrite a newer one
-- when the two reach Redis out of order after commit.
CREATE SEQUENCE task_meta_generation;

