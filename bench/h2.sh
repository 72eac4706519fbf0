#!/usr/bin/env bash
# HTTP/2 from clients: Turnpike next to nginx (http2 on), both taking h2c with prior knowledge and
# proxying the same HTTP/1.1 backend, side by side in one run, with h2load as the client.
#
#   bench/h2.sh                           # 3 interleaved rounds of 10 s, 30 s JVM warm-up
#   BASELINE=/path/to/other/checkout bench/h2.sh   # also measures that checkout's Turnpike
#
# Env: DURATION (s, default 10), CLIENTS (connections, default 16), STREAMS (concurrent streams per
# connection, default 10), REPEATS (default 3), WARMUP (s, default 30), BASE_PORT, KEEP=1, BASELINE (a
# Turnpike checkout with its jar built), BASELINE_JAVA_OPTS (TURNPIKE_JAVA_OPTS of the baseline alone). Each round also reports the proxy's CPU time per request
# (/proc), which the machine's other load moves far less than req/s.
# Method and how to read it: docs/BENCHMARKS.md ("HTTP/2").
set -euo pipefail

DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS:-16}"
STREAMS="${STREAMS:-10}"
REPEATS="${REPEATS:-3}"
WARMUP="${WARMUP:-30}"
BASE_PORT="${BASE_PORT:-18080}"
BASELINE="${BASELINE:-}"

BENCH_NAME=h2
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need h2load:nghttp2-client "nginx:$(nginx_package)"
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi

pick_port backend_port
pick_port nginx_port
pick_port turnpike_port
pick_port baseline_port

mkdir -p "$work/nginx-tmp"
nginx_hello_backend "$backend_port"
{
  nginx_common nginx
  cat <<CONF
http {
  access_log off;
$(nginx_temp nginx)
  keepalive_requests 1000000;
  http2_max_requests 1000000;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$nginx_port http2;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
} > "$work/nginx.conf"

turnpike_config() {  # port
  bench_gateway_config "$1" "{ enabled: false }" | sed 's/^  eventLoops: 1$/  eventLoops: 1\n  http2: true/'
}

log "backend on :$backend_port (CPU 0)"
"${pin_load[@]}" nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" > "$work/backend.out" 2>&1 &
pids+=($!)
wait_ready backend "http://127.0.0.1:$backend_port/bench" "$!" "$work/backend-error.log"

declare -A url
declare -A cpu_pid   # the process whose CPU time a request costs, per proxy
log "nginx h2c proxy on :$nginx_port (CPU 1, 1 worker)"
"${pin_proxy[@]}" nginx -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" > "$work/nginx.out" 2>&1 &
pids+=($!)
url[nginx]="http://127.0.0.1:$nginx_port/bench"
sleep 1
cpu_pid[nginx]="$(pgrep -P "$!" | head -1)"   # the one worker

start_turnpike() {  # target launcher-dir port
  "$2/turnpike" --version > /dev/null
  log "$1 ($2) on :$3 (CPU 1, 1 event loop)"
  turnpike_config "$3" > "$work/$1.yaml"
  # taskset and the launcher both exec, so $! is the JVM itself.
  local opts="${TURNPIKE_JAVA_OPTS:-}"
  [[ $1 != baseline ]] || opts="${BASELINE_JAVA_OPTS:-$opts}"
  TURNPIKE_JAVA_OPTS="$opts" "${pin_proxy[@]}" "$2/turnpike" run -c "$work/$1.yaml" > "$work/$1.log" 2>&1 &
  cpu_pid[$1]=$!
  pids+=("$!")
  url[$1]="http://127.0.0.1:$3/bench"
  wait_ready "$1" "${url[$1]}" "$!" "$work/$1.log"
}
start_turnpike turnpike "$root" "$turnpike_port"
turnpike_pid="${cpu_pid[turnpike]}"
order=(nginx turnpike)
if [[ -n $BASELINE ]]; then
  start_turnpike baseline "$BASELINE" "$baseline_port"
  order=(nginx baseline turnpike)
fi
h2_run() {  # target seconds outfile
  "${pin_load[@]}" h2load -c"$CLIENTS" -m"$STREAMS" -D"$2" "${url[$1]}" > "$3" 2>&1
}
# "finished in 10.00s, 123456.70 req/s, ..." and "requests: ... 0 failed, ... 0 errored"
h2_rps() { awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$1"; }
h2_done() { awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^succeeded/) print $i }' "$1"; }
h2_failed() { awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) print $i }' "$1"; }

