-- Runs as replicated from PostgreSQL task_runs (package replication); read by GET /api/v1/runs.
-- Applied at every start: each statement must be idempotent (ADD COLUMN is made so by ClickHouseSchema).
--
-- ReplacingMergeTree keeps, per sorting key (environment_id, created_at_us, run_id), the row with the highest
-- _version: the commit LSN of the change (snapshot rows: the snapshot's LSN), so a replayed or late change
-- never overwrites a newer one. Deletes are rows with _is_deleted = 1. Reads use FINAL and skip deleted rows.
--
-- Written for ClickHouse 18.16 and current versions alike: no DateTime64, LowCardinality or TTL, so times are
-- Int64 microseconds since the epoch (PostgreSQL's precision, which the runs list orders and pages by).
CREATE TABLE IF NOT EXISTS task_runs
(
    environment_id   String,
    created_at_us    Int64,
    run_id           String,
    friendly_id      String,
    task_identifier  String,
    status           String,
    trigger_source   String,
    queue            String,
    tags             Array(String),
    is_test          UInt8,
    attempt_count    UInt32,
    priority         Int32,
    idempotency_key  Nullable(String),
    concurrency_key  Nullable(String),
    ttl              Nullable(String),
    batch_id         Nullable(String),
    machine          Nullable(String),
    locked_to_worker_id Nullable(String),
    worker_group_id  Nullable(String),
    schedule_id      Nullable(String),
    delay_until_us   Nullable(Int64),
    queued_at_us     Nullable(Int64),
    started_at_us    Nullable(Int64),
    completed_at_us  Nullable(Int64),
    expired_at_us    Nullable(Int64),
    updated_at_us    Int64,
    _version         UInt64,
    _is_deleted      UInt8,
    created_at       DateTime MATERIALIZED toDateTime(intDiv(created_at_us, 1000000))
)
ENGINE = ReplacingMergeTree(_version)
PARTITION BY toYYYYMM(created_at)
ORDER BY (environment_id, created_at_us, run_id);

-- Columns added after the table's first release (runs-list filters by version, region and schedule): tables
-- created before have them added here. Rows replicated before that keep NULL until their run changes again.
-- 18.16 has no ADD COLUMN IF NOT EXISTS: ClickHouseSchema runs an ADD COLUMN only when the column is missing.
ALTER TABLE task_runs ADD COLUMN locked_to_worker_id Nullable(String);
ALTER TABLE task_runs ADD COLUMN worker_group_id Nullable(String);
ALTER TABLE task_runs ADD COLUMN schedule_id Nullable(String);
-- Priority as PostgreSQL keeps it since issue 18 (priority_ms: head start in milliseconds, fractional seconds
-- allowed); `priority` above then holds the whole seconds, truncated. Rows written before read their milliseconds
-- from their whole seconds (clamped to the range the API accepts, so the product cannot wrap).
ALTER TABLE task_runs ADD COLUMN priority_ms Int32 DEFAULT toInt32(greatest(-2147483, least(2147483, priority)) * 1000);
