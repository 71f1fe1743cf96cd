-- Run lifecycle engine: what dequeue, retries, TTL expiry and lease sweeps need beyond the foundation schema.

-- The ttl in seconds (the ttl text stays for display). A delayed run has no expiry deadline yet; it gets
-- expires_at = queued time + ttl_seconds when it is queued.
ALTER TABLE task_runs ADD COLUMN ttl_seconds bigint CHECK (ttl_seconds IS NULL OR ttl_seconds >= 0);

-- When a run waiting out a retry backoff (status RETRYING_AFTER_FAILURE) goes back to the queue.
ALTER TABLE task_runs ADD COLUMN retry_at timestamptz;

-- The worker group whose runner claimed the run last (for operators; not an authorization rule).
ALTER TABLE task_runs ADD COLUMN worker_group_id text REFERENCES worker_groups (id);

-- Backoffs that end: the sweeper requeues RETRYING_AFTER_FAILURE runs whose retry_at has passed.
CREATE INDEX task_runs_retrying ON task_runs (retry_at) WHERE status = 'RETRYING_AFTER_FAILURE';

-- Dequeue narrowed to one environment (x-trigger-worker-environment-id): same order as task_runs_dequeue.
CREATE INDEX task_runs_env_dequeue ON task_runs (runtime_environment_id, priority DESC, created_at, id)
    WHERE status = 'QUEUED';

-- A run cancelled while a runner held it keeps a short lease for the runner to acknowledge; the sweeper
-- finishes the ones whose runner never did.
CREATE INDEX task_runs_cancel_pending ON task_runs (lease_expires_at)
    WHERE status = 'CANCELED' AND lease_expires_at IS NOT NULL;
