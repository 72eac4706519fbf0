#!/usr/bin/env bash
# A node dies under load: wrk keeps 64 connections busy through Turnpike in front of three nginx
# nodes; after a few seconds one node is killed (SIGKILL) and the script counts the requests that
# failed. With GET retries on (connect-failure, reset) the count should be zero or near it.
#
#   bench/kill-node.sh              # 15 s of wrk -t1 -c64, a node killed at 5 s
#   RETRIES=off bench/kill-node.sh  # the same without retries, for comparison
set -euo pipefail

DURATION="${DURATION:-15}"
KILL_AT="${KILL_AT:-5}"
CONNECTIONS="${CONNECTIONS:-64}"
RETRIES="${RETRIES:-on}"
BASE_PORT="${BASE_PORT:-18280}"

BENCH_NAME=kill-node
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk:wrk "nginx:$(nginx_package)"

node_pids=()
node_ports=()
for i in 1 2 3; do
  pick_port p
  mkdir -p "$work/n$i"
  cat > "$work/n$i/nginx.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/n$i/nginx.pid;
error_log $work/n$i/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/n$i/body; proxy_temp_path $work/n$i/proxy;
  fastcgi_temp_path $work/n$i/fcgi; uwsgi_temp_path $work/n$i/uwsgi; scgi_temp_path $work/n$i/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$p; location / { return 200 "node $i\n"; } }
}
CONF
  nginx -e "$work/n$i/error.log" -p "$work/n$i" -c "$work/n$i/nginx.conf" &
  node_pids+=($!)
  pids+=($!)
  node_ports+=("$p")
done
pick_port gw

retries_line='retries: { attempts: 2, on: [connect-failure, reset, 502, 503] }'
[[ $RETRIES == on ]] || retries_line='retries: { attempts: 0 }'
cat > "$work/turnpike.yaml" <<CONF
server:
  listen: 127.0.0.1:$gw
admin: { listen: off }
storage: { dataDir: $work/data }
observe:
  accessLog: { enabled: false }
services:
  backend:
    nodes: [ "http://127.0.0.1:${node_ports[0]}", "http://127.0.0.1:${node_ports[1]}", "http://127.0.0.1:${node_ports[2]}" ]
    $retries_line
routes:
  - id: all
    match: { path: "/**" }
    service: backend
CONF
"$root/turnpike" --version > /dev/null
"$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw/x")" == 200 ]] && break
  sleep 0.1
done
# warm up the JVM a little, so the kill lands on a steady state
wrk -t1 -c"$CONNECTIONS" -d10s "http://127.0.0.1:$gw/warm" > /dev/null 2>&1 || true

log "wrk -t1 -c$CONNECTIONS -d${DURATION}s through Turnpike (retries $RETRIES); killing node 3 at ${KILL_AT}s"
wrk -t1 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$gw/bench" > "$work/wrk.txt" 2>&1 &
wrk_pid=$!
sleep "$KILL_AT"
# SIGKILL the master and its worker: like a crashed node, the kernel resets its connections.
# The master is stopped first, or it would respawn the worker between the two kills.
victim="${node_pids[2]}"
kill -STOP "$victim" || true
pkill -KILL -P "$victim" || true
kill -KILL "$victim" || true
sleep 0.2
if port_in_use "${node_ports[2]}"; then log "node 3 still listens after the kill"; fi
wait "$wrk_pid" || true

cat "$work/wrk.txt"
read -r non2xx errors < <(wrk_failures "$work/wrk.txt")
total=$(awk '/requests in/ {print $1}' "$work/wrk.txt")
echo
echo "retries $RETRIES: $total requests, failed: non-2xx $non2xx, socket errors $errors"
