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

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d -t turnpike-reload.XXXXXX)"
chmod 755 "$work"
pids=()
log() { echo "reload: $*" >&2; }
cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

PATH="$PATH:/usr/sbin:/sbin"
missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || missing+=(nginx-light)
if (( ${#missing[@]} )); then
  sudo=""; (( EUID == 0 )) || sudo="sudo"
  log "installing ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=$BASE_PORT
# Sets the variable named $1 (a $(...) subshell would lose the count).
free_port() { while port_in_use "$port"; do port=$((port + 1)); done; printf -v "$1" '%s' "$port"; port=$((port + 1)); }
free_port b1; free_port b2; free_port gw

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
non2xx=$(awk '/Non-2xx/ {print $NF}' "$work/wrk.txt"); non2xx=${non2xx:-0}
errors=$(awk '/Socket errors/ {gsub(",", ""); s=0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s}' "$work/wrk.txt")
errors=${errors:-0}
reloaded=$(grep -c "config reloaded" "$work/turnpike.log" || true)
echo
echo "reloads applied: $applied of $RELOADS (gateway logged $reloaded)"
echo "failed requests: non-2xx $non2xx, socket errors $errors"
(( applied == RELOADS && non2xx == 0 && errors == 0 ))
