-- Issue 23/12: an environment may have several secret keys and a worker group several tokens, each revocable.
-- Authentication still looks keys up by SHA-256; secret keys are also kept encrypted (AES-256-GCM under the
-- key-encryption key SECRET_KEY_ENCRYPTION_KEY) because SDK-signed public tokens are HS256 over the secret key
-- itself, so the service must be able to recover it. Worker tokens are only ever compared, so only hashed.

CREATE TABLE environment_secret_keys (
    id                     text PRIMARY KEY,
    runtime_environment_id text NOT NULL REFERENCES runtime_environments (id),
    -- SHA-256 of the key: the authentication lookup.
    key_hash               bytea NOT NULL UNIQUE,
    -- Prefix and last four characters, for humans telling keys apart.
    key_hint               text NOT NULL,
    -- nonce || AES-GCM ciphertext+tag, with "<environment id>:<key id>" as associated data so a ciphertext
    -- cannot be moved to another row. NULL for legacy keys (migrated from a hash only: plaintext unknown).
    key_ciphertext         bytea,
    -- Fingerprint of the key-encryption key that sealed key_ciphertext.
    encryption_key_id      text,
    created_at             timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_at             timestamptz,
    CHECK ((key_ciphertext IS NULL) = (encryption_key_id IS NULL))
);
CREATE INDEX environment_secret_keys_environment ON environment_secret_keys (runtime_environment_id, created_at);

-- Keys created before this migration exist only as hashes: they keep authenticating, but cannot sign or verify
-- SDK-minted tokens (no ciphertext). Issue a new key and revoke the legacy one to get that.
INSERT INTO environment_secret_keys (id, runtime_environment_id, key_hash, key_hint, created_at)
SELECT 'legacy_' || id, id, api_key_hash, api_key_hint, created_at FROM runtime_environments;

ALTER TABLE runtime_environments DROP COLUMN api_key_hash, DROP COLUMN api_key_hint;

CREATE TABLE worker_group_tokens (
    id              text PRIMARY KEY,
    worker_group_id text NOT NULL REFERENCES worker_groups (id),
    -- SHA-256 of the token runners authenticate with; the token itself is never stored.
    token_hash      bytea NOT NULL UNIQUE,
    token_hint      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    revoked_at      timestamptz
);
CREATE INDEX worker_group_tokens_group ON worker_group_tokens (worker_group_id, created_at);

INSERT INTO worker_group_tokens (id, worker_group_id, token_hash, token_hint, created_at)
SELECT 'legacy_' || id, id, token_hash, 'tr_wgt_…', created_at FROM worker_groups;

ALTER TABLE worker_groups DROP COLUMN token_hash;
