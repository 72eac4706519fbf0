#!/usr/bin/env bash
# What a rate limit costs on the hot path: throughput of a route with a limit that never trips,
# in process and through Redis (exact and lease mode), next to an open route, in the same run.
# Method and results: docs/BENCHMARKS.md.
#
#   bench/ratelimit.sh                      # 3 interleaved rounds of 10 s, 30 s JVM warm-up each
#   DURATION=30 REPEATS=5 bench/ratelimit.sh
#
# Env: DURATION (s, default 10), CONNECTIONS (default 64), REPEATS (default 3), WARMUP (s, default
# 30), BASE_PORT (default 18180), KEEP=1 keeps the work dir. Needs wrk, nginx (the backend) and
# redis-server; installs the missing ones from Debian's packages.
set -euo pipefail

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
REPEATS="${REPEATS:-3}"
WARMUP="${WARMUP:-30}"
BASE_PORT="${BASE_PORT:-18180}"

BENCH_NAME=ratelimit
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk:wrk "nginx:$(nginx_package)" redis-server:redis-server
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi

pick_port backend_port
pick_port redis_port
pick_port local_port
pick_port exact_port
pick_port lease_port

# --- backend: nginx answering a small body from memory (CPU 0) -----------------------------------
nginx_hello_backend "$backend_port"
log "backend on :$backend_port (CPU 0)"
"${pin_load[@]}" nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" > "$work/backend.out" 2>&1 &
pids+=($!)
wait_ready backend "http://127.0.0.1:$backend_port/bench" "$!" "$work/backend-error.log"

# --- Redis (CPU 0, with the load: the proxy core stays the gateway's alone) ----------------------
log "redis on :$redis_port (CPU 0)"
"${pin_load[@]}" redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no \
  > "$work/redis.log" 2>&1 &
pids+=($!)

# --- three gateways, one at a time on CPU 1 ------------------------------------------------------
# A limit that never trips: 100 million per second for the one client address wrk uses.
gateway_config() {  # port cluster-line
  cat <<CONF
server: { listen: "127.0.0.1:$1", eventLoops: 1 }
admin: { listen: off }
storage: { dataDir: $work/data-$1 }
observe: { accessLog: { enabled: false } }
$2
services:
  backend: { nodes: [ "http://127.0.0.1:$backend_port" ] }
routes:
  - { id: open, match: { path: "/open/**" }, service: backend }
  - { id: limited, match: { path: "/limited/**" }, service: backend, rateLimit: { limit: 100000000/s, key: ip } }
CONF
}
gateway_config "$local_port" "" > "$work/local.yaml"
gateway_config "$exact_port" "cluster: { redis: \"redis://127.0.0.1:$redis_port\", rateLimitMode: exact }" > "$work/exact.yaml"
gateway_config "$lease_port" "cluster: { redis: \"redis://127.0.0.1:$redis_port\", rateLimitMode: lease }" > "$work/lease.yaml"

"$root/turnpike" --version > /dev/null   # builds the jar first if it is missing or stale
declare -A url jvm
for g in local exact lease; do
  port_var="${g}_port"
  log "turnpike ($g) on :${!port_var} (CPU 1, 1 event loop)"
  # taskset and the launcher both exec, so $! is the JVM itself.
  "${pin_proxy[@]}" "$root/turnpike" run -c "$work/$g.yaml" > "$work/$g.log" 2>&1 &
  pids+=($!)
  jvm[$g]=$!
  wait_ready "turnpike-$g" "http://127.0.0.1:${!port_var}/open/bench" "$!" "$work/$g.log"
done
# Each limited route is put against the open route of its own gateway: two JVMs differ by more
# (their JIT's choices, their heap's state) than what a limit costs.
url[open]="http://127.0.0.1:$local_port/open/bench"
url[local]="http://127.0.0.1:$local_port/limited/bench"
url[exact-open]="http://127.0.0.1:$exact_port/open/bench"
url[exact]="http://127.0.0.1:$exact_port/limited/bench"
url[lease-open]="http://127.0.0.1:$lease_port/open/bench"
url[lease]="http://127.0.0.1:$lease_port/limited/bench"
declare -A open_of=([open]=open [local]=open [exact-open]=exact-open [exact]=exact-open [lease-open]=lease-open [lease]=lease-open)
for g in exact lease; do
  if ! grep -q "rate limits are shared" "$work/$g.log"; then
    sleep 2
    grep -q "rate limits are shared" "$work/$g.log" || { log "turnpike ($g) did not reach Redis:"; cat "$work/$g.log" >&2; exit 1; }
  fi
