-- The write a trigger makes, without the service: the run row (same columns and ON CONFLICT as RunCreator)
-- and its first execution snapshot in one transaction. @ENV_ID@ is replaced by trigger-http.sh.
\set r random(1, 9000000000000000000)
BEGIN;
INSERT INTO task_runs (id, friendly_id, runtime_environment_id, task_identifier, status, queue, payload, payload_type,
    tags, ttl, expires_at, trigger_source, priority_ms, queued_at, latest_snapshot_id, snapshot_sequence)
VALUES ('pgb' || :r, 'run_pgb' || :r, '@ENV_ID@', 'hello-world', 'QUEUED', 'hello', '{"name":"world"}',
    'application/json', '{bench}', '10m', now() + interval '10 minutes', 'STANDARD', 0, now(), 'pgbs' || :r, 1)
ON CONFLICT (runtime_environment_id, task_identifier, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
RETURNING updated_at;
INSERT INTO execution_snapshots (id, run_id, runtime_environment_id, sequence, execution_status, run_status,
    description, attempt_number)
VALUES ('pgbs' || :r, 'pgb' || :r, '@ENV_ID@', 1, 'QUEUED', 'QUEUED', 'Run was created and queued', 0);
COMMIT;
