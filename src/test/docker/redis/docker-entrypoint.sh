#!/usr/bin/env bash
# Entrypoint of trigger-api-test/redis: like the official image, a container is reached over the network, so
# protected mode is turned off unless a config file given as the first argument sets it.
set -euo pipefail

if [ "${1:0:1}" = '-' ]; then
  set -- redis-server "$@"
fi
if [ "$1" = redis-server ]; then
  config=""
  if [ -f "${2:-}" ]; then config="$2"; fi
  if [ -z "$config" ] || ! grep -q '^protected-mode' "$config"; then
    shift
    if [ -n "$config" ]; then shift; fi
    set -- redis-server ${config:+"$config"} --protected-mode no "$@"
  fi
  if [ "$(id -u)" = 0 ]; then
    exec setpriv --reuid=redis --regid=redis --init-groups "$@"
  fi
fi
exec "$@"