done
order=(open local exact-open exact lease-open lease)
warm_order=(local open exact exact-open lease lease-open)
jvm[open]=${jvm[local]}
jvm[exact-open]=${jvm[exact]}
jvm[lease-open]=${jvm[lease]}

wrk_run() {  # target seconds outfile
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency "${url[$1]}" > "$3"
}

for t in "${warm_order[@]}"; do
  secs=$WARMUP
  [[ $t != open && $t != *-open ]] || secs=$(( WARMUP / 3 ))   # a JVM warmed on its limited route already
  if (( secs > 0 )); then
    log "warming up $t for ${secs}s"
    wrk_run "$t" "$secs" "$work/warmup-$t.txt"
  fi
done

for ((r = 1; r <= REPEATS; r++)); do
  for t in "${order[@]}"; do
    out="$work/wrk-$t-$r.txt"
    before=$(cpu_ticks "${jvm[$t]}")
    wrk_run "$t" "$DURATION" "$out"
    # The gateway's CPU per request: what a limit costs, whatever else the machine is doing.
    us=$(cpu_us_per_request "${jvm[$t]}" "$before" "$(awk '/requests in/ { print $1 }' "$out")" 1)
    read -r rps p50 _ p99 bad < <(wrk_summary "$out")
    echo "$us" >> "$work/cpu-$t"
    log "round $r/$REPEATS $t: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, ${us} us CPU per request"
    if [[ $bad != 0 ]]; then
      log "WARNING: $t answered $bad non-2xx responses in round $r (a limit tripped?)"
    fi
    echo "$rps" >> "$work/rps-$t"
    echo "$p50" >> "$work/p50-$t"
    echo "$p99" >> "$work/p99-$t"
  done
done


declare -A median cpu
echo
echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s, $REPEATS interleaved rounds; median (min-max)"
row() { printf '%-10s %-26s %-22s %-24s %-22s %-10s %s\n' "$@"; }
row target "req/s" "p50 ms" "p99 ms" "CPU us/request" "req/s" "CPU/request"
row "" "" "" "" "" "vs open" "vs open (same gateway)"
for t in "${order[@]}"; do
  read -r rm rmin rmax < <(stats "$work/rps-$t")
  read -r am amin amax < <(stats "$work/p50-$t")
  read -r nm nmin nmax < <(stats "$work/p99-$t")
  read -r cm cmin cmax < <(stats "$work/cpu-$t")
  median[$t]="$rm"
  cpu[$t]="$cm"
  row "$t" \
    "$(printf '%.0f (%.0f-%.0f)' "$rm" "$rmin" "$rmax")" \
    "$(printf '%.2f (%.2f-%.2f)' "$am" "$amin" "$amax")" \
    "$(printf '%.1f (%.1f-%.1f)' "$nm" "$nmin" "$nmax")" \
    "$(printf '%.1f (%.1f-%.1f)' "$cm" "$cmin" "$cmax")" \
    "$(awk -v a="$rm" -v b="${median[${open_of[$t]}]}" 'BEGIN { printf "%.2fx", a / b }')" \
    "$(awk -v a="$cm" -v b="${cpu[${open_of[$t]}]}" 'BEGIN { printf "%+.1f%%", (a / b - 1) * 100 }')"
done
# Round by round: each round's limited run against its gateway's open run seconds before it.
for t in local exact lease; do
  paste "$work/cpu-$t" "$work/cpu-${open_of[$t]}" | awk '{ print ($1 / $2 - 1) * 100 }' > "$work/paired-$t"
  read -r pm pmin pmax < <(stats "$work/paired-$t")
  printf '%s CPU per request vs its open route, round by round: %+.1f%% (%+.1f%% to %+.1f%%)\n' "$t" "$pm" "$pmin" "$pmax"
done
echo "CPU us/request: the gateway process's user+system time during the run / requests answered."
echo "Redis' own CPU (exact mode: scripts per call or batch) is not in it; Redis runs on CPU 0."
