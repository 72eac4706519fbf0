#!/usr/bin/env bash
# Composition costs: (1) latency of one aggregate request that makes three calls against the client
# making the same three calls one after another itself; (2) the cost of a response `keep` transform
# on a 4 KiB JSON body against proxying the same body untouched. The backends are nginx servers
# (the echo module's echo_sleep delays a call on a timer; a static file is the 4 KiB body).
# Results: docs/BENCHMARKS.md, "Aggregation and transforms".
#
#   bench/compose.sh                    # defaults below
#   CALL_MS=20 SAMPLES=500 bench/compose.sh
#
# Env: CALL_MS (delay of each of the three calls, default 10), SAMPLES (latency samples per side,
# default 300), DURATION (s per wrk run for the transform part, default 10), CONNECTIONS (64),
# WARMUP (s, default 20), REPEATS (interleaved rounds, default 3), BASE_PORT (18280), KEEP=1.
set -euo pipefail

CALL_MS="${CALL_MS:-10}"
SAMPLES="${SAMPLES:-300}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
WARMUP="${WARMUP:-20}"
REPEATS="${REPEATS:-3}"
BASE_PORT="${BASE_PORT:-18280}"

BENCH_NAME=compose
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk:wrk curl:curl python3:python3
command -v nginx >/dev/null || need nginx:"$(nginx_package)"
echo_module=""
for m in /usr/lib/nginx/modules/ngx_http_echo_module.so /usr/share/nginx/modules/ngx_http_echo_module.so; do
  [[ -f $m ]] && { echo_module=$m; break; }
done
[[ -n $echo_module ]] || { log "needs nginx's echo module (apt-get install libnginx-mod-http-echo)"; exit 1; }

pick_port backend; pick_port turnpike_port

# --- the backend: three delayed JSON calls and a 4 KiB JSON document ------------------------------
mkdir -p "$work/www" "$work/nodes-tmp"
python3 - "$work/www/doc.json" <<'PY'
import json, sys
items = [{"id": i, "name": "item %d" % i, "price": i * 1.25, "tags": ["a", "b"], "note": "x" * 8}
         for i in range(40)]
doc = {"id": 7, "name": "Ada", "avatar": "a.png", "internalNotes": "n" * 64, "items": items}
s = json.dumps(doc)
while len(s) < 4096:
    doc["internalNotes"] += "n" * 16
    s = json.dumps(doc)
open(sys.argv[1], "w").write(s)
PY
doc_bytes=$(wc -c < "$work/www/doc.json")
delay=$(awk "BEGIN{print $CALL_MS/1000}")
cat > "$work/nodes.conf" <<CONF
load_module $echo_module;
worker_processes 1;
daemon off;
pid $work/nodes.pid;
error_log $work/nodes-error.log warn;
events { worker_connections 8192; }
http {
  client_body_temp_path $work/nodes-tmp/body;
  proxy_temp_path $work/nodes-tmp/proxy;
  fastcgi_temp_path $work/nodes-tmp/fastcgi;
  uwsgi_temp_path $work/nodes-tmp/uwsgi;
  scgi_temp_path $work/nodes-tmp/scgi;
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$backend;
    location /users/ { default_type application/json; echo_sleep $delay; echo '{"id":7,"name":"Ada","segment":"books"}'; }
    location /orders/ { default_type application/json; echo_sleep $delay; echo '[{"id":1001,"total":12.5}]'; }
    location /recs/ { default_type application/json; echo_sleep $delay; echo '{"items":["SICP","TAOCP"]}'; }
    location /doc/ { default_type application/json; alias $work/www/; }
  }
}
CONF

# --- Turnpike: direct routes to each call, the aggregation, plain and `keep` proxying of the doc ---
cat > "$work/turnpike.yaml" <<CONF
server:
  listen: 127.0.0.1:$turnpike_port
  eventLoops: 1
admin: { listen: off }
storage: { dataDir: $work/data }
observe:
  accessLog: { enabled: false }
