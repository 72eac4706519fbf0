#!/usr/bin/env bash
# Throughput and latency of Turnpike next to nginx, both proxying the same fast backend, with
# the backend measured directly as the ceiling. Method and how to read it: docs/BENCHMARKS.md.
#
#   bench/run.sh                          # 3 interleaved rounds of 10 s each, 30 s JVM warm-up
#   DURATION=30 REPEATS=5 bench/run.sh
#
# Env: DURATION (s, default 10), CONNECTIONS (default 64), REPEATS (default 3), WARMUP (s, default
# 30; the JVM needs it, nginx gets min(WARMUP, 5)), TARGETS (default "direct nginx turnpike"),
# BASE_PORT (default 18080; the first free ports from there are used), KEEP=1 keeps the work dir.
set -euo pipefail

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
REPEATS="${REPEATS:-3}"
WARMUP="${WARMUP:-30}"
TARGETS="${TARGETS:-direct nginx turnpike}"
BASE_PORT="${BASE_PORT:-18080}"

BENCH_NAME=bench
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk:wrk "nginx:$(nginx_package)"
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi

pick_port backend_port
pick_port nginx_port
pick_port turnpike_port

# --- backend: nginx answering a small body from memory -------------------------------------------
mkdir -p "$work/nginx-tmp"
nginx_hello_backend "$backend_port"

# --- nginx as the reference proxy ----------------------------------------------------------------
{
  nginx_common nginx
  cat <<CONF
http {
  access_log off;
$(nginx_temp nginx)
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
} > "$work/nginx.conf"

# --- Turnpike ------------------------------------------------------------------------------------
cat > "$work/turnpike.yaml" <<CONF
server:
  listen: 127.0.0.1:$turnpike_port
  eventLoops: 1
admin: { listen: off }
storage: { dataDir: $work/data }
observe:
  accessLog: { enabled: false }   # nginx runs with access_log off too
services:
  backend:
    nodes: [ http://127.0.0.1:$backend_port ]
routes:
  - id: all
    match: { path: "/**" }
    service: backend
CONF

wanted() { [[ " $TARGETS " == *" $1 "* ]]; }

log "backend on :$backend_port (CPU 0)"
"${pin_load[@]}" nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" > "$work/backend.out" 2>&1 &
pids+=($!)
wait_ready backend "http://127.0.0.1:$backend_port/bench" "$!" "$work/backend-error.log"

declare -A url=([direct]="http://127.0.0.1:$backend_port/bench")
if wanted nginx; then
  log "nginx proxy on :$nginx_port (CPU 1, 1 worker)"
  "${pin_proxy[@]}" nginx -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" > "$work/nginx.out" 2>&1 &
  pids+=($!)
  url[nginx]="http://127.0.0.1:$nginx_port/bench"
  wait_ready nginx "${url[nginx]}" "$!" "$work/nginx-error.log"
fi
turnpike_pid=""
if wanted turnpike; then
  "$root/turnpike" --version > /dev/null   # builds the jar first if it is missing or stale
  log "turnpike on :$turnpike_port (CPU 1, 1 event loop)"
  # taskset and the launcher both exec, so $! is the JVM itself.
  "${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
  turnpike_pid=$!
  pids+=("$turnpike_pid")
  url[turnpike]="http://127.0.0.1:$turnpike_port/bench"
  wait_ready turnpike "${url[turnpike]}" "$turnpike_pid" "$work/turnpike.log"
fi

order=()
for t in direct nginx turnpike; do
  if [[ -n ${url[$t]:-} ]] && { [[ $t == direct ]] || wanted "$t"; }; then order+=("$t"); fi
done

wrk_run() {  # target seconds outfile
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency "${url[$1]}" > "$3"
}

# --- warm-up -------------------------------------------------------------------------------------
for t in "${order[@]}"; do
  secs="$WARMUP"
  [[ $t == turnpike ]] || secs=$(( WARMUP < 5 ? WARMUP : 5 ))
  if (( secs > 0 )); then
    log "warming up $t for ${secs}s"
    wrk_run "$t" "$secs" "$work/warmup-$t.txt"
  fi
done

# --- measured rounds, interleaved so drift hits every target alike -------------------------------

for ((r = 1; r <= REPEATS; r++)); do
  for t in "${order[@]}"; do
    out="$work/wrk-$t-$r.txt"
    wrk_run "$t" "$DURATION" "$out"
    read -r rps p50 _ p99 bad < <(wrk_summary "$out")
    log "round $r/$REPEATS $t: $rps req/s, p50 ${p50} ms, p99 ${p99} ms"
    if [[ $bad != 0 ]]; then
      log "WARNING: $t answered $bad non-2xx responses in round $r; its numbers do not count as proxying"
    fi
    echo "$rps" >> "$work/rps-$t"
    echo "$p50" >> "$work/p50-$t"
    echo "$p99" >> "$work/p99-$t"
  done
done

# --- report --------------------------------------------------------------------------------------

declare -A median
echo
echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s, $REPEATS interleaved rounds; median (min-max)"
printf '%-10s %-28s %-24s %-24s %s\n' target "req/s" "p50 ms" "p99 ms" "vs direct"
for t in "${order[@]}"; do
  read -r rm rmin rmax < <(stats "$work/rps-$t")
  read -r am amin amax < <(stats "$work/p50-$t")
  read -r nm nmin nmax < <(stats "$work/p99-$t")
  median[$t]="$rm"
  ratio="$(awk -v a="$rm" -v b="${median[direct]}" 'BEGIN { printf "%.2fx", a / b }')"
  printf '%-10s %-28s %-24s %-24s %s\n' "$t" \
    "$(printf '%.0f (%.0f-%.0f)' "$rm" "$rmin" "$rmax")" \
    "$(printf '%.3f (%.3f-%.3f)' "$am" "$amin" "$amax")" \
    "$(printf '%.3f (%.3f-%.3f)' "$nm" "$nmin" "$nmax")" \
    "$ratio"
done
if [[ -n ${median[nginx]:-} && -n ${median[turnpike]:-} ]]; then
  awk -v a="${median[turnpike]}" -v b="${median[nginx]}" 'BEGIN { printf "turnpike/nginx: %.2fx\n", a / b }'
fi
if [[ -n $turnpike_pid && -r /proc/$turnpike_pid/status ]]; then
  awk '/^VmRSS|^VmHWM/ { printf "turnpike %s %.0f MiB\n", ($1 == "VmRSS:" ? "RSS" : "peak RSS"), $2 / 1024 }' \
    "/proc/$turnpike_pid/status"
fi
