#!/usr/bin/env bash
# Container smoke test of the documented compose stack, over HTTP on 127.0.0.1:
#   builds the app image from the Dockerfile, starts docker-compose.yml plus
#   docker-compose.replica.yml with REPLICA_APPLY_DELAY=500ms, and checks that
#   1. every service becomes healthy, and the app reads from the replica, which lags by 500 ms;
#   2. a version registered a moment ago is triggered version-locked at once: 200, never 422;
#   3. a runner dequeues and starts the run, and its immediate snapshot polls answer 200 (never 404 for lag);
#   4. GET /api/v1/runs lists the runs from ClickHouse (they are in ClickHouse's table, and with ClickHouse
#      stopped the app says it falls back from ClickHouse);
#   5. the app container runs as a non-root user;
#   6. with docker-compose.stream.yml on top, the stream runs in the `replication` service and not in the app, which
#      still lists from ClickHouse a run triggered then;
#   7. docker compose down leaves no container of the stack.
#
# Needs a reachable engine (DOCKER_HOST; see engine-start.sh). Image names come from the environment
# (POSTGRES_IMAGE, ...; official by default); on machines without registry access source local-images.env
# after build-images.sh. Exit status: 0 all checks passed, 1 a check failed, 3 no engine reachable.
set -euo pipefail
cd "$(dirname "$0")/../../.."

say() { echo "compose-smoke: $*" >&2; }
if ! docker version >/dev/null 2>&1; then
  say "SKIP: no Docker engine reachable at ${DOCKER_HOST:-the default socket} (start one with src/test/docker/engine-start.sh)"
  exit 3
fi
for tool in curl jq; do
  command -v "$tool" >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$tool"; } >&2
done
if docker compose version >/dev/null 2>&1; then COMPOSE=(docker compose); else COMPOSE=(docker-compose); fi
PROJECT=trigger-api-smoke
# Creating a container copies its whole image on the vfs driver: on a busy machine that outlasts docker-compose
# 1.29's 60 s default request timeout.
export COMPOSE_HTTP_TIMEOUT="${COMPOSE_HTTP_TIMEOUT:-600}" DOCKER_CLIENT_TIMEOUT="${DOCKER_CLIENT_TIMEOUT:-600}"
FILES=(-f docker-compose.yml -f docker-compose.replica.yml)
compose() { "${COMPOSE[@]}" -p "$PROJECT" "${FILES[@]}" "$@"; }

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
export APP_PORT="$(free_port)" PRIMARY_PORT="$(free_port)" REPLICA_PORT="$(free_port)" REDIS_PORT="$(free_port)" \
  CLICKHOUSE_PORT="$(free_port)"
export REPLICA_APPLY_DELAY=500ms APP_IMAGE="${APP_IMAGE:-trigger-api:smoke}"
export SECRET_KEY_ENCRYPTION_KEY="$(head -c 32 /dev/urandom | base64)" ADMIN_TOKEN="smoke-admin-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
BASE="http://127.0.0.1:$APP_PORT"
CH="http://127.0.0.1:$CLICKHOUSE_PORT"
passed=0
failed=0

ok() { passed=$((passed + 1)); say "PASS $*"; }
fail() {
  failed=$((failed + 1))
  say "FAIL $*"
  compose ps >&2 || true
  compose logs --no-color --tail 80 app >&2 || true
  exit 1
}
stage_start=$SECONDS
stage() { say "stage '$1' took $((SECONDS - stage_start)) s"; stage_start=$SECONDS; }
cleanup() {
  local rc=$?
  compose down -v --remove-orphans >/dev/null 2>&1 || true
  say "$passed passed, $failed failed"
  exit "$rc"
}
trap cleanup EXIT

compose down -v --remove-orphans >/dev/null 2>&1 || true
say "building the app image $APP_IMAGE (${APP_BUILD_IMAGE:-maven:3.9-eclipse-temurin-17} -> ${APP_RUNTIME_IMAGE:-eclipse-temurin:17-jre})"
. src/test/docker/docker-build.sh
# The image compose would build (same Dockerfile and build args), built with BuildKit: docker-compose 1.29 builds
# with the legacy builder, which takes minutes per instruction on the vfs storage driver.
docker_build --network host ${APP_BUILD_IMAGE:+--build-arg "BUILD_IMAGE=$APP_BUILD_IMAGE"} \
  ${APP_RUNTIME_IMAGE:+--build-arg "RUNTIME_IMAGE=$APP_RUNTIME_IMAGE"} -t "$APP_IMAGE" . >&2
stage "app image build"

