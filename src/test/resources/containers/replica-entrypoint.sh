#!/usr/bin/env bash
# Entrypoint of the container fixture's replica (support.ContainerCluster): a base backup of the primary that
# streams from a physical slot, with no apply delay at start (tests set one with ALTER SYSTEM + reload).
set -euo pipefail
export PGDATA=/var/lib/postgresql/data
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  pg_basebackup -h primary -U postgres -D "$PGDATA" -X stream -R -C -S container_replica
fi
# A standby refuses to start with max_wal_senders (and friends) below the primary's. No
# recovery_min_apply_delay here: a command-line setting would override the ALTER SYSTEM value tests set.
exec postgres -D "$PGDATA" -c hot_standby=on -c hot_standby_feedback=on -c max_wal_senders=16 -c fsync=off \
  -c wal_retrieve_retry_interval=50ms
