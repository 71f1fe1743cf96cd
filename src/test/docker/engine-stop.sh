#!/usr/bin/env bash
# Stops the engine started by engine-start.sh: removes every container it runs, then stops dockerd by its pid
# file and waits until it (and its containerd) are gone. Images stay in the data root for the next run.
set -uo pipefail

DIR="${TRIGGER_API_DOCKER_DIR:-/var/lib/trigger-api-docker}"
PIDFILE="$DIR/dockerd.pid"
export DOCKER_HOST="unix://$DIR/docker.sock"

if [ ! -f "$PIDFILE" ]; then
  echo "engine-stop: no pid file at $PIDFILE, nothing to stop" >&2
  exit 0
fi
pid="$(cat "$PIDFILE")"
if kill -0 "$pid" 2>/dev/null; then
  ids="$(docker ps -aq 2>/dev/null || true)"
  if [ -n "$ids" ]; then
    echo "engine-stop: removing leftover containers: $(echo $ids)" >&2
    docker rm -f $ids >/dev/null 2>&1 || true
  fi
  # dockerd's containerd may dump its goroutine stacks to /tmp while shutting down: removed below.
  children="$(pgrep -P "$pid" 2>/dev/null || true)"
  kill "$pid"
  for _ in $(seq 1 60); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    echo "engine-stop: dockerd $pid did not stop in 30 s, killing it" >&2
    kill -9 "$pid" 2>/dev/null || true
  fi
fi
rm -f "$PIDFILE"
for child in ${children:-}; do rm -f "/tmp/containerd.$child.stacks.log"; done
echo "engine-stop: engine stopped" >&2
