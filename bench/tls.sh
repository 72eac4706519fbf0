#!/usr/bin/env bash
# TLS at the edge: Turnpike next to nginx, both terminating TLS with the same certificate and
# proxying the same plaintext backend. Two measures, side by side in one run:
#   keep-alive  requests per second over established TLS connections (the steady state)
#   handshakes  new TLS connections per second (Connection: close, one request per handshake)
#
#   bench/tls.sh                          # 3 interleaved rounds of 10 s each, 30 s JVM warm-up
#   CERT=rsa bench/tls.sh                 # an RSA-2048 certificate instead of ECDSA P-256
#
# Env: DURATION (s, default 10), CONNECTIONS (default 64), REPEATS (default 3), WARMUP (s, default
# 30), CERT (ecdsa | rsa, default ecdsa), BASE_PORT (default 18080), KEEP=1 keeps the work dir.
# Method and how to read it: docs/BENCHMARKS.md ("TLS").
set -euo pipefail

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
REPEATS="${REPEATS:-3}"
WARMUP="${WARMUP:-30}"
CERT="${CERT:-ecdsa}"
BASE_PORT="${BASE_PORT:-18080}"

BENCH_NAME=tls
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk:wrk "nginx:$(nginx_package)" openssl:openssl
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi

pick_port backend_port
pick_port nginx_port
pick_port turnpike_port

# --- one certificate for both, made here --------------------------------------------------------
case "$CERT" in
  ecdsa) keyopt=(-newkey ec -pkeyopt ec_paramgen_curve:P-256) ;;
  rsa)   keyopt=(-newkey rsa:2048) ;;
  *) log "CERT must be ecdsa or rsa"; exit 2 ;;
esac
openssl req -x509 -nodes "${keyopt[@]}" -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2> "$work/openssl.log"

mkdir -p "$work/nginx-tmp"
nginx_hello_backend "$backend_port"

# --- nginx as the reference: TLS 1.3 and 1.2, session cache on, as a production setup has it --------
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
    listen 127.0.0.1:$nginx_port ssl;
    ssl_certificate $work/cert.pem;
    ssl_certificate_key $work/key.pem;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:10m;
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
  eventLoops: 1
  tls:
    listen: 127.0.0.1:$turnpike_port
    certificates: [ { cert: $work/cert.pem, key: $work/key.pem } ]
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
log "nginx TLS proxy on :$nginx_port (CPU 1, 1 worker)"
"${pin_proxy[@]}" nginx -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" > "$work/nginx.out" 2>&1 &
pids+=($!)
url[nginx]="https://127.0.0.1:$nginx_port/bench"
wait_ready nginx "${url[nginx]}" "$!" "$work/nginx-error.log"

"$root/turnpike" --version > /dev/null   # builds the jar first if it is missing or stale
log "turnpike TLS on :$turnpike_port (CPU 1, 1 event loop)"
"${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
turnpike_pid=$!
pids+=("$turnpike_pid")
url[turnpike]="https://127.0.0.1:$turnpike_port/bench"
wait_ready turnpike "${url[turnpike]}" "$turnpike_pid" "$work/turnpike.log"
grep -m1 -i 'tls' "$work/turnpike.log" >&2 || true

order=(nginx turnpike)
modes=(keepalive handshake)

wrk_run() {  # target mode seconds outfile
  local extra=()
  [[ $2 == handshake ]] && extra=(-H "Connection: close")
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$3"s --latency "${extra[@]}" "${url[$1]}" > "$4"
}

for t in "${order[@]}"; do
  secs="$WARMUP"; [[ $t == turnpike ]] || secs=$(( WARMUP < 5 ? WARMUP : 5 ))
  if (( secs > 0 )); then
    log "warming up $t for ${secs}s (half keep-alive, half handshakes)"
    wrk_run "$t" keepalive $(( (secs + 1) / 2 )) "$work/warmup-$t-k.txt"
    wrk_run "$t" handshake $(( (secs + 1) / 2 )) "$work/warmup-$t-h.txt"
  fi
done

for ((r = 1; r <= REPEATS; r++)); do
  for m in "${modes[@]}"; do
    for t in "${order[@]}"; do
      out="$work/wrk-$t-$m-$r.txt"
      wrk_run "$t" "$m" "$DURATION" "$out"
      read -r rps p50 _ p99 bad < <(wrk_summary "$out")
      log "round $r/$REPEATS $m $t: $rps req/s, p50 ${p50} ms, p99 ${p99} ms"
      [[ $bad == 0 ]] || log "WARNING: $t answered $bad non-2xx responses in round $r ($m)"
      echo "$rps" >> "$work/rps-$t-$m"
      echo "$p99" >> "$work/p99-$t-$m"
    done
  done
done


echo
echo "TLS ($CERT), wrk -t1 -c$CONNECTIONS -d${DURATION}s, $REPEATS interleaved rounds; median (min-max)"
printf '%-10s %-10s %-28s %-24s\n' mode target "req/s" "p99 ms"
for m in "${modes[@]}"; do
  declare -A median=()
  for t in "${order[@]}"; do
    read -r rm rmin rmax < <(stats "$work/rps-$t-$m")
    read -r nm nmin nmax < <(stats "$work/p99-$t-$m")
    median[$t]="$rm"
    printf '%-10s %-10s %-28s %-24s\n' "$m" "$t" "$(printf '%.0f (%.0f-%.0f)' "$rm" "$rmin" "$rmax")" \
      "$(printf '%.3f (%.3f-%.3f)' "$nm" "$nmin" "$nmax")"
  done
  awk -v a="${median[turnpike]}" -v b="${median[nginx]}" -v m="$m" \
    'BEGIN { printf "turnpike/nginx %s: %.2fx\n", m, a / b }'
done
if [[ -r /proc/$turnpike_pid/status ]]; then
  awk '/^VmRSS|^VmHWM/ { printf "turnpike %s %.0f MiB\n", ($1 == "VmRSS:" ? "RSS" : "peak RSS"), $2 / 1024 }' \
    "/proc/$turnpike_pid/status"
fi
