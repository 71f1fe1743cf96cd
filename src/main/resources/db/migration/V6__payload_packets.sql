-- Large payloads the SDK offloads (>= 128 KiB) before triggering. Stored durably on the writer; a run with
-- payload_type 'application/store' holds the packet path as its payload.
CREATE TABLE payload_packets (
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    path                   text NOT NULL,
    content                bytea NOT NULL,
    content_type           text NOT NULL,
    size_bytes             integer NOT NULL,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (runtime_environment_id, path)
);