for t in "${order[@]}"; do
  secs="$WARMUP"; [[ $t != nginx ]] || secs=$(( WARMUP < 5 ? WARMUP : 5 ))
  (( secs > 0 )) && { log "warming up $t for ${secs}s"; h2_run "$t" "$secs" "$work/warmup-$t.txt"; }
done

for ((r = 1; r <= REPEATS; r++)); do
  for t in "${order[@]}"; do
    out="$work/h2load-$t-$r.txt"
    p="${cpu_pid[$t]:-}"
    [[ -z $p ]] || before=$(cpu_ticks "$p")
    h2_run "$t" "$DURATION" "$out"
    rps="$(h2_rps "$out")"; failed="$(h2_failed "$out")"
    cpu="-"
    if [[ -n $p ]]; then   # microseconds of the proxy's CPU per request: what the machine's load does not move
      cpu=$(cpu_us_per_request "$p" "$before" "$(h2_done "$out")")
      echo "$cpu" >> "$work/cpu-$t"
    fi
    log "round $r/$REPEATS $t: $rps req/s (${failed:-?} failed), CPU ${cpu} us/request"
    echo "$rps" >> "$work/rps-$t"
  done
done

echo
echo "h2load -c$CLIENTS -m$STREAMS -D${DURATION}s (h2c prior knowledge), $REPEATS interleaved rounds; median (min-max)"
declare -A median
declare -A cpu_median
for t in "${order[@]}"; do
  read -r rm rmin rmax < <(stats "$work/rps-$t")
  median[$t]="$rm"
  cpu="-"
  if [[ -s $work/cpu-$t ]]; then
    read -r cm cmin cmax < <(stats "$work/cpu-$t")
    cpu_median[$t]="$cm"
    cpu="$(printf '%.2f (%.2f-%.2f)' "$cm" "$cmin" "$cmax")"
  fi
  printf '%-10s %-30s CPU us/request %s\n' "$t" "$(printf '%.0f (%.0f-%.0f) req/s' "$rm" "$rmin" "$rmax")" "$cpu"
done
for t in baseline turnpike; do
  [[ -n ${median[$t]:-} ]] || continue
  awk -v t="$t" -v a="${median[$t]}" -v b="${median[nginx]}" 'BEGIN { printf "%s/nginx h2: %.2fx\n", t, a / b }'
  if [[ -n ${cpu_median[nginx]:-} && -n ${cpu_median[$t]:-} ]]; then
    # nginx's CPU per request over Turnpike's: the throughput ratio the two would have on a core of their own
    awk -v t="$t" -v a="${cpu_median[$t]}" -v b="${cpu_median[nginx]}" 'BEGIN { printf "%s/nginx h2 by CPU per request: %.2fx\n", t, b / a }'
  fi
done
if [[ -n ${cpu_median[baseline]:-} ]]; then
  awk -v a="${cpu_median[turnpike]}" -v b="${cpu_median[baseline]}" 'BEGIN { printf "turnpike/baseline by CPU per request: %.2fx\n", b / a }'
fi
if [[ -r /proc/$turnpike_pid/status ]]; then
  awk '/^VmRSS|^VmHWM/ { printf "turnpike %s %.0f MiB\n", ($1 == "VmRSS:" ? "RSS" : "peak RSS"), $2 / 1024 }' \
    "/proc/$turnpike_pid/status"
fi
