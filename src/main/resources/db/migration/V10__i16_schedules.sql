-- Scheduled tasks (issue 16): cron schedules, declared by a worker version (DECLARATIVE) or created through the
-- API (IMPERATIVE), and the schedule a task declares on its worker version.

ALTER TABLE background_worker_tasks
    ADD COLUMN schedule_cron         text,
    ADD COLUMN schedule_timezone     text,
    -- Comma-separated environment types the declared schedule applies to; NULL = every environment.
    ADD COLUMN schedule_environments text;

CREATE TABLE task_schedules (
    id                     text PRIMARY KEY,
    friendly_id            text NOT NULL UNIQUE,
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    type                   text NOT NULL CHECK (type IN ('DECLARATIVE', 'IMPERATIVE')),
    task_identifier        text NOT NULL,
    cron                   text NOT NULL,
    timezone               text NOT NULL DEFAULT 'UTC',
    external_id            text,
    -- Imperative schedules only: a second create with the same key updates the schedule.
    deduplication_key      text,
    active                 boolean NOT NULL DEFAULT true,
    -- The next instant to fire; the scheduler claims rows whose next_run_at has passed. NULL = never fires again.
    next_run_at            timestamptz,
    -- The instant fired last (the payload's lastTimestamp).
    last_run_at            timestamptz,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    CHECK ((type = 'IMPERATIVE') = (deduplication_key IS NOT NULL))
);
CREATE TRIGGER task_schedules_updated_at BEFORE UPDATE ON task_schedules FOR EACH ROW EXECUTE FUNCTION set_updated_at();
CREATE UNIQUE INDEX task_schedules_dedup ON task_schedules (runtime_environment_id, deduplication_key)
    WHERE type = 'IMPERATIVE';
CREATE UNIQUE INDEX task_schedules_declared ON task_schedules (runtime_environment_id, task_identifier)
    WHERE type = 'DECLARATIVE';
CREATE INDEX task_schedules_due ON task_schedules (next_run_at) WHERE active AND next_run_at IS NOT NULL;
CREATE INDEX task_schedules_env_list ON task_schedules (runtime_environment_id, created_at, id);
