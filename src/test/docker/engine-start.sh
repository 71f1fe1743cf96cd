#!/usr/bin/env bash
# Starts a private Docker engine for the container tests and prints, on stdout, the environment that points
# clients at it: DOCKER_HOST, and for Testcontainers no Ryuk (its image cannot be pulled here; the fixture
# removes its own containers) and 127.0.0.1 as the host of published ports (this machine has a /.dockerenv, which
# would otherwise make Testcontainers look for a gateway from inside a helper container).
#
#   eval "$(src/test/docker/engine-start.sh)"     # then: build-images.sh, compose-smoke.sh, mvn verify
#   src/test/docker/engine-stop.sh               # stops it by its pid file
#
# Installs docker.io, docker-compose and debootstrap when missing (Debian, root). The engine uses the overlay2
# storage driver, or vfs where overlayfs is unavailable (TRIGGER_API_DOCKER_STORAGE_DRIVER forces one), no
# iptables rules, and its own data root,
# exec root, socket and pid file under TRIGGER_API_DOCKER_DIR, so it never touches a system engine. The data
# root survives between runs on the same machine: built images are reused (build-images.sh is then ~1 s).
# If an engine with this socket already answers, it is reused and nothing is started.
# Exit status 3 (and a reason on stderr) means no engine can be started here; callers skip on it.
set -euo pipefail

DIR="${TRIGGER_API_DOCKER_DIR:-/var/lib/trigger-api-docker}"
SOCK="$DIR/docker.sock"
PIDFILE="$DIR/dockerd.pid"
export DOCKER_HOST="unix://$SOCK"

say() { echo "engine-start: $*" >&2; }
print_env() {
  echo "export DOCKER_HOST=$DOCKER_HOST"
  echo "export TESTCONTAINERS_RYUK_DISABLED=true"
  echo "export TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1"
}
skip() { say "SKIP: $*"; exit 3; }

if docker version >/dev/null 2>&1; then
  say "engine already running at $DOCKER_HOST"
  print_env
  exit 0
fi

need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || docker compose version >/dev/null 2>&1 || need+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    skip "missing ${need[*]} and cannot install them (needs root and apt-get)"
  fi
  say "installing ${need[*]}"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}"; } >&2 \
    || skip "could not install ${need[*]}"
fi
[ "$(id -u)" = 0 ] || skip "dockerd needs root"

mkdir -p "$DIR/data" "$DIR/exec"
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  skip "a dockerd with pid $(cat "$PIDFILE") owns $DIR but does not answer on $SOCK"
fi
# overlay2 shares image layers between images and containers; vfs (the fallback, for kernels or file systems
# without overlayfs) copies the whole file system for every layer and every container, which makes image builds
# and container starts several times slower and the data root several times larger.
if [ -n "${TRIGGER_API_DOCKER_STORAGE_DRIVER:-}" ]; then
  drivers=("$TRIGGER_API_DOCKER_STORAGE_DRIVER")
else
  drivers=(overlay2 vfs)
fi
for driver in "${drivers[@]}"; do
  rm -f "$PIDFILE" "$SOCK"
  # containerd and the shims are children of this dockerd and stop with it.
  nohup dockerd --storage-driver "$driver" --iptables=false --ip6tables=false \
    --data-root "$DIR/data" --exec-root "$DIR/exec" --host "unix://$SOCK" --pidfile "$PIDFILE" \
    >"$DIR/dockerd.log" 2>&1 </dev/null &
  dockerd_pid=$!
  for _ in $(seq 1 120); do
    if docker version >/dev/null 2>&1; then
      say "engine ready at $DOCKER_HOST (storage driver $driver, pid $(cat "$PIDFILE"), log $DIR/dockerd.log)"
      print_env
      exit 0
    fi
    kill -0 "$dockerd_pid" 2>/dev/null || break
    sleep 0.5
  done
  tail -5 "$DIR/dockerd.log" >&2 || true
  if kill -0 "$dockerd_pid" 2>/dev/null; then
    kill "$dockerd_pid" 2>/dev/null || true
    wait "$dockerd_pid" 2>/dev/null || true
    skip "dockerd did not become ready within 60 s (see $DIR/dockerd.log)"
  fi
  say "dockerd exited with the $driver storage driver"
done
rm -f "$PIDFILE" "$SOCK"
skip "dockerd could not start with any of: ${drivers[*]} (see $DIR/dockerd.log)"
