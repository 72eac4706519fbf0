#!/usr/bin/env bash
# Hot reload under load: wrk keeps 64 connections busy through Turnpike while the config file is
# edited RELOADS times in a row (each edit adds a route and moves a node's weight); at the end the
# script prints how many reloads the gateway applied and how many requests failed. Zero is the
# only good answer. Method: docs/BENCHMARKS.md.
#
#   bench/reload.sh                 # 50 reloads under wrk -t1 -c64
#   RELOADS=100 bench/reload.sh
set -euo pipefail

RELOADS="${RELOADS:-50}"
CONNECTIONS="${CONNECTIONS:-64}"
BASE_PORT="${BASE_PORT:-18180}"

BENCH_NAME=reload
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk:wrk "nginx:$(nginx_package)"
pick_port b1; pick_port b2; pick_port gw

mkdir -p "$work/tmp"
cat > "$work/backend.conf" <<CONF
worker_processes 1;
daemon off;
pid $work/backend.pid;
error_log $work/backend-error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/tmp/body; proxy_temp_path $work/tmp/proxy;
  fastcgi_temp_path $work/tmp/fcgi; uwsgi_temp_path $work/tmp/uwsgi; scgi_temp_path $work/tmp/scgi;
  keepalive_requests 1000000;
  server { listen 127.0.0.1:$b1; location / { return 200 "one\n"; } }
  server { listen 127.0.0.1:$b2; location / { return 200 "two\n"; } }
}
CONF
nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" &
pids+=($!)

config() { # $1 = revision
  cat <<CONF
server:
  listen: 127.0.0.1:$gw
  eventLoops: 1
admin: { listen: off }
storage: { dataDir: $work/data }
observe:
  accessLog: { enabled: false }
services:
  backend:
    nodes:
      - { url: "http://127.0.0.1:$b1", weight: $(( $1 % 3 + 1 )) }
      - { url: "http://127.0.0.1:$b2" }
routes:
  - id: bench
    match: { path: /bench }
    service: backend
  - id: revision
    match: { path: "/revision/$1" }
    service: backend
CONF
}
config 0 > "$work/turnpike.yaml"
"$root/turnpike" --version > /dev/null
"$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 300); do
  [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw/bench")" == 200 ]] && break
  sleep 0.1
done

duration=$(( RELOADS / 2 + 10 ))
log "wrk -t1 -c$CONNECTIONS -d${duration}s while editing the config $RELOADS times"
wrk -t1 -c"$CONNECTIONS" -d"${duration}s" "http://127.0.0.1:$gw/bench" > "$work/wrk.txt" 2>&1 &
wrk_pid=$!
sleep 2
applied=0
for rev in $(seq 1 "$RELOADS"); do
  config "$rev" > "$work/turnpike.yaml.new" && mv "$work/turnpike.yaml.new" "$work/turnpike.yaml"
  # the edit is live once its route answers; the gateway notices an edit within a second
  for _ in $(seq 1 30); do
    if [[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw/revision/$rev")" == 200 ]]; then
      applied=$((applied + 1)); break
    fi
    sleep 0.05
  done
done
wait "$wrk_pid" || true

cat "$work/wrk.txt"
read -r non2xx errors < <(wrk_failures "$work/wrk.txt")
reloaded=$(grep -c "config reloaded" "$work/turnpike.log" || true)
echo
echo "reloads applied: $applied of $RELOADS (gateway logged $reloaded)"
echo "failed requests: non-2xx $non2xx, socket errors $errors"
(( applied == RELOADS && non2xx == 0 && errors == 0 ))
