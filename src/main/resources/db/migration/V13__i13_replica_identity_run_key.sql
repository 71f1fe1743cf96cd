-- Runs replication (issue 13): a delete needs only the run's ClickHouse sorting key (environment, created_at, id),
-- not the whole old row. With REPLICA IDENTITY FULL every UPDATE also wrote the complete old row into the WAL and
-- Debezium decoded it (old image plus its Struct: about a fifth of its decoding thread), although the stream only
-- reads the new row of an update. A replica identity index over the sorting key keeps what deletes need: PostgreSQL
-- logs these columns for a delete, and for an update only if one of them changed (they never do).
-- The index repeats the primary key's uniqueness on purpose: a replica identity index must be unique and its columns
-- NOT NULL, which (id, runtime_environment_id, created_at) are.
CREATE UNIQUE INDEX task_runs_replica_identity ON task_runs (id, runtime_environment_id, created_at);
ALTER TABLE task_runs REPLICA IDENTITY USING INDEX task_runs_replica_identity;

-- Without the full old row, an UPDATE that leaves an out-of-line (TOASTed) value unchanged sends no value for it, and
-- Debezium could no longer fill it from the old image. The replicated text columns are short (the API bounds them:
-- tags 10 × 127, idempotency key 2,048, concurrency key 1,024, queue 256 characters), so keep them in the row:
-- MAIN still compresses, and moves a value out of line only when the row cannot fit a page otherwise (payload,
-- output and error go first).
ALTER TABLE task_runs
    ALTER COLUMN tags SET STORAGE MAIN,
    ALTER COLUMN idempotency_key SET STORAGE MAIN,
    ALTER COLUMN concurrency_key SET STORAGE MAIN,
    ALTER COLUMN queue SET STORAGE MAIN,
    ALTER COLUMN task_identifier SET STORAGE MAIN,
    ALTER COLUMN friendly_id SET STORAGE MAIN,
    ALTER COLUMN machine SET STORAGE MAIN,
    ALTER COLUMN ttl SET STORAGE MAIN,
    ALTER COLUMN batch_id SET STORAGE MAIN;
