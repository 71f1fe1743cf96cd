-- Foundation schema: tenancy, workers and their tasks/queues, deployments, runs and execution snapshots.
-- Ids are application-generated text (sortable, prefix-free); runs and batches also carry a friendly id.

CREATE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- clock_timestamp(), not now(): several writes in one transaction must still order, and realtime uses
    -- updated_at as a watermark that has to move forward on every committed change.
    NEW.updated_at := clock_timestamp();
    RETURN NEW;
END
$$;

CREATE TABLE organizations (
    id         text PRIMARY KEY,
    slug       text NOT NULL UNIQUE,
    title      text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE projects (
    id              text PRIMARY KEY,
    organization_id text NOT NULL REFERENCES organizations (id),
    slug            text NOT NULL,
    name            text NOT NULL,
    external_ref    text NOT NULL UNIQUE,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (organization_id, slug)
);

CREATE TABLE runtime_environments (
    id           text PRIMARY KEY,
    project_id   text NOT NULL REFERENCES projects (id),
    slug         text NOT NULL,
    type         text NOT NULL CHECK (type IN ('DEVELOPMENT', 'STAGING', 'PRODUCTION', 'PREVIEW')),
    -- SHA-256 of the secret API key; the key itself is never stored.
    api_key_hash bytea NOT NULL UNIQUE,
    api_key_hint text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (project_id, slug)
);

CREATE TABLE worker_groups (
    id         text PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    -- SHA-256 of the worker token runners authenticate with.
    token_hash bytea NOT NULL UNIQUE,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE background_workers (
    id                     text PRIMARY KEY,
    friendly_id            text NOT NULL UNIQUE,
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    version                text NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (runtime_environment_id, version)
);
CREATE INDEX background_workers_env_newest ON background_workers (runtime_environment_id, created_at DESC, id DESC);

CREATE TABLE task_queues (
    id                     text PRIMARY KEY,
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    name                   text NOT NULL,
    concurrency_limit      integer CHECK (concurrency_limit IS NULL OR concurrency_limit >= 0),
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (runtime_environment_id, name)
);
CREATE TRIGGER task_queues_updated_at BEFORE UPDATE ON task_queues FOR EACH ROW EXECUTE FUNCTION set_updated_at();

-- Which queues a worker version declared: a queue override on a version-locked trigger must name one of these.
CREATE TABLE background_worker_queues (
    worker_id text NOT NULL REFERENCES background_workers (id),
    queue_id  text NOT NULL REFERENCES task_queues (id),
    PRIMARY KEY (worker_id, queue_id)
);

CREATE TABLE background_worker_tasks (
    id                     text PRIMARY KEY,
    worker_id              text NOT NULL REFERENCES background_workers (id),
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    slug                   text NOT NULL,
    ttl                    text,
    trigger_source         text NOT NULL DEFAULT 'STANDARD' CHECK (trigger_source IN ('STANDARD', 'SCHEDULED', 'AGENT')),
    queue_id               text REFERENCES task_queues (id),
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (worker_id, slug)
);

CREATE TABLE worker_deployments (
    id                     text PRIMARY KEY,
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    worker_id              text NOT NULL UNIQUE REFERENCES background_workers (id),
    version                text NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (runtime_environment_id, version)
);

-- The environment's current deployment. One row per environment; promotion and rollback update it.
CREATE TABLE worker_deployment_promotions (
    runtime_environment_id text PRIMARY KEY REFERENCES runtime_environments (id),
    label                  text NOT NULL DEFAULT 'current',
    deployment_id          text NOT NULL REFERENCES worker_deployments (id),
    worker_id              text NOT NULL REFERENCES background_workers (id),
    promoted_at            timestamptz NOT NULL DEFAULT clock_timestamp()
);

CREATE TABLE task_runs (
    id                         text PRIMARY KEY,
    friendly_id                text NOT NULL UNIQUE,
    runtime_environment_id     text NOT NULL REFERENCES runtime_environments (id),
    task_identifier            text NOT NULL,
    status                     text NOT NULL CHECK (status IN (
                                   'PENDING_VERSION', 'DELAYED', 'QUEUED', 'DEQUEUED', 'EXECUTING', 'WAITING',
                                   'RETRYING_AFTER_FAILURE', 'COMPLETED_SUCCESSFULLY', 'COMPLETED_WITH_ERRORS',
                                   'CANCELED', 'EXPIRED', 'SYSTEM_FAILURE', 'CRASHED', 'TIMED_OUT')),
    queue                      text NOT NULL,
    locked_queue_id            text REFERENCES task_queues (id),
    locked_to_worker_id        text REFERENCES background_workers (id),
    payload                    text,
    payload_type               text NOT NULL DEFAULT 'application/json',
    metadata                   text,
    metadata_type              text,
    tags                       text[] NOT NULL DEFAULT '{}',
    ttl                        text,
    -- Deadline for a queued run to start; past it the run expires (derived from ttl when queued).
    expires_at                 timestamptz,
    trigger_source             text NOT NULL DEFAULT 'STANDARD' CHECK (trigger_source IN ('STANDARD', 'SCHEDULED', 'AGENT')),
    idempotency_key            text,
    idempotency_key_expires_at timestamptz,
    concurrency_key            text,
    priority                   integer NOT NULL DEFAULT 0,
    delay_until                timestamptz,
    queued_at                  timestamptz,
    attempt_number             integer NOT NULL DEFAULT 0,
    max_attempts               integer CHECK (max_attempts IS NULL OR max_attempts >= 1),
    max_duration_seconds       integer,
    machine                    text,
    is_test                    boolean NOT NULL DEFAULT false,
    batch_id                   text,
    lease_expires_at           timestamptz,
    started_at                 timestamptz,
    completed_at               timestamptz,
    expired_at                 timestamptz,
    output                     text,
    output_type                text,
    error                      jsonb,
    latest_snapshot_id         text,
    snapshot_sequence          integer NOT NULL DEFAULT 0,
    created_at                 timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at                 timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE TRIGGER task_runs_updated_at BEFORE UPDATE ON task_runs FOR EACH ROW EXECUTE FUNCTION set_updated_at();
-- One live run per (environment, task, idempotency key); a released key is set to NULL on its old run.
CREATE UNIQUE INDEX task_runs_idempotency ON task_runs (runtime_environment_id, task_identifier, idempotency_key)
    WHERE idempotency_key IS NOT NULL;
CREATE INDEX task_runs_env_created ON task_runs (runtime_environment_id, created_at DESC, id DESC);
CREATE INDEX task_runs_dequeue ON task_runs (priority DESC, created_at, id) WHERE status = 'QUEUED';
CREATE INDEX task_runs_delayed ON task_runs (delay_until) WHERE status = 'DELAYED';
CREATE INDEX task_runs_expiring ON task_runs (expires_at) WHERE status = 'QUEUED' AND expires_at IS NOT NULL;
CREATE INDEX task_runs_leases ON task_runs (lease_expires_at) WHERE status IN ('DEQUEUED', 'EXECUTING');
CREATE INDEX task_runs_executing_queue ON task_runs (runtime_environment_id, queue) WHERE status IN ('DEQUEUED', 'EXECUTING');
CREATE INDEX task_runs_batch ON task_runs (batch_id) WHERE batch_id IS NOT NULL;
CREATE INDEX task_runs_tags ON task_runs USING gin (tags);

-- Append-only history of a run's execution state. sequence is per run, gap-free and the only ordering
-- that counts (timestamps can tie).
CREATE TABLE execution_snapshots (
    id                     text PRIMARY KEY,
    run_id                 text NOT NULL REFERENCES task_runs (id) ON DELETE CASCADE,
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    sequence               integer NOT NULL,
    execution_status       text NOT NULL CHECK (execution_status IN (
                               'RUN_CREATED', 'QUEUED', 'DELAYED', 'PENDING_EXECUTING', 'EXECUTING',
                               'EXECUTING_WITH_WAITPOINTS', 'SUSPENDED', 'PENDING_CANCEL', 'FINISHED')),
    run_status             text NOT NULL,
    description            text NOT NULL,
    attempt_number         integer NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    UNIQUE (run_id, sequence)
);