compose up -d --no-build >&2
container() { compose ps -q "$1"; }
health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}{{.State.Status}}{{end}}' "$(container "$1")" 2>/dev/null || echo missing; }
# Generous: on a busy 2-core machine the app's JVM alone has taken minutes to start.
health_timeout="${SMOKE_HEALTH_TIMEOUT:-900}"
deadline=$((SECONDS + health_timeout))
for svc in primary replica redis clickhouse app; do
  until [ "$(health "$svc")" = healthy ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$svc is not healthy after $health_timeout s (status $(health "$svc"))"
    sleep 2
  done
done
ok "primary, replica, redis, clickhouse and app are healthy"
stage "compose up until healthy"

# The replica probe and the replication leader election settle a little after the app is healthy (on a busy
# machine a probe can time out and mark the replica down for a second): poll for the steady state.
deadline=$((SECONDS + 180))
until healthjson="$(curl -s -m 20 -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/actuator/health")" \
  && [ "$(jq -r '.components.replica.status' <<<"$healthjson")" = UP ] \
  && [ "$(jq -r '.components.replica.details.applyDelay' <<<"$healthjson")" = 500ms ] \
  && [ "$(jq -r '.components.replication.status' <<<"$healthjson")" = UP ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the app should read from a replica lagging 500 ms and replicate to ClickHouse: $healthjson"
  sleep 2
done
ok "the app uses the replica (apply delay 500ms) and replicates runs to ClickHouse"

# Tenant: an environment and a worker group, provisioned through the admin API as an operator would.
admin() { curl -sf -X POST "$BASE$1" -H "Authorization: Bearer $ADMIN_TOKEN" -H 'Content-Type: application/json' -d "$2"; }
envjson="$(admin /admin/v1/environments '{"organization":"smoke","project":"smoke","type":"DEVELOPMENT"}')" \
  || fail "the admin API should provision an environment"
KEY="$(jq -r '.secretKey.secret' <<<"$envjson")"
ENV_ID="$(jq -r '.environment.id' <<<"$envjson")"
wgjson="$(admin /admin/v1/worker-groups '{"name":"smoke"}')" || fail "the admin API should create a worker group"
WORKER_TOKEN="$(jq -r '.token.secret' <<<"$wgjson")"
ok "environment and worker group provisioned through the admin API"

api() { # method path [body] -> prints "status body"
  local out
  out="$(curl -s -o /tmp/compose-smoke-body.$$ -w '%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $KEY" \
    -H 'Content-Type: application/json' ${3:+-d "$3"})"
  echo "$out $(cat /tmp/compose-smoke-body.$$)"
  rm -f /tmp/compose-smoke-body.$$
}
engine() {
  local out
  out="$(curl -s -o /tmp/compose-smoke-body.$$ -w '%{http_code}' -X "$1" "$BASE$2" -H "Authorization: Bearer $WORKER_TOKEN" \
    -H 'Content-Type: application/json' -H "x-trigger-worker-environment-id: $ENV_ID" ${3:+-d "$3"})"
  echo "$out $(cat /tmp/compose-smoke-body.$$)"
  rm -f /tmp/compose-smoke-body.$$
}