services:
  backend: { nodes: [ http://127.0.0.1:$backend ] }
routes:
  - { id: calls, match: { path: "/api/**" }, rewrite: { stripPrefix: /api }, service: backend }
  - id: dashboard
    match: { path: "/dashboard/{id}" }
    aggregate:
      calls:
        user:   { service: backend, path: "/users/{id}" }
        orders: { service: backend, path: "/orders/{id}" }
        recs:   { service: backend, path: "/recs/{id}" }
  - { id: plain, match: { path: "/plain/**" }, rewrite: { stripPrefix: /plain }, service: backend }
  - id: keep
    match: { path: "/keep/**" }
    rewrite: { stripPrefix: /keep }
    service: backend
    transform:
      default: { response: { keep: [id, name, "items[].id", "items[].name"] } }
CONF

log "backend on :$backend (CPU 0); calls take ${CALL_MS} ms; the document is $doc_bytes bytes"
"${pin_load[@]}" nginx -e "$work/nodes-error.log" -p "$work" -c "$work/nodes.conf" > "$work/nodes.out" 2>&1 &
pids+=($!)
wait_ready backend "http://127.0.0.1:$backend/doc/doc.json" "$!" "$work/nodes-error.log"

"$root/turnpike" --version > /dev/null
log "turnpike on :$turnpike_port (CPU 1, 1 event loop)"
"${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
turnpike_pid=$!
pids+=("$turnpike_pid")
wait_ready turnpike "http://127.0.0.1:$turnpike_port/plain/doc/doc.json" "$turnpike_pid" "$work/turnpike.log"
base="http://127.0.0.1:$turnpike_port"

wrk_run() {  # path seconds outfile
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency "$base$1" > "$3"
}
if (( WARMUP > 0 )); then
  log "warming up the JVM for ${WARMUP}s"
  half=$(( WARMUP / 2 > 0 ? WARMUP / 2 : 1 ))
  wrk_run /keep/doc/doc.json "$half" "$work/warmup-keep.txt"
  "${pin_load[@]}" wrk -t1 -c16 -d"$half"s "$base/dashboard/7" > "$work/warmup-dash.txt"
fi

# --- 1. latency: one aggregate request vs the client's three sequential calls ---------------------
# One curl per sample on one keep-alive connection; time_total of each transfer, summed per sample.
percentiles() {  # file of ms values -> "p50 p90 p99"
  sort -n "$1" | awk '{v[NR] = $1} END {
    printf "%.2f %.2f %.2f\n", v[int(NR * 0.5 + 0.5)], v[int(NR * 0.9 + 0.5)], v[int(NR * 0.99 + 0.5)] }'
}
: > "$work/agg.ms"; : > "$work/seq.ms"
log "latency: $SAMPLES samples each, interleaved"
for ((i = 0; i < SAMPLES; i++)); do
  "${pin_load[@]}" curl -s -o /dev/null -w '%{time_total}\n' "$base/dashboard/7" \
    | awk '{printf "%.3f\n", $1 * 1000}' >> "$work/agg.ms"
  "${pin_load[@]}" curl -s -o /dev/null -o /dev/null -o /dev/null -w '%{time_total}\n' \
      "$base/api/users/7" "$base/api/orders/7" "$base/api/recs/7" \
    | awk '{s += $1} END {printf "%.3f\n", s * 1000}' >> "$work/seq.ms"
done
read -r a50 a90 a99 <<< "$(percentiles "$work/agg.ms")"
read -r s50 s90 s99 <<< "$(percentiles "$work/seq.ms")"
printf '\n%-36s %8s %8s %8s\n' "latency (ms), ${CALL_MS} ms per call" p50 p90 p99
printf '%-36s %8s %8s %8s\n' "aggregate: 1 request, 3 calls" "$a50" "$a90" "$a99"
printf '%-36s %8s %8s %8s\n' "client: 3 requests one after another" "$s50" "$s90" "$s99"

# --- 2. a `keep` transform on a 4 KiB JSON body vs plain proxying ----------------------------------
printf '\n%-8s %-6s %10s %8s %8s %6s\n' round route "req/s" "p50 ms" "p99 ms" non2xx
for ((r = 1; r <= REPEATS; r++)); do
  for route in plain keep; do
    wrk_run "/$route/doc/doc.json" "$DURATION" "$work/wrk-$route-$r.txt"
    read -r rps p50 _ p99 bad <<< "$(wrk_summary "$work/wrk-$route-$r.txt")"
    printf '%-8s %-6s %10s %8s %8s %6s\n' "$r" "$route" "$rps" "$p50" "$p99" "$bad"
    echo "$rps" >> "$work/rps-$route"
  done
done
median() { sort -n "$1" | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
mp=$(median "$work/rps-plain"); mk=$(median "$work/rps-keep")
printf '\nmedian req/s: plain %s, keep %s (keep/plain %.2f)\n' "$mp" "$mk" "$(awk "BEGIN{print $mk/$mp}")"
kept=$(curl -s "$base/keep/doc/doc.json" | wc -c)
printf 'body: %s bytes from the backend, %s bytes after keep\n' "$doc_bytes" "$kept"
