#!/usr/bin/env bash
# HTTP/2 from clients: Turnpike next to nginx (http2 on), both taking h2c with prior knowledge and
# proxying the same HTTP/1.1 backend, side by side in one run, with h2load as the client.
#
#   bench/h2.sh                           # 3 interleaved rounds of 10 s, 30 s JVM warm-up
#
# Env: DURATION (s, default 10), CLIENTS (connections, default 16), STREAMS (concurrent streams per
# connection, default 10), REPEATS (default 3), WARMUP (s, default 30), BASE_PORT, KEEP=1.
# Method and how to read it: docs/BENCHMARKS.md ("HTTP/2").
set -euo pipefail

DURATION="${DURATION:-10}"
CLIENTS="${CLIENTS:-16}"
STREAMS="${STREAMS:-10}"
REPEATS="${REPEATS:-3}"
WARMUP="${WARMUP:-30}"
BASE_PORT="${BASE_PORT:-18080}"

BENCH_NAME=h2
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need h2load:nghttp2-client "nginx:$(nginx_package)"
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi

pick_port backend_port
pick_port nginx_port
pick_port turnpike_port

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
  backend:
    nodes: [ http://127.0.0.1:$backend_port ]
routes:
  - id: all
    match: { path: "/**" }
    service: backend
CONF

log "backend on :$backend_port (CPU 0)"
"${pin_load[@]}" nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" > "$work/backend.out" 2>&1 &
pids+=($!)
wait_ready backend "http://127.0.0.1:$backend_port/bench" "$!" "$work/backend-error.log"

declare -A url
log "nginx h2c proxy on :$nginx_port (CPU 1, 1 worker)"
"${pin_proxy[@]}" nginx -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" > "$work/nginx.out" 2>&1 &
pids+=($!)
url[nginx]="http://127.0.0.1:$nginx_port/bench"
sleep 1

"$root/turnpike" --version > /dev/null
log "turnpike on :$turnpike_port (CPU 1, 1 event loop)"
"${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
turnpike_pid=$!
pids+=("$turnpike_pid")
url[turnpike]="http://127.0.0.1:$turnpike_port/bench"
wait_ready turnpike "${url[turnpike]}" "$turnpike_pid" "$work/turnpike.log"

order=(nginx turnpike)
h2_run() {  # target seconds outfile
  "${pin_load[@]}" h2load -c"$CLIENTS" -m"$STREAMS" -D"$2" "${url[$1]}" > "$3" 2>&1
}
# "finished in 10.00s, 123456.70 req/s, ..." and "requests: ... 0 failed, ... 0 errored"
h2_rps() { awk '/^finished in/ { gsub(",", "", $4); print $4 }' "$1"; }
h2_failed() { awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^failed/) print $i }' "$1"; }

for t in "${order[@]}"; do
  secs="$WARMUP"; [[ $t == turnpike ]] || secs=$(( WARMUP < 5 ? WARMUP : 5 ))
  (( secs > 0 )) && { log "warming up $t for ${secs}s"; h2_run "$t" "$secs" "$work/warmup-$t.txt"; }
done

for ((r = 1; r <= REPEATS; r++)); do
  for t in "${order[@]}"; do
    out="$work/h2load-$t-$r.txt"
    h2_run "$t" "$DURATION" "$out"
    rps="$(h2_rps "$out")"; failed="$(h2_failed "$out")"
    log "round $r/$REPEATS $t: $rps req/s (${failed:-?} failed)"
    echo "$rps" >> "$work/rps-$t"
  done
done

echo
echo "h2load -c$CLIENTS -m$STREAMS -D${DURATION}s (h2c prior knowledge), $REPEATS interleaved rounds; median (min-max)"
declare -A median
for t in "${order[@]}"; do
  read -r rm rmin rmax < <(stats "$work/rps-$t")
  median[$t]="$rm"
  printf '%-10s %s\n' "$t" "$(printf '%.0f (%.0f-%.0f) req/s' "$rm" "$rmin" "$rmax")"
done
awk -v a="${median[turnpike]}" -v b="${median[nginx]}" 'BEGIN { printf "turnpike/nginx h2: %.2fx\n", a / b }'
if [[ -r /proc/$turnpike_pid/status ]]; then
  awk '/^VmRSS|^VmHWM/ { printf "turnpike %s %.0f MiB\n", ($1 == "VmRSS:" ? "RSS" : "peak RSS"), $2 / 1024 }' \
    "/proc/$turnpike_pid/status"
fi
