#!/usr/bin/env bash
# HTTP trigger throughput with wrk (c=50, 30 s) next to pgbench running the equivalent insert transaction on
# the same machine and the same embedded primary. Not a test: prints numbers, never fails on them.
# Usage (from the repository root): bash src/test/resources/bench/trigger-http.sh
set -euo pipefail
cd "$(dirname "$0")/../../../.."
PORT=${PORT:-3099}
CONNECTIONS=${CONNECTIONS:-50}
DURATION=${DURATION:-30}
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
PGBENCH=$(command -v pgbench || ls /usr/lib/postgresql/*/bin/pgbench 2>/dev/null | head -1 || true)
[ -n "$PGBENCH" ] || { apt-get update -qq && apt-get install -y -qq postgresql-client; PGBENCH=$(command -v pgbench); }

mkdir -p target/bench
ENV_FILE=target/bench/trigger-http.env
rm -f "$ENV_FILE"
mvn -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.triggerapi.bench.TriggerHttpBenchServer \
  -Dexec.args="$PORT $ENV_FILE" > target/bench/server.log 2>&1 &
SERVER=$!
trap 'kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true' EXIT
for _ in $(seq 1 300); do [ -f "$ENV_FILE" ] && break; sleep 1; done
[ -f "$ENV_FILE" ] || { echo "server did not start, see target/bench/server.log"; exit 1; }
set -a; . "$ENV_FILE"; set +a
URL="$BASE_URL/api/v1/tasks/hello-world/trigger"

echo "== smoke checks"
printf 'trigger: '; curl -s -X POST "$URL" -H "Authorization: Bearer $SECRET_KEY" -H 'Content-Type: application/json' -d '{"payload":{"name":"world"}}'; echo
printf 'encoded slash in task id: HTTP '; curl -s -o /dev/null -w '%{http_code}\n' -X POST "$BASE_URL/api/v1/tasks/folder%2Ftask/trigger" \
  -H "Authorization: Bearer $SECRET_KEY" -H 'Content-Type: application/json' -d '{}'
printf 'chunked 3.2 MB body: HTTP '; head -c 3200000 /dev/zero | tr '\0' ' ' | curl -s -o /dev/null -w '%{http_code}\n' -X POST "$URL" \
  -H "Authorization: Bearer $SECRET_KEY" -H 'Content-Type: application/json' -H 'Transfer-Encoding: chunked' --data-binary @-

WARMUP=${WARMUP:-60}
echo "== wrk warm-up (${WARMUP} s, not reported: the JIT needs it on 2 cores)"
SECRET_KEY=$SECRET_KEY wrk -t2 -c"$CONNECTIONS" -d"${WARMUP}s" -s src/test/resources/bench/wrk-trigger.lua "$URL" > /dev/null
# CPU per trigger, JVM and PostgreSQL primary (the postmaster listening on PG_PORT and its backends), from
# /proc clock ticks around the measured run: comparable between builds even when a busy machine makes the
# throughput itself noisy.
ticks() { local total=0 pid; for pid in "$@"; do
  [ -r "/proc/$pid/stat" ] && total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done; echo "$total"; }
pg_pids() { local pm; pm=$(ss -ltnpH "sport = :$PG_PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
  [ -n "$pm" ] && { echo "$pm"; pgrep -P "$pm"; }; }
# The primary's CPU: its live processes, plus the postmaster's reaped children (pgbench's backends end before the
# second reading; their time is then in the postmaster's cutime and cstime).
pg_ticks() { local pm; pm=$(pg_pids | head -1)
  echo $(( $(ticks $(pg_pids)) + $(awk '{print $16 + $17}' "/proc/$pm/stat") )); }
JVM_PID=$(ss -ltnpH "sport = :$PORT" | grep -o 'pid=[0-9]*' | head -1 | cut -d= -f2)
# The embedded ClickHouse (runs replication's target), when this machine has it.
ch_ticks() { local pids; pids=$(pgrep -f 'clickhouse.*server' || true); [ -n "$pids" ] && ticks $pids || echo 0; }
JVM0=$(ticks "$JVM_PID"); PG0=$(pg_ticks); CH0=$(ch_ticks)
echo "== wrk: HTTP trigger, c=$CONNECTIONS, ${DURATION}s (load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores)"
SECRET_KEY=$SECRET_KEY wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" --latency -s src/test/resources/bench/wrk-trigger.lua "$URL" \
  | tee target/bench/wrk.out
JVM1=$(ticks "$JVM_PID"); PG1=$(pg_ticks); CH1=$(ch_ticks)
REQUESTS=$(awk '/requests in/ {print $1}' target/bench/wrk.out)
HZ=$(getconf CLK_TCK)
awk -v j=$((JVM1 - JVM0)) -v p=$((PG1 - PG0)) -v c=$((CH1 - CH0)) -v n="$REQUESTS" -v hz="$HZ" 'BEGIN {
  printf "CPU per trigger: JVM %.0f µs, PostgreSQL primary %.0f µs, ClickHouse %.0f µs (%d requests)\n",
    j / hz * 1e6 / n, p / hz * 1e6 / n, c / hz * 1e6 / n, n }'

# Before pgbench, let the runs-replication stream flush what the HTTP run wrote (at most 180 s): otherwise its
# catch-up would take CPU from pgbench, and a faster HTTP run (a bigger backlog) would lower pgbench's tps. Here
# runs are only inserted, so the stream has caught up when it has flushed as many rows as task_runs holds.
psql_q() { psql -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -Atqc "$1" 2>/dev/null; }
flushed() { curl -s "$BASE_URL/actuator/prometheus" | awk '/^runs_replication_rows_flushed_total/ {printf "%d", $NF}'; }
if [ -n "$(flushed)" ]; then
  RUNS=$(psql_q "SELECT count(*) FROM task_runs")
  BEHIND=$(( RUNS - $(flushed) ))
  START=$(date +%s)
  until [ "$(flushed)" -ge "$RUNS" ] || [ $(( $(date +%s) - START )) -ge 180 ]; do sleep 1; done
  echo "== runs replication: $BEHIND of $RUNS runs not yet in ClickHouse when wrk ended; $(( RUNS - $(flushed) )) after $(( $(date +%s) - START )) s"
fi
echo "== pgbench: the equivalent insert transaction, c=$CONNECTIONS, ${DURATION}s (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
sed "s/@ENV_ID@/$ENV_ID/g" src/test/resources/bench/pgbench-trigger.sql > target/bench/pgbench-trigger.sql
JVM0=$(ticks "$JVM_PID"); PG0=$(pg_ticks); CH0=$(ch_ticks)
"$PGBENCH" -n -h 127.0.0.1 -p "$PG_PORT" -U postgres -c "$CONNECTIONS" -j 2 -T "$DURATION" \
  -f target/bench/pgbench-trigger.sql postgres | tee target/bench/pgbench.out
JVM1=$(ticks "$JVM_PID"); PG1=$(pg_ticks); CH1=$(ch_ticks)
# The service's JVM only streams pgbench's rows to ClickHouse meanwhile (runs replication): its CPU is part of
# what each pgbench transaction costs the machine, as it is of each trigger.
TRANSACTIONS=$(awk '/number of transactions actually processed/ {print $NF}' target/bench/pgbench.out)
awk -v j=$((JVM1 - JVM0)) -v p=$((PG1 - PG0)) -v c=$((CH1 - CH0)) -v n="$TRANSACTIONS" -v hz="$HZ" 'BEGIN {
  printf "CPU per pgbench transaction: JVM %.0f µs, PostgreSQL primary %.0f µs, ClickHouse %.0f µs (%d transactions)\n",
    j / hz * 1e6 / n, p / hz * 1e6 / n, c / hz * 1e6 / n, n }'
echo "== load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
