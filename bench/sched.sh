#!/usr/bin/env bash
# What runs on the proxy's core while the event loop serves an open-loop load, and what the loop
# waits behind: one gateway on the plain route, warmed with wrk, then ROUNDS open-loop rounds at RATE,
# each recorded with `perf sched record` on that core. Per round: the open loop's latencies, the CPU
# each thread took on the core (threads with at least 5 ms), and how often the event loop, woken,
# waited more than 0.3 ms for the CPU, with the thread that ran just before it each time.
#
#   bench/sched.sh
#   LAUNCHER=../other RATE=15000 bench/sched.sh      # another checkout; a rate it keeps up with
#
# Env: RATE (req/s, default 20000; keep it below the gateway's capacity: a loop that never sleeps is
# never woken, so it shows no waits), DURATION (s per round, 10), ROUNDS (2), WARMUP (s, 25),
# CONNECTIONS (64), LAUNCHER (a checkout, default this one). Needs perf with access to scheduler
# tracepoints (root, or kernel.perf_event_paranoid <= 1).
set -euo pipefail
RATE="${RATE:-20000}"
DURATION="${DURATION:-10}"
ROUNDS="${ROUNDS:-2}"
WARMUP="${WARMUP:-25}"
CONNECTIONS="${CONNECTIONS:-64}"
BASE_PORT="${BASE_PORT:-18520}"
BENCH_NAME=sched
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LAUNCHER="${LAUNCHER:-$root}"
need wrk:wrk gcc:gcc perf:linux-perf "nginx:$(nginx_package)"
(( ${#pin_proxy[@]} )) || { log "sched.sh pins the proxy to one core of its own and needs 2 CPUs"; exit 2; }
core="${pin_proxy[-1]}"

pick_port backend_port
start_hello_backend "$backend_port"
pick_port port
bench_gateway_config "$port" "{ enabled: false }" "" > "$work/turnpike.yaml"
"${pin_proxy[@]}" "$LAUNCHER/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
jvm=$!
pids+=("$jvm")
url="http://127.0.0.1:$port/bench"
wait_ready turnpike "$url" "$jvm" "$work/turnpike.log"
gcc -O2 -o "$work/openloop" "$root/bench/openloop.c"
log "warming up for ${WARMUP}s"
"${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP"s "$url" > /dev/null
sleep 2

for ((r = 1; r <= ROUNDS; r++)); do
  perf sched record -C "$core" -o "$work/sched$r.data" -- sleep $((DURATION + 1)) > /dev/null 2>&1 &
  recorder=$!
  sleep 0.5
  read -r sent done_ rps p50 p90 p99 p999 max bad errors < <(
    "${pin_load[@]}" "$work/openloop" 127.0.0.1 "$port" /bench "$RATE" "$DURATION" "$CONNECTIONS")
  wait "$recorder" || true
  echo "round $r: $rps req/s of $RATE, p50 $p50 ms, p99 $p99 ms, p99.9 $p999 ms, max $max ms"
  perf sched timehist -i "$work/sched$r.data" 2> /dev/null > "$work/sched$r.txt"
  # timehist columns: time, [cpu], task[tid/pid], wait time, scheduling delay, run time (ms)
  awk 'NR > 3 { n = $3; sub(/\[.*/, "", n); if (n ~ /^turnpike-io/) n = "event-loop"; t[n] += $NF }
       END { printf "  CPU on core by thread, ms:"; for (k in t) if (t[k] >= 5) printf " %s=%.0f", k, t[k]; print "" }' "$work/sched$r.txt"
  awk 'NR > 3 {
         n = $3; sub(/\[.*/, "", n)
         if (n ~ /^turnpike-io/ && $(NF - 1) > 0.3) { waits++; sum += $(NF - 1); if ($(NF - 1) > longest) longest = $(NF - 1); after[prev]++ }
         prev = n
       }
       END {
         printf "  the event loop waited > 0.3 ms for the CPU %d times (%.2f ms in all, longest %.2f ms)", waits, sum, longest
         sep = "; after: "; for (k in after) { printf "%s%s %d", sep, k, after[k]; sep = ", " }; print ""
       }' "$work/sched$r.txt"
done