# 2. Register and trigger at once, three times: each registration commit reaches the replica only 500 ms later.
runs=()
for v in 1 2 3; do
  version="20260101.$v"
  r="$(api POST /api/v1/deployments "{\"version\":\"$version\",\"tasks\":[{\"slug\":\"smoke-task\",\"queue\":{\"name\":\"smoke\",\"concurrencyLimit\":5}}]}")"
  [ "${r%% *}" = 201 ] || fail "registering version $version: $r"
  r="$(api POST /api/v1/tasks/smoke-task/trigger "{\"payload\":{\"n\":$v},\"options\":{\"lockToVersion\":\"$version\"}}")"
  [ "${r%% *}" = 200 ] || fail "trigger locked to version $version right after registering it: $r"
  runs+=("$(jq -r .id <<<"${r#* }")")
done
ok "3 triggers locked to a version registered a moment earlier answered 200 (${runs[*]})"

# 3. Dequeue, start, and poll at once since the snapshot the start answered with, as a runner does: the replica
# has not applied that snapshot yet (500 ms behind), so the poll is answered after a replica retry or by the
# primary: 200, never 404. (A poll since the older dequeue snapshot may be answered by the replica with nothing
# new yet, if it already applied the dequeue: that is lag, not an error, and the runner's next poll sees it.)
r="$(engine POST /engine/v1/worker-actions/dequeue '{"maxRuns":1}')"
[ "${r%% *}" = 200 ] || fail "dequeue: $r"
run="$(jq -r '.[0].run.friendlyId' <<<"${r#* }")"
dequeued="$(jq -r '.[0].snapshot.id' <<<"${r#* }")"
[ "$run" != null ] || fail "dequeue returned no run: $r"
r="$(engine POST "/engine/v1/worker-actions/runs/$run/snapshots/$dequeued/attempts/start")"
[ "${r%% *}" = 200 ] || fail "start attempt of $run: $r"
started="$(jq -r '.snapshot.id' <<<"${r#* }")"
r="$(engine GET "/engine/v1/worker-actions/runs/$run/snapshots/since/$started")"
[ "${r%% *}" = 200 ] || fail "snapshot poll right after start, since the start snapshot: $r"
[ "$(jq '.snapshots | length' <<<"${r#* }")" = 0 ] || fail "snapshot poll since the start snapshot lists snapshots that do not exist: $r"
r="$(engine GET "/engine/v1/worker-actions/runs/$run/snapshots/since/$dequeued")"
[ "${r%% *}" = 200 ] || fail "snapshot poll right after start, since the dequeue snapshot: $r"
ok "a runner dequeued and started $run and its immediate snapshot polls answered 200"

# 4. The runs list, once replication has carried the runs to ClickHouse.
in_clickhouse() {
  local ids; ids="$(printf "'%s'," "${runs[@]}")"
  curl -sf "$CH/" --data-binary "SELECT count() FROM (SELECT run_id FROM task_runs FINAL WHERE friendly_id IN (${ids%,}) GROUP BY run_id)"
}
listed_from_clickhouse() { # $1: what the runs are, for the failure message. Waits until every run in $runs is in
  # ClickHouse's task_runs, then needs the app's runs list to show each of them.
  local deadline=$((SECONDS + 60)) r id
  until [ "$(in_clickhouse)" = "${#runs[@]}" ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$1 did not reach ClickHouse's task_runs within 60 s"
    sleep 1
  done
  r="$(api GET '/api/v1/runs?page%5Bsize%5D=10')"
  [ "${r%% *}" = 200 ] || fail "runs list: $r"
  for id in "${runs[@]}"; do
    jq -e --arg id "$id" '.data | map(.id) | index($id) != null' <<<"${r#* }" >/dev/null || fail "runs list lacks $id ($1): $r"
  done
}
listed_from_clickhouse "the 3 runs"
compose stop clickhouse >/dev/null 2>&1
r="$(api GET '/api/v1/runs?page%5Bsize%5D=10')"
[ "${r%% *}" = 200 ] || fail "runs list with ClickHouse stopped: $r"
compose logs --no-color app 2>/dev/null | grep -q 'Runs list: ClickHouse failed, answering from the replica' \
  || fail "with ClickHouse stopped the app did not report falling back from ClickHouse"
ok "the runs list is served from ClickHouse (the runs are in task_runs; stopping ClickHouse makes the app fall back)"

# 5. Non-root.
uid="$(compose exec -T app id -u | tr -d '\r')"
user="$(docker inspect --format '{{.Config.User}}' "$(container app)")"
[ "$uid" != 0 ] && [ -n "$user" ] || fail "the app container runs as uid $uid (image user '$user')"
ok "the app container runs as $user (uid $uid), not root"
stage "HTTP checks"

# 6. The stream in a service of its own (docker-compose.stream.yml): the app, recreated with the stream off, still
# lists from ClickHouse what the `replication` service carried there, and only that service leads the stream.
compose start clickhouse >/dev/null 2>&1
FILES+=(-f docker-compose.stream.yml)
compose up -d --no-build app replication >&2
deadline=$((SECONDS + health_timeout))
for svc in clickhouse app replication; do
  until [ "$(health "$svc")" = healthy ]; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$svc is not healthy after $health_timeout s with docker-compose.stream.yml (status $(health "$svc"))"
    sleep 2
  done
done
inside_health() { # the health of a service without a published port, from inside its container
  compose exec -T "$1" bash -c 'exec 3<>/dev/tcp/127.0.0.1/3030 && printf "GET /actuator/health HTTP/1.0\r\nAuthorization: Bearer %s\r\n\r\n" "$0" >&3 && cat <&3' \
    "$ADMIN_TOKEN" | tr -d '\r' | sed '1,/^$/d'
}
deadline=$((SECONDS + 180))
until streamjson="$(inside_health replication)" && [ "$(jq -r '.components.replication.details.leader' <<<"$streamjson")" = true ] \
  && [ "$(jq -r '.components.replication.details.state' <<<"$streamjson")" = STREAMING ]; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the replication service should lead the stream: $streamjson"
  sleep 2
done
healthjson="$(curl -s -m 20 -H "Authorization: Bearer $ADMIN_TOKEN" "$BASE/actuator/health")"
[ "$(jq -r '.components.replication' <<<"$healthjson")" = null ] || fail "the app should run no stream: $healthjson"
r="$(api POST /api/v1/tasks/smoke-task/trigger '{"payload":{"n":4}}')"
[ "${r%% *}" = 200 ] || fail "trigger on the app with the stream off: $r"
runs=("$(jq -r .id <<<"${r#* }")")
listed_from_clickhouse "a run triggered with the stream in its own service"
ok "with docker-compose.stream.yml the replication service streams, the app does not, and the app lists the run from ClickHouse"
stage "stream in a service of its own"

# 7. Down leaves nothing.
compose down -v --remove-orphans >&2
left="$(docker ps -aq --filter "label=com.docker.compose.project=$PROJECT")"
[ -z "$left" ] || fail "containers left after docker compose down: $left"
ok "docker compose down left no container"
stage "compose down"
