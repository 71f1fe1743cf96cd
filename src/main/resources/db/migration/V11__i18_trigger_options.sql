-- Trigger options with the reference's meaning (issue 18): priority as a head start, per-key concurrency,
-- debounce.

-- Priority is a time offset in seconds: a run's place in the dequeue order is the moment it became due (its
-- trigger time, or the end of its delay) minus its priority, so priority 10 overtakes runs queued up to 10 s
-- earlier and no more. Written by the application whenever that moment changes; a run coming back to the queue
-- (retry, lapsed lease) keeps its place. Only runs that can still be dequeued need a value.
ALTER TABLE task_runs ADD COLUMN queue_order_at timestamptz;
UPDATE task_runs SET queue_order_at = COALESCE(delay_until, created_at) - make_interval(secs => priority)
    WHERE status IN ('PENDING_VERSION', 'DELAYED', 'QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING', 'RETRYING_AFTER_FAILURE');
-- Set after the backfill: a volatile default on ADD COLUMN would rewrite the table. Rows inserted by anything
-- but the run creator (bulk loads, benchmarks) then queue as "due now, no priority".
ALTER TABLE task_runs ALTER COLUMN queue_order_at SET DEFAULT clock_timestamp();

-- The dequeue scans these in order (one for any environment, one for a runner scoped to an environment).
DROP INDEX task_runs_dequeue;
DROP INDEX task_runs_env_dequeue;
CREATE INDEX task_runs_dequeue_order ON task_runs (queue_order_at, id) WHERE status = 'QUEUED';
CREATE INDEX task_runs_env_dequeue_order ON task_runs (runtime_environment_id, queue_order_at, id)
    WHERE status = 'QUEUED';

-- Per-key concurrency counts the runs out per (environment, queue, concurrency key); the queue-wide counts
-- (queue management) use the same index through its prefix.
DROP INDEX task_runs_executing_queue;
CREATE INDEX task_runs_executing_partition ON task_runs (runtime_environment_id, queue, concurrency_key)
    WHERE status IN ('DEQUEUED', 'EXECUTING');

-- Debounce: at most one pending (DELAYED) run per (environment, task, debounce key); later triggers with the
-- key push it back (and in trailing mode replace its payload) instead of creating runs. A run that leaves
-- DELAYED leaves the index by itself; one that may not be pushed any further (maxDelay) has its key cleared.
ALTER TABLE task_runs
    ADD COLUMN debounce_key       text,
    -- The latest a push may move the run to (first trigger + maxDelay), or NULL without a maxDelay.
    ADD COLUMN debounce_max_until timestamptz;
CREATE UNIQUE INDEX task_runs_debounce ON task_runs (runtime_environment_id, task_identifier, debounce_key)
    WHERE debounce_key IS NOT NULL AND status = 'DELAYED';

-- idempotencyKeyOptions as the SDK sends them: the user's key before hashing and its scope, handed to the
-- task's context (ctx.run.idempotencyKey / idempotencyKeyScope) as the reference does.
ALTER TABLE task_runs
    ADD COLUMN idempotency_key_user  text,
    ADD COLUMN idempotency_key_scope text CHECK (idempotency_key_scope IN ('run', 'attempt', 'global'));
