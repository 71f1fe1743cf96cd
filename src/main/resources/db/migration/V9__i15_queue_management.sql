-- Queue management API (pause / resume, concurrency override and reset) and its running / queued counts.

-- concurrency_limit stays the limit the worker declared (registration overwrites it); an operator's override
-- and pause live beside it so a re-registration never silently lifts them. The dequeuer reads only the
-- derived effective limit: a paused queue has 0 slots, exactly like a declared limit of 0.
ALTER TABLE task_queues
    ADD COLUMN paused                         boolean NOT NULL DEFAULT false,
    ADD COLUMN concurrency_limit_override     integer CHECK (concurrency_limit_override IS NULL OR concurrency_limit_override >= 0),
    ADD COLUMN concurrency_limit_overridden_at timestamptz,
    ADD COLUMN effective_concurrency_limit    integer GENERATED ALWAYS AS (
        CASE WHEN paused THEN 0 ELSE COALESCE(concurrency_limit_override, concurrency_limit) END) STORED;

-- The queued count per queue (the running count uses task_runs_executing_queue).
CREATE INDEX task_runs_queued_by_queue ON task_runs (runtime_environment_id, queue) WHERE status = 'QUEUED';
