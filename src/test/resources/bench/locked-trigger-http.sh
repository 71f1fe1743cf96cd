#!/usr/bin/env bash
# Locked-trigger HTTP throughput and writer connections per trigger (issue 25), next to current-version triggers
# in the same run. Writer connections come from the service's own Hikari metrics
# (hikaricp_connections_acquire_seconds_count{pool="writer"}, read from /actuator/prometheus before and after each
# wrk phase; the run sweeper is off so only requests use the writer). Not a test: prints numbers, never fails.
# Usage (from the repository root): bash src/test/resources/bench/locked-trigger-http.sh
set -euo pipefail
cd "$(dirname "$0")/../../../.."
PORT=${PORT:-3097}
CONNECTIONS=${CONNECTIONS:-20}
DURATION=${DURATION:-30}
WARMUP=${WARMUP:-20}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }

mkdir -p target/bench
ENV_FILE=target/bench/locked-trigger-http.env
rm -f "$ENV_FILE"
mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.triggerapi.bench.TriggerHttpBenchServer \
  -Dexec.args="$PORT $ENV_FILE" -Dbench.sweeper=false > target/bench/locked-server.log 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -f "$ENV_FILE" ] && break; sleep 1; done
[ -f "$ENV_FILE" ] || { echo "server did not start, see target/bench/locked-server.log"; exit 1; }
set -a; . "$ENV_FILE"; set +a
URL="$BASE_URL/api/v1/tasks/hello-world/trigger"
writer_acquires() {
  curl -s "$BASE_URL/actuator/prometheus" | awk '/^hikaricp_connections_acquire_seconds_count\{.*pool="writer"/ {print $2}'
}
phase() { # name, body
  local before after out requests
  before=$(writer_acquires)
  out=$(BODY="$2" SECRET_KEY=$SECRET_KEY wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency \
    -s src/test/resources/bench/wrk-trigger-locked.lua "$URL")
  after=$(writer_acquires)
  requests=$(echo "$out" | awk '/^requests:/ {gsub(",", "", $2); print $2}')
  echo "$out" | grep -E "Requests/sec|50%|99%|non-2xx"
  awk -v a="$after" -v b="$before" -v n="$requests" -v name="$1" \
    'BEGIN { printf "%s: writer connections per trigger %.3f (%d over %d requests)\n", name, (a-b)/n, a-b, n }'
}
LOCKED='{"payload":{"name":"world"},"options":{"tags":["bench"],"lockToVersion":"1"}}'
CURRENT='{"payload":{"name":"world"},"options":{"tags":["bench"]}}'
echo "== warm-up ${WARMUP} s each (not reported)"
BODY="$LOCKED" SECRET_KEY=$SECRET_KEY wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s src/test/resources/bench/wrk-trigger-locked.lua "$URL" > /dev/null
BODY="$CURRENT" SECRET_KEY=$SECRET_KEY wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s src/test/resources/bench/wrk-trigger-locked.lua "$URL" > /dev/null
echo "== locked to version 1, c=$CONNECTIONS, ${DURATION}s (load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
phase locked "$LOCKED"
echo "== current version, c=$CONNECTIONS, ${DURATION}s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
phase current "$CURRENT"
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
