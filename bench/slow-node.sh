#!/usr/bin/env bash
# One slow node of three: the same three nodes behind one Turnpike service per balancer, two fast
# (5 ms) and one 10x slower (50 ms), wrk -c64 through each; prints req/s, p50, p90, p99 and the share of
# calls the slow node took. The nodes are nginx servers with the echo module's echo_sleep (a timer,
# so a node serves any number of calls at once). Results: docs/BENCHMARKS.md, "One slow node of three".
#
#   bench/slow-node.sh                  # 10 s per balancer after a 20 s JVM warm-up
#   DURATION=30 bench/slow-node.sh
#
# Env: DURATION (s, default 10), CONNECTIONS (default 64), WARMUP (s, default 20), FAST_MS (5),
# SLOW_MS (50), BALANCERS (default "round-robin random least-request peak-ewma high-priority"),
# BASE_PORT (default 18180), KEEP=1 keeps the work dir.
set -euo pipefail

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
WARMUP="${WARMUP:-20}"
FAST_MS="${FAST_MS:-5}"
SLOW_MS="${SLOW_MS:-50}"
BALANCERS="${BALANCERS:-round-robin random least-request peak-ewma high-priority}"
BASE_PORT="${BASE_PORT:-18180}"

BENCH_NAME=slow-node
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
command -v wrk >/dev/null || { log "needs wrk (apt-get install wrk)"; exit 1; }
command -v nginx >/dev/null || { log "needs nginx (apt-get install nginx-light)"; exit 1; }
echo_module=""
for m in /usr/lib/nginx/modules/ngx_http_echo_module.so /usr/share/nginx/modules/ngx_http_echo_module.so; do
  [[ -f $m ]] && { echo_module=$m; break; }
done
[[ -n $echo_module ]] || { log "needs nginx's echo module (apt-get install libnginx-mod-http-echo)"; exit 1; }

pick_port fast1; pick_port fast2; pick_port slow; pick_port turnpike_port


# --- the three nodes: one nginx, three servers ---------------------------------------------------
node_server() {  # port seconds name
  cat <<CONF
  server {
    listen 127.0.0.1:$1;
    access_log $work/$3-access.log counted;
    location / { default_type text/plain; echo_sleep $2; echo "$3"; }
  }
CONF
}
mkdir -p "$work/nodes-tmp"
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
  keepalive_requests 1000000;
  log_format counted "x";
$(node_server "$fast1" "$(awk "BEGIN{print $FAST_MS/1000}")" fast1)
$(node_server "$fast2" "$(awk "BEGIN{print $FAST_MS/1000}")" fast2)
$(node_server "$slow" "$(awk "BEGIN{print $SLOW_MS/1000}")" slow)
}
CONF

# --- Turnpike: one service per balancer over the same nodes ---------------------------------------
nodes="[ http://127.0.0.1:$fast1, http://127.0.0.1:$fast2, http://127.0.0.1:$slow ]"
{
  cat <<CONF
server:
  listen: 127.0.0.1:$turnpike_port
  eventLoops: 1
admin: { listen: off }
storage: { dataDir: $work/data }
observe:
  accessLog: { enabled: false }
services:
CONF
  for b in round-robin random least-request peak-ewma; do
    printf '  %s:\n    nodes: %s\n    loadBalancer: %s\n' "$b" "$nodes" "$b"
  done
  printf 'routes:\n'
  for b in round-robin random least-request peak-ewma; do
    printf '  - { id: %s, match: { path: "/%s/**" }, service: %s }\n' "$b" "$b" "$b"
  done
  # High-priority calls on a round-robin service: the fastest node within its share cap.
  printf '  - { id: high-priority, match: { path: "/high-priority/**" }, service: round-robin, priority: high }\n'
} > "$work/turnpike.yaml"

log "nodes on :$fast1 :$fast2 (${FAST_MS} ms) and :$slow (${SLOW_MS} ms), CPU 0"
"${pin_load[@]}" nginx -e "$work/nodes-error.log" -p "$work" -c "$work/nodes.conf" > "$work/nodes.out" 2>&1 &
pids+=($!)
wait_ready nodes "http://127.0.0.1:$slow/" "$!" "$work/nodes-error.log"

"$root/turnpike" --version > /dev/null
log "turnpike on :$turnpike_port (CPU 1, 1 event loop)"
"${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
turnpike_pid=$!
pids+=("$turnpike_pid")
wait_ready turnpike "http://127.0.0.1:$turnpike_port/round-robin/x" "$turnpike_pid" "$work/turnpike.log"

wrk_run() {  # path seconds outfile
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency "http://127.0.0.1:$turnpike_port/$1/x" > "$3"
}
lines() { if [[ -f $1 ]]; then wc -l < "$1"; else echo 0; fi; }

if (( WARMUP > 0 )); then
  log "warming up the JVM for ${WARMUP}s"
  wrk_run round-robin "$WARMUP" "$work/warmup.txt"
fi

printf '%-15s %10s %9s %9s %9s %11s %5s\n' balancer "req/s" "p50 ms" "p90 ms" "p99 ms" "slow share" non2xx
for b in $BALANCERS; do
  wrk_run "$b" 3 "$work/settle-$b.txt"   # the balancer's estimates settle; not measured
  slow_before=$(lines "$work/slow-access.log")
  all_before=$(( $(lines "$work/fast1-access.log") + $(lines "$work/fast2-access.log") + slow_before ))
  wrk_run "$b" "$DURATION" "$work/wrk-$b.txt"
  sleep 0.2
  slow_after=$(lines "$work/slow-access.log")
  all_after=$(( $(lines "$work/fast1-access.log") + $(lines "$work/fast2-access.log") + slow_after ))
  read -r rps p50 p90 p99 bad < <(wrk_summary "$work/wrk-$b.txt")
  share=$(awk "BEGIN{d=$all_after-$all_before; printf \"%.3f\", (d > 0 ? ($slow_after-$slow_before)/d : 0)}")
  printf '%-15s %10s %9s %9s %9s %11s %5s\n' "$b" "$rps" "$p50" "$p90" "$p99" "$share" "$bad"
done
