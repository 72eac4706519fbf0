#!/usr/bin/env bash
# gRPC unary calls through Turnpike (h2c from the client, h2c to the service) against the same
# calls made to the service directly: a grpc-java echo service, a grpc-java load generator with a
# fixed number of calls in flight on one connection, direct then through the gateway.
#
#   bench/grpc.sh                      # 10 s each, after 10 s of warm-up each
#
# Env: DURATION (s, default 10), CONCURRENCY (calls in flight, default 64), WARMUP (s, default 10),
# BYTES (message size, default 64), BASE_PORT, KEEP=1. How to read it: docs/BENCHMARKS.md ("gRPC").
set -euo pipefail

DURATION="${DURATION:-10}"
CONCURRENCY="${CONCURRENCY:-64}"
WARMUP="${WARMUP:-10}"
BYTES="${BYTES:-64}"
BASE_PORT="${BASE_PORT:-19080}"

BENCH_NAME=grpc
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME

cd "$root"
log "building the test classpath"
./mvnw -q test-compile
./mvnw -q dependency:build-classpath -Dmdep.outputFile="$work/classpath.txt" -Dmdep.includeScope=test
cp="target/test-classes:target/classes:$(cat "$work/classpath.txt")"
java=("$JAVA_HOME/bin/java" --enable-native-access=ALL-UNNAMED -Xms256m -Xmx512m -cp "$cp")

pick_port echo_port
pick_port turnpike_port

# Waits until something listens on 127.0.0.1:$2, or exits with $4 (a log) when $3 (a pid) dies or 60 s pass.
wait_port() {  # name port pid logfile
  local i
  for ((i = 0; i < 600; i++)); do
    port_in_use "$2" && return 0
    if ! kill -0 "$3" 2>/dev/null; then log "$1 exited; its log ($4):"; cat "$4" >&2; exit 1; fi
    sleep 0.1
  done
  log "$1 did not listen on :$2 within 60 s; its log ($4):"; cat "$4" >&2; exit 1
}

cat > "$work/turnpike.yaml" <<CONF
server:
  listen: 127.0.0.1:$turnpike_port
  eventLoops: 1
  http2: true
admin: { listen: off }
storage: { dataDir: $work/data }
observe:
  accessLog: { enabled: false }
services:
  echo:
    nodes: [ http://127.0.0.1:$echo_port ]
    protocol: h2c
routes:
  - id: echo
    match: { path: "/bench.Echo/**" }
    service: echo
CONF

log "grpc-java echo on :$echo_port (CPU 0)"
"${pin_load[@]}" "${java[@]}" io.turnpike.bench.GrpcEcho "$echo_port" > "$work/echo.log" 2>&1 &
pids+=($!)
wait_port echo "$echo_port" "$!" "$work/echo.log"

"$root/turnpike" --version > /dev/null
log "turnpike on :$turnpike_port (CPU 1, 1 event loop)"
"${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
turnpike_pid=$!
pids+=("$turnpike_pid")
wait_port turnpike "$turnpike_port" "$turnpike_pid" "$work/turnpike.log"

declare -A result
for t in direct turnpike; do
  port=$echo_port; [[ $t == turnpike ]] && port=$turnpike_port
  log "$t: ${WARMUP}s warm-up, then ${DURATION}s with $CONCURRENCY calls in flight"
  result[$t]="$("${pin_load[@]}" "${java[@]}" io.turnpike.bench.GrpcLoad "127.0.0.1:$port" "$CONCURRENCY" "$DURATION" "$WARMUP" "$BYTES")"
  log "$t: ${result[$t]}"
done

calls() { sed -E 's/.*calls\/s=([0-9.]+).*/\1/' <<< "$1"; }
echo
echo "gRPC unary, $BYTES-byte messages, $CONCURRENCY calls in flight on one connection, ${DURATION}s each (grpc-java client and service)"
for t in direct turnpike; do printf '%-10s %s\n' "$t" "${result[$t]}"; done
awk -v a="$(calls "${result[turnpike]}")" -v b="$(calls "${result[direct]}")" \
  'BEGIN { printf "turnpike/direct calls/s: %.2fx\n", a / b }'
