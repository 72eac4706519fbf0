#!/usr/bin/env bash
# What the benchmark scripts share: a work dir removed on exit (KEEP=1 keeps it), the processes
# they start stopped on exit, tool installs from Debian's packages, free loopback ports, pinning.
# Source it after setting BENCH_NAME (the log prefix) and BASE_PORT.

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d -t "turnpike-$BENCH_NAME.XXXXXX")"
chmod 755 "$work"   # nginx workers run as an unprivileged user when started as root
pids=()

log() { echo "$BENCH_NAME: $*" >&2; }

bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    pkill -TERM -P "$pid" 2>/dev/null || true   # nginx workers, a launcher's JVM
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [[ ${KEEP:-0} == 1 ]]; then log "work dir kept: $work"; else rm -rf "$work"; fi
}
trap bench_cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

PATH="$PATH:/usr/sbin:/sbin"   # nginx lives in sbin on Debian

# Installs the named Debian packages for the commands that are missing: need CMD:PACKAGE ...
need() {
  local missing=() pair
  for pair in "$@"; do
    command -v "${pair%%:*}" >/dev/null || missing+=("${pair#*:}")
  done
  (( ${#missing[@]} )) || return 0
  local sudo=""
  (( EUID == 0 )) || sudo="sudo"
  log "installing ${missing[*]} from Debian packages"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}

# nginx-light where it exists, else nginx
nginx_package() {
  if apt-cache show nginx-light >/dev/null 2>&1; then echo nginx-light; else echo nginx; fi
}

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
next_port=$BASE_PORT
# Sets the variable named $1 to the next free port (a $(...) subshell would lose the count).
pick_port() {
  while port_in_use "$next_port"; do next_port=$((next_port + 1)); done
  printf -v "$1" '%s' "$next_port"
  next_port=$((next_port + 1))
}

# Pinning: load and backends on CPU 0, the proxy under test alone on CPU 1.
if (( $(nproc) >= 2 )); then
  pin_load=(taskset -c 0)
  pin_proxy=(taskset -c 1)
else
  pin_load=()
  pin_proxy=()
fi

# Counts failed requests in a wrk report: non-2xx answers plus socket errors.
wrk_failures() {
  local non2xx errors
  non2xx=$(awk '/Non-2xx/ {print $NF}' "$1"); non2xx=${non2xx:-0}
  errors=$(awk '/Socket errors/ {gsub(",", ""); s=0; for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+$/) s += $i; print s}' "$1")
  echo "$non2xx ${errors:-0}"
}

# Polls until $2 (a URL) answers 200; exits with the process's log when $3 (a pid) dies or 60 s pass.
# Arguments after the fourth go to curl (a header the URL needs).
wait_ready() {  # name url pid logfile [curl args...]
  local name="$1" url="$2" pid="$3" logfile="$4" i
  shift 4
  for ((i = 0; i < 600; i++)); do
    if [[ "$(curl -sk -o /dev/null -w '%{http_code}' "$@" "$url" 2>/dev/null)" == 200 ]] && kill -0 "$pid" 2>/dev/null; then
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      log "$name exited before it answered; its log ($logfile):"
      cat "$logfile" >&2 || true
      exit 1
    fi
    sleep 0.1
  done
  log "$name did not answer 200 on $url within 60 s; its log ($logfile):"
  cat "$logfile" >&2 || true
  exit 1
}

# One wrk --latency report as "req/s p50 p90 p99 non-2xx" (latencies in ms; wrk prints 812.00us,
# 1.23ms or 1.05s). Socket errors, if any, go to stderr.
wrk_summary() {
  awk '
    function ms(v) {
      if (v ~ /us$/) { sub(/us$/, "", v); return v / 1000 }
      if (v ~ /ms$/) { sub(/ms$/, "", v); return v + 0 }
      if (v ~ /s$/)  { sub(/s$/, "", v);  return v * 1000 }
      return v + 0
    }
    $1 == "50%"       { p50 = ms($2) }
    $1 == "90%"       { p90 = ms($2) }
    $1 == "99%"       { p99 = ms($2) }
    /^Requests\/sec:/ { rps = $2 }
    /Non-2xx or 3xx/  { bad = $NF }
    /Socket errors/   { errors = $0 }
    END {
      printf "%s %s %s %s %s\n", rps, p50, p90, p99, (bad == "" ? 0 : bad)
      if (errors != "") print errors > "/dev/stderr"
    }' "$1"
}

# --- nginx configs --------------------------------------------------------------------------------
# The head of an nginx config whose pid and error log are $work/$1.*.
nginx_common() {
  cat <<CONF
worker_processes 1;
daemon off;
pid $work/$1.pid;
error_log $work/$1-error.log warn;
events { worker_connections 4096; }
CONF
}

# nginx's temp paths under $work/$1-tmp (created here).
nginx_temp() {
  mkdir -p "$work/$1-tmp"
  cat <<CONF
  client_body_temp_path $work/$1-tmp/body;
  proxy_temp_path $work/$1-tmp/proxy;
  fastcgi_temp_path $work/$1-tmp/fastcgi;
  uwsgi_temp_path $work/$1-tmp/uwsgi;
  scgi_temp_path $work/$1-tmp/scgi;
CONF
}

# Writes $work/backend.conf: nginx answering "hello" from memory on 127.0.0.1:$1.
nginx_hello_backend() {
  {
    nginx_common backend
    cat <<CONF
http {
  access_log off;
$(nginx_temp backend)
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$1;
    location / { default_type text/plain; return 200 "hello\n"; }
  }
}
CONF
  } > "$work/backend.conf"
}

# Starts the "hello" backend on 127.0.0.1:$1 on the load's CPU and waits until it answers.
start_hello_backend() {
  nginx_hello_backend "$1"
  "${pin_load[@]}" nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" > "$work/backend.out" 2>&1 &
  pids+=($!)
  wait_ready backend "http://127.0.0.1:$1/bench" "$!" "$work/backend-error.log"
}

# The benchmark gateway's config on stdout: one event loop, admin off, one route /** to the backend
# on $backend_port. port access-log-settings [api-key]: with an API key the route checks it
# (X-API-Key) and has a rate limit by client address that never trips (the features scenario).
bench_gateway_config() {
  local route_extra="" consumers=""
  if [[ -n ${3:-} ]]; then
    route_extra="
    auth: [apiKey]
    rateLimit: { limit: 100000000/s, key: ip }"
    consumers="consumers:
  - id: bench-app
    credentials:
      - apiKey: \"$3\""
  fi
  cat <<CONF
server:
  listen: 127.0.0.1:$1
  eventLoops: 1
admin: { listen: off }
storage: { dataDir: $work/data-$1 }
observe:
  accessLog: $2
$consumers
services:
  backend:
    nodes: [ http://127.0.0.1:$backend_port ]
routes:
  - id: all
    match: { path: "/**" }
    service: backend$route_extra
CONF
}

# median, min, max of a file of numbers (one per line)
# CPU time (user + system, clock ticks) of a process, all its threads
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# User + system ticks from a /proc/.../stat file, counted after the name's closing parenthesis:
# a thread's name may hold spaces ("C2 CompilerThre"), which shift awk's field numbers.
stat_ticks() {  # stat-file
  local s f
  s="$(< "$1")" || { echo 0; return; }
  read -r -a f <<< "${s##*) }"
  echo $(( f[11] + f[12] ))
}
# User-space CPU ticks of a process, all its threads (the rest of cpu_ticks is the kernel's).
user_ticks() { awk '{ print $14 }' "/proc/$1/stat"; }
# Microseconds of a process's CPU per request since a cpu_ticks reading: pid ticks-before requests
# [decimals]. What the machine's other load moves least, so what compares proxies.
cpu_us_per_request() {
  awk -v d=$(( $(cpu_ticks "$1") - $2 )) -v hz="$(getconf CLK_TCK)" -v n="$3" -v f="%.${4:-2}f" \
    'BEGIN { printf f, d / hz * 1e6 / n }'
}
# The same for user-space CPU alone, since a user_ticks reading.
user_us_per_request() {
  awk -v d=$(( $(user_ticks "$1") - $2 )) -v hz="$(getconf CLK_TCK)" -v n="$3" -v f="%.${4:-2}f" \
    'BEGIN { printf f, d / hz * 1e6 / n }'
}

stats() { sort -g "$1" | awk '{ v[NR] = $1 } END {
  m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
  printf "%s %s %s\n", m, v[1], v[NR] }'; }
