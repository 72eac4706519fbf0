#!/usr/bin/env bash
# A fleet of three gateways sharing their admin state through one PostgreSQL: how long an admin
# change made on one node takes to be served by the others (p50/p99 over CHANGES changes), and
# what a change costs on nodes that carry a large config. Method: docs/BENCHMARKS.md.
#
#   bench/fleet.sh                       # 100 route changes, small config
#   SIZE=large bench/fleet.sh            # every node's file: 10,000 routes, 100,000 consumers
#   CHANGES=300 bench/fleet.sh
#
# Env: CHANGES (default 100; 20 for SIZE=large), SIZE (small | large), HEAP (default the launcher's;
# 2g for SIZE=large), BASE_PORT (default 18280), KEEP=1 keeps the work dir.
set -euo pipefail

SIZE="${SIZE:-small}"
if [[ $SIZE == large ]]; then CHANGES="${CHANGES:-20}"; HEAP="${HEAP:-2g}"; else CHANGES="${CHANGES:-100}"; fi
HEAP="${HEAP:-}"
BASE_PORT="${BASE_PORT:-18280}"

BENCH_NAME=fleet
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need curl:curl "nginx:$(nginx_package)"
pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
[[ -n "$(pg_bin)" ]] || need initdb:postgresql
pg="$(pg_bin)"

pick_port backend_port; pick_port pg_port
for n in a b c; do pick_port "proxy_$n"; pick_port "admin_$n"; done
token="bench-admin-token-$RANDOM$RANDOM"

# --- PostgreSQL: a throw-away cluster (as nobody when run as root: PostgreSQL refuses root) --------
as_db=()
if (( EUID == 0 )); then chown nobody "$work"; as_db=(runuser -u nobody --); fi
"${as_db[@]}" "$pg/initdb" -D "$work/pg" -U turnpike --auth=trust -E UTF8 --no-sync > "$work/initdb.log"
"${as_db[@]}" "$pg/pg_ctl" -D "$work/pg" -l "$work/pg.log" -w -o \
  "-p $pg_port -k $work -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off" start > /dev/null
stop_pg() { "${as_db[@]}" "$pg/pg_ctl" -D "$work/pg" -m immediate -w stop > /dev/null 2>&1 || true; }
trap 'stop_pg; bench_cleanup' EXIT
"${as_db[@]}" "$pg/psql" -h 127.0.0.1 -p "$pg_port" -U turnpike -d postgres -qc "CREATE DATABASE turnpike" > /dev/null

# --- the backend ----------------------------------------------------------------------------------
nginx_hello_backend "$backend_port"
nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" &
pids+=($!)

# --- three gateways -------------------------------------------------------------------------------
large_sections() {
  echo "plans: { free: { rateLimit: 10/s, quota: 10000/month } }"
  echo "routes:"
  for ((i = 0; i < 10000; i++)); do echo "  - { id: r$i, match: { path: \"/api/r$i/{id}\" }, service: backend, auth: [apiKey] }"; done
  echo "consumers:"
  for ((i = 0; i < 100000; i++)); do printf '  - { id: c%d, plan: free, credentials: [ { apiKey: key-%08d-abcdefabcdef } ] }\n' "$i" "$i"; done
}
[[ $SIZE == large ]] && { log "writing a config of 10,000 routes and 100,000 consumers"; large_sections > "$work/large.yaml"; }
for n in a b c; do
  proxy_var="proxy_$n"; admin_var="admin_$n"
  {
    cat <<CONF
server: { listen: 127.0.0.1:${!proxy_var}, eventLoops: 1 }
admin: { listen: 127.0.0.1:${!admin_var}, token: $token }
storage: { dataDir: $work/data-$n }
observe: { accessLog: { enabled: false } }
cluster:
  id: gw-$n
  store: postgresql://turnpike@127.0.0.1:$pg_port/turnpike
services:
  backend: { nodes: [ "http://127.0.0.1:$backend_port" ] }
CONF
    if [[ $SIZE == large ]]; then cat "$work/large.yaml"; else echo "routes: []"; fi
  } > "$work/gw-$n.yaml"
done
"$root/turnpike" --version > /dev/null   # builds the jar once, before three launchers race to
for n in a b c; do
  TURNPIKE_JAVA_OPTS="${HEAP:+-Xms$HEAP -Xmx$HEAP}" "$root/turnpike" run -c "$work/gw-$n.yaml" > "$work/gw-$n.log" 2>&1 &
  pids+=($!)
  eval "pid_$n=$!"
done
for n in a b c; do
  admin_var="admin_$n"; pid_var="pid_$n"
  wait_ready "gw-$n" "http://127.0.0.1:${!admin_var}/ready" "${!pid_var}" "$work/gw-$n.log"
done

java="$(readlink -f "/proc/$pid_a/exe")"
log "$CHANGES route changes on gw-a, each waited for on gw-a, gw-b and gw-c"
"$java" "$root/bench/FleetPropagation.java" "$CHANGES" "$token" "http://127.0.0.1:$admin_a" \
  "http://127.0.0.1:$proxy_a" "http://127.0.0.1:$proxy_b" "http://127.0.0.1:$proxy_c"

echo
echo "memory after the changes (live heap after a full GC; RSS):"
for n in a b c; do
  pid_var="pid_$n"
  "$(dirname "$java")/jcmd" "${!pid_var}" GC.run > /dev/null
  used=$("$(dirname "$java")/jcmd" "${!pid_var}" GC.heap_info | awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { v = $(i + 1); sub(/K,?/, "", v); s += v } } END { printf "%.0f", s / 1024 }')
  rss=$(awk '/VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/${!pid_var}/status")
  echo "gw-$n: heap used ${used} MB, RSS ${rss} MB"
done
curl -s -H "Authorization: Bearer $token" "http://127.0.0.1:$admin_b/admin/cluster"; echo
