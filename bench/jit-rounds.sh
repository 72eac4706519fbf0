#!/usr/bin/env bash
# The open loop's rounds after a keep-alive warm-up, and what the JIT does in each: one gateway,
# warmed with wrk (its connections open for the whole warm-up, as benchmarks do), then ROUNDS open-loop
# rounds at RATE with GAP seconds of idle before each (as bench/run.sh leaves the proxy idle while it
# measures the other targets). Per round: the open loop's latencies, the compiled code thrown away
# (uncommon traps, from -Xlog:deoptimization) and the CPU of the compiler threads and the event loop.
# Each variant runs in turn, so two of them (e.g. a limit on and off) compare within one run.
#
#   bench/jit-rounds.sh                                        # the launcher's defaults
#   VARIANTS="maxRequestsPerConnection:0 default" PAIRS=3 bench/jit-rounds.sh
#
# Env: RATE (req/s, default 22000), DURATION (s per round, 8), ROUNDS (3), GAP (s, 10), WARMUP (s, 20),
# CONNECTIONS (64), VARIANTS (space-separated; "default", or one server.limits entry key:value),
# PAIRS (how many times the variants run in turn, 1), LAUNCHER (a checkout, default this one).
# TRAPS=1 prints which methods trapped in each round.
set -euo pipefail
RATE="${RATE:-22000}"
DURATION="${DURATION:-8}"
ROUNDS="${ROUNDS:-3}"
GAP="${GAP:-10}"
WARMUP="${WARMUP:-20}"
CONNECTIONS="${CONNECTIONS:-64}"
VARIANTS="${VARIANTS:-default}"
PAIRS="${PAIRS:-1}"
BASE_PORT="${BASE_PORT:-18380}"
BENCH_NAME=jit-rounds
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LAUNCHER="${LAUNCHER:-$root}"
need wrk:wrk gcc:gcc "nginx:$(nginx_package)"
gcc -O2 -o "$work/openloop" "$root/bench/openloop.c"
pick_port backend_port
start_hello_backend "$backend_port"
"$LAUNCHER/turnpike" --version > /dev/null

# Compiler threads' and the event loop's CPU ticks, one "name ticks" line per thread.
thread_ticks() {
  local t
  for t in /proc/"$1"/task/*; do
    echo "$(basename "$t"):$(tr ' ' _ < "$t/comm") $(stat_ticks "$t/stat")"
  done 2> /dev/null | sort
}
sum_ticks() {  # before after name-pattern
  join "$1" "$2" | awk -v p="$3" '$1 ~ p { s += $3 - $2 } END { print s + 0 }'
}
traps() {  # log from to: the uncommon traps logged between two line numbers
  sed -n "$(($2 + 1)),$3p" "$1" | grep -c 'deoptimization\]' || true
}

run_variant() {
  local variant="$1" port jvm url r l0 l1 answered rate p50 p90 p99 p999 max non2xx errors
  pick_port port
  bench_gateway_config "$port" "{ enabled: false }" "" > "$work/turnpike-$port.yaml"
  if [[ $variant != default ]]; then
    sed -i "s/^  eventLoops: 1/  eventLoops: 1\n  limits: { ${variant/:/: } }/" "$work/turnpike-$port.yaml"
  fi
  TURNPIKE_JAVA_OPTS="-Xlog:deoptimization=debug:file=$work/deopt-$port.log ${TURNPIKE_JAVA_OPTS:-}" \
    "${pin_proxy[@]}" "$LAUNCHER/turnpike" run -c "$work/turnpike-$port.yaml" > "$work/turnpike-$port.log" 2>&1 &
  jvm=$!
  pids+=("$jvm")
  url="http://127.0.0.1:$port/bench"
  wait_ready turnpike "$url" "$jvm" "$work/turnpike-$port.log"
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP"s "$url" > /dev/null &
  local wrk_pid=$!
  sleep $((WARMUP - 1))
  l0=$(wc -l < "$work/deopt-$port.log")
  # Under set -e a failed step would end the script without a word: each says what went wrong.
  wait "$wrk_pid" || log "$variant: the warm-up's wrk exited with $? (the rounds go on)"
  sleep 1
  printf '%-40s end of the warm-up (its connections close): %d traps\n' "$variant" \
    "$(traps "$work/deopt-$port.log" "$l0" "$(wc -l < "$work/deopt-$port.log")")"
  for r in $(seq 1 "$ROUNDS"); do
    sleep "$GAP"
    thread_ticks "$jvm" > "$work/t0"
    l0=$(wc -l < "$work/deopt-$port.log")
    if ! read -r _ answered rate p50 p90 p99 p999 max non2xx errors < <("${pin_load[@]}" "$work/openloop" 127.0.0.1 \
      "$port" /bench "$RATE" "$DURATION" "$CONNECTIONS"); then
      log "$variant round $r: openloop gave no result$(kill -0 "$jvm" 2> /dev/null || echo "; the gateway is gone, see $work/turnpike-$port.log (KEEP=1 keeps it)")"
      continue
    fi
    thread_ticks "$jvm" > "$work/t1"
    l1=$(wc -l < "$work/deopt-$port.log")
    printf '%-40s round %d: %6.0f req/s  p50 %7.3f  p90 %7.3f  p99 %8.3f  max %8.3f ms  traps %3d  compilers %4d ms  loop %5d ms%s\n' \
      "$variant" "$r" "$rate" "$p50" "$p90" "$p99" "$max" "$(traps "$work/deopt-$port.log" "$l0" "$l1")" \
      "$(( $(sum_ticks "$work/t0" "$work/t1" Compiler) * 10 ))" "$(( $(sum_ticks "$work/t0" "$work/t1" turnpike-io) * 10 ))" \
      "$( (( non2xx + errors > 0 )) && echo "  non-2xx $non2xx, errors $errors")"
    if [[ -n ${TRAPS:-} ]]; then
      sed -n "$((l0 + 1)),${l1}p" "$work/deopt-$port.log" | grep 'deoptimization\]' \
        | sed 's/.*level=[0-9] //; s/(.*trap_bci=/@/; s/ pc=.*//' | sort | uniq -c | sed 's/^/      /'
    fi
  done
  kill "$jvm" 2> /dev/null || log "$variant: the gateway had stopped before the end (KEEP=1 keeps $work/turnpike-$port.log)"
  wait "$jvm" 2> /dev/null || true
}

log "open loop at $RATE req/s, $CONNECTIONS connections, ${DURATION}s rounds after ${GAP}s idle; warm-up ${WARMUP}s of wrk"
for pair in $(seq 1 "$PAIRS"); do
  for v in $VARIANTS; do
    run_variant "$v"
  done
done
