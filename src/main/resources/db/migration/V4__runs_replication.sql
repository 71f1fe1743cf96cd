-- Runs replication to ClickHouse (package replication): Debezium streams task_runs through a pgoutput
-- publication and keeps its offsets here, on the writer, so every instance resumes from the same place.

-- Deletes must carry the whole old row: ClickHouse can only mark a run deleted with a row that has the same
-- sorting key (environment, created_at, id), and with the default identity a delete carries only the id.
ALTER TABLE task_runs REPLICA IDENTITY FULL;

-- The default publication name (RUN_REPLICATION_PUBLICATION_NAME). A publication costs nothing until a
-- replication slot reads through it; the slot is created by the first instance that streams.
CREATE PUBLICATION task_runs_clickhouse FOR TABLE task_runs WITH (publish = 'insert, update, delete');

-- Debezium offsets (the Kafka Connect key/value pairs, JSON bytes), one row per key; the key names the
-- engine, which is named after the replication slot.
CREATE TABLE runs_replication_offsets (
    offset_key   bytea PRIMARY KEY,
    offset_value bytea,
    updated_at   timestamptz NOT NULL DEFAULT clock_timestamp()
);
