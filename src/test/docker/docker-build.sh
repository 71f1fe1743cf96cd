# Sourced by build-images.sh and compose-smoke.sh: defines docker_build, a `docker build` that uses BuildKit.
# With the vfs storage driver the legacy builder copies the whole file system for every Dockerfile instruction
# (minutes per image); BuildKit does not. Docker 23+ clients use BuildKit through the buildx plugin; the 20.10
# client that Debian's docker.io installs has it built in behind DOCKER_BUILDKIT=1.
docker_build() {
  if docker buildx version >/dev/null 2>&1; then
    docker buildx build --load "$@"
  elif [ -x /usr/bin/docker ] && /usr/bin/docker version --format '{{.Client.Version}}' 2>/dev/null | grep -q '^20\.'; then
    DOCKER_BUILDKIT=1 /usr/bin/docker build "$@"
  else
    docker build "$@"
  fi
}
