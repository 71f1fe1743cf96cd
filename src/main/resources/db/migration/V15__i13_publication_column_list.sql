-- Runs replication (issue 13): publish only the columns the ClickHouse runs list reads (ClickHouseRunRows.SOURCE_COLUMNS).
-- task_runs has about fifty columns; the sink reads 26. Every other column (payload, metadata, output, error, the
-- lease, retry and expiry timestamps, snapshot bookkeeping) was still decoded by the walsender, sent, and parsed,
-- converted and validated by Debezium's single decoding thread, the stream's bottleneck, for every change.
-- A publication column list (PostgreSQL 15+) makes the walsender send only these; for updates and deletes it must
-- hold the replica identity columns (id, runtime_environment_id, created_at: migration V13), which it does.
-- ReplicationSetupValidator refuses a column list that lacks one of these columns.
ALTER PUBLICATION task_runs_clickhouse SET TABLE task_runs (
    id, friendly_id, runtime_environment_id, task_identifier, status, queue, tags, trigger_source,
    idempotency_key, concurrency_key, priority_ms, ttl, delay_until, queued_at, attempt_number, machine, is_test,
    batch_id, started_at, completed_at, expired_at, created_at, updated_at, locked_to_worker_id, worker_group_id,
    schedule_id);
