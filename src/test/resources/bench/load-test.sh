#!/usr/bin/env bash
# Load test: 50 HTTP clients × 60 s of mixed triggers (plain, idempotent, delayed, version-locked) plus runners
# dequeuing / starting / completing, against the service on the embedded cluster (replica 100 ms behind, Redis,
# ClickHouse replication). Prints throughput, latency percentiles and status codes, then PASS/FAIL per invariant;
# exits non-zero when an invariant fails (never on timing). Not part of `mvn verify`.
# Usage (from anywhere): bash src/test/resources/bench/load-test.sh [--clients=50] [--duration=60s] [--warmup=30s] [--runners=8]
#   [--replica-delay=100ms] [--timeout=10s] [--keys=10] [--drain=60s] [--port=3098] [--replication=in-process|process]
#   [--any.spring.property=value]
# See dev.triggerapi.bench.LoadTest for every option.
set -euo pipefail
cd "$(dirname "$0")/../../../.."
exec mvn -B -q test-compile exec:java -Dexec.classpathScope=test -Dexec.mainClass=dev.triggerapi.bench.LoadTest \
  -Dexec.cleanupDaemonThreads=false -Dexec.args="$*"
