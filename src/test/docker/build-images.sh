#!/usr/bin/env bash
# Builds the local stand-ins for the official images that docker-compose.yml, the Dockerfile and the
# Testcontainers suite use, for machines that cannot pull from a registry. Every image is built from a
# Debian bookworm root file system made here with debootstrap, and named for what it is:
#
#   trigger-api-test/debian:bookworm   debootstrap --variant=minbase bookworm (stands in for debian:bookworm)
#   trigger-api-test/postgres:15       Debian's PostgreSQL 15 with the postgres image's entrypoint contract
#   trigger-api-test/redis:7           Debian's Redis 7.0
#   trigger-api-test/clickhouse:18.16  Debian's ClickHouse 18.16 (HTTP 8123, native 9000)
#   trigger-api-test/jre:17            OpenJDK 17 JRE (runtime stage of the app image)
#   trigger-api-test/maven:3-jdk-17    OpenJDK 17 JDK + Maven (build stage of the app image)
#
# Needs DOCKER_HOST (engine-start.sh). Cached between runs on the same machine: the base is made only when
# missing and the rest hit Docker's build cache unless their Dockerfile or files changed.
# Prints the environment that points compose and the tests at these images (eval it, or source
# src/test/docker/local-images.env, which holds the same).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BASE=trigger-api-test/debian:bookworm
say() { echo "build-images: $*" >&2; }

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  command -v debootstrap >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap; } >&2
  root="$(mktemp -d /var/tmp/trigger-api-debootstrap.XXXXXX)"
  trap 'rm -rf "$root"' EXIT
  say "debootstrap bookworm (minbase) into $root"
  debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$root.log" 2>&1 \
    || { tail -20 "$root.log" >&2; exit 1; }
  rm -f "$root.log"
  chmod 755 "$root" # mktemp made it 0700, which would lock every non-root user out of /
  # Lean like the official image: no apt lists or caches in the base. And like it, dpkg without an fsync per
  # file: the stand-ins' package installs are several times faster on a busy disk (a lost build is rebuilt).
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
  echo force-unsafe-io > "$root"/etc/dpkg/dpkg.cfg.d/docker-apt-speedup
  tar -C "$root" -c . | docker import -c 'CMD ["bash"]' - "$BASE" >/dev/null
  rm -rf "$root"
  trap - EXIT
fi

. "$HERE/docker-build.sh"
build() { # tag dir [base]
  local tag="$1" dir="$2" base="${3:-$BASE}" started=$SECONDS
  docker_build -q --network host --build-arg "BASE_IMAGE=$base" -t "$tag" "$HERE/$dir" >/dev/null
  say "$tag built in $((SECONDS - started)) s"
}
# The JRE (and so the Maven image on top of it) trusts this machine's own extra CAs, if any.
mkdir -p "$HERE/jre/extra-ca"
find "$HERE/jre/extra-ca" -name '*.crt' -delete
if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
  cp /usr/local/share/ca-certificates/*.crt "$HERE/jre/extra-ca/"
fi
# The four images on the base are independent: built at once, their package downloads overlap the other builds'
# unpacking. BUILD_IMAGES_PARALLEL=0 builds one after the other.
pids=()
for spec in postgres:15:postgres redis:7:redis clickhouse:18.16:clickhouse jre:17:jre; do
  name="${spec%%:*}" rest="${spec#*:}"
  tag="trigger-api-test/$name:${rest%%:*}" dir="${rest#*:}"
  if [ "${BUILD_IMAGES_PARALLEL:-1}" = 1 ]; then
    build "$tag" "$dir" & pids+=($!)
  else
    build "$tag" "$dir"
  fi
done
status=0
for pid in "${pids[@]}"; do wait "$pid" || status=1; done
[ "$status" = 0 ] || { say "an image build failed"; exit 1; }
build trigger-api-test/maven:3-jdk-17 maven trigger-api-test/jre:17
# Intermediate images of earlier builds are not needed once the new tags exist.
docker image prune -f >/dev/null
cat "$HERE/local-images.env"
