#!/usr/bin/env bash
# Cold start under load: nginx, Turnpike without its start-up cache and Turnpike with it, each
# started cold while wrk already knocks with 64 connections; time to the first answer and req/s
# (and p99) in 1 s slices, side by side. Method and how to read it: docs/BENCHMARKS.md.
# The target turnpike+warmup (not in the default set) is Turnpike with the cache and
# server.warmup: the load comes only once GET /ready answers 200, as from a load balancer.
#
#   bench/warmup.sh                   # 30 slices of 1 s per target
#   SLICES=60 bench/warmup.sh
#   PROTOCOL=h2 bench/warmup.sh       # the same with h2load over h2c (prior knowledge)
#
# Env: SLICES (default 30), CONNECTIONS (default 64; with h2 16 connections of STREAMS=10 streams),
# TARGETS (default "nginx turnpike turnpike+cache"), PROTOCOL (h1 | h2, default h1), BASE_PORT
# (default 18080), KEEP=1 keeps the work dir. For Turnpike each slice also shows the CPU its JIT
# compilers used in it (C1+C2, ms): on the proxy's one core that is time the event loop did not get.
# The cache is made first with `./turnpike aot --if-missing` (a training run of ~15 s).
set -euo pipefail

SLICES="${SLICES:-30}"
PROTOCOL="${PROTOCOL:-h1}"
if [[ $PROTOCOL == h2 ]]; then CONNECTIONS="${CONNECTIONS:-16}"; else CONNECTIONS="${CONNECTIONS:-64}"; fi
STREAMS="${STREAMS:-10}"
TARGETS="${TARGETS:-nginx turnpike turnpike+cache}"
BASE_PORT="${BASE_PORT:-18080}"

BENCH_NAME=warmup
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
case "$PROTOCOL" in
  h1) need wrk:wrk "nginx:$(nginx_package)" ;;
  h2) need h2load:nghttp2-client "nginx:$(nginx_package)" ;;
  *) log "PROTOCOL is h1 or h2, not $PROTOCOL"; exit 2 ;;
esac
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi

pick_port backend_port
pick_port proxy_port
next_port=$((proxy_port + 1))
pick_port admin_port

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
    listen 127.0.0.1:$proxy_port$([[ $PROTOCOL == h2 ]] && echo " http2");
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
} > "$work/nginx.conf"

# The same gateway as bench/run.sh's: one event loop, one route to the backend, no access log
# (nginx runs with access_log off too).
bench_gateway_config "$proxy_port" "{ enabled: false }" > "$work/turnpike.yaml"

# The same with a self-warm-up, and the admin listener to ask /ready.
sed -e "s/^  eventLoops: 1$/  eventLoops: 1\n  warmup: { duration: ${WARMUP_SECONDS:-3}s }/" \
    -e "s/^admin: { listen: off }$/admin: { listen: 127.0.0.1:$admin_port }/" "$work/turnpike.yaml" > "$work/turnpike-warmup.yaml"

log "backend on :$backend_port (CPU 0)"
"${pin_load[@]}" nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" > "$work/backend.out" 2>&1 &
pids+=($!)
wait_ready backend "http://127.0.0.1:$backend_port/bench" "$!" "$work/backend-error.log"

if [[ " $TARGETS " == *" turnpike"* ]]; then
  "$root/turnpike" --version > /dev/null   # builds the jar first if it is missing or stale
fi
if [[ " $TARGETS " == *" turnpike+cache "* || " $TARGETS " == *" turnpike+warmup "* ]]; then
  "$root/turnpike" aot --if-missing
fi

now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
hz=$(getconf CLK_TCK)

# CPU ticks of a JVM's C1 and C2 compiler threads so far (0 for any other process).
jit_ticks() {  # pid
  local task total=0 comm
  for task in /proc/"$1"/task/*; do
    read -r comm < "$task/comm" 2>/dev/null || continue
    [[ $comm == C[12]\ CompilerThre* ]] || continue
    total=$(( total + $(stat_ticks "$task/stat" 2>/dev/null) ))
  done
  echo "$total"
}

# One slice of load: "req/s latency-ms failures", latency being p99 (wrk) or the mean (h2load).
load_slice() {  # url outfile
  if [[ $PROTOCOL == h2 ]]; then
    "${pin_load[@]}" h2load -c"$CONNECTIONS" -m"$STREAMS" -D1 "$1" > "$2" 2>&1 || true
    awk '/^finished in/ { gsub(",", "", $4); rps = $4 }
         /^requests:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^(failed|errored)/) bad += $i }
         /^time for request:/ { mean = $6; if (mean ~ /us$/) mean = mean / 1000; else if (mean ~ /ms$/) mean += 0; else mean *= 1000 }
         END { if (rps != "") print rps, mean + 0, bad + 0 }' "$2"
  else
    "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d1s --latency "$1" > "$2" 2>&1 || true
    grep -q '^Requests/sec' "$2" || return 0
    local rps p99 bad
    read -r rps _ _ p99 bad < <(wrk_summary "$2" 2>/dev/null)
    echo "${rps:-0} ${p99:-0} ${bad:-0}"
  fi
}

# One target: start it cold with the load already running; one wrk run per slice.
measure() {  # target
  local t="$1" start pid first="" i out
  local url="http://127.0.0.1:$proxy_port/bench"
  : > "$work/slices-$t"
  start=$(now_ms)
  case "$t" in
    nginx) "${pin_proxy[@]}" nginx -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" > "$work/nginx.out" 2>&1 & ;;
    turnpike) TURNPIKE_AOT=off "${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/$t.log" 2>&1 & ;;
    turnpike+cache) "${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/$t.log" 2>&1 & ;;
    turnpike+warmup) "${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike-warmup.yaml" > "$work/$t.log" 2>&1 & ;;
  esac
  pid=$!
  pids+=("$pid")
  # A load balancer's view: no traffic until /ready says 200.
  if [[ $t == turnpike+warmup ]]; then
    for ((i = 0; i < 6000; i++)); do
      [[ "$(curl -s -m 2 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$admin_port/ready" 2>/dev/null)" == 200 ]] && break
      sleep 0.02
    done
    echo $(( $(now_ms) - start )) > "$work/ready-$t"
  fi
  # Time to first answer (wrk only says which second): a request sent as soon as the port accepts
  # connections, beside the load, and the moment its answer arrives.
  (
    for ((i = 0; i < 6000; i++)); do
      if ! port_in_use "$proxy_port"; then sleep 0.01; continue; fi
      if [[ "$(curl -s -m 30 $([[ $PROTOCOL == h2 ]] && echo --http2-prior-knowledge) -o /dev/null -w '%{http_code}' "$url" 2>/dev/null)" == 200 ]]; then
        echo $(( $(now_ms) - start )) > "$work/first-$t"
        exit 0
      fi
      sleep 0.01
    done
  ) &
  local poller=$!
  local deadline rps p99 bad line jit jit_before jit_now
  jit_before=$(jit_ticks "$pid")
  for ((i = 1; i <= SLICES; i++)); do
    out="$work/load-$t-$i.txt"
    deadline=$(( start + i * 1000 ))
    if [[ -f $work/ready-$t ]] && (( deadline <= start + $(cat "$work/ready-$t") )); then
      echo "$i 0 0 0 -" >> "$work/slices-$t"   # not ready yet: no traffic sent
      continue
    fi
    # The load tools give up at once when nothing listens yet: knock again until the slice is over,
    # so a slice before the listener is up counts 0 and the rest stay aligned to the launch.
    while :; do
      line="$(load_slice "$url" "$out")"
      [[ -n $line ]] && break
      (( $(now_ms) < deadline )) || break
      sleep 0.05
    done
    read -r rps p99 bad <<< "${line:-0 0 0}"
    jit="-"
    if [[ $t != nginx ]]; then
      jit_now=$(jit_ticks "$pid")
      jit=$(( (jit_now - jit_before) * 1000 / hz ))
      jit_before=$jit_now
    fi
    echo "$i ${rps:-0} ${p99:-0} ${bad:-0} $jit" >> "$work/slices-$t"
  done
  wait "$poller" 2>/dev/null || true
  first="$(cat "$work/first-$t" 2>/dev/null || echo never)"
  log "$t: first answer after ${first} ms$([[ -f $work/ready-$t ]] && echo " (ready after $(cat "$work/ready-$t") ms)")"
  pkill -TERM -P "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  sleep 1   # the port is free again for the next target
}

order=()
for t in nginx turnpike turnpike+cache turnpike+warmup; do
  if [[ " $TARGETS " == *" $t "* ]]; then order+=("$t"); fi
done
for t in "${order[@]}"; do
  log "$t: starting cold under $CONNECTIONS connections for $SLICES slices of 1 s"
  measure "$t"
done

# --- report --------------------------------------------------------------------------------------
echo
if [[ $PROTOCOL == h2 ]]; then
  echo "cold start under h2load -c$CONNECTIONS -m$STREAMS (h2c), one 1 s run per slice from the moment of launch;"
  echo "req/s (mean ms per request) and, for Turnpike, the JIT compilers' CPU in the slice (ms)"
  latency="mean"
else
  echo "cold start under wrk -t1 -c$CONNECTIONS, one 1 s run per slice from the moment of launch;"
  echo "req/s (p99 ms) and, for Turnpike, the JIT compilers' CPU in the slice (ms)"
  latency="p99"
fi
printf '%-8s' "first"
for t in "${order[@]}"; do
  printf '%-26s' "$(cat "$work/first-$t" 2>/dev/null || echo never) ms"
done
echo
printf '%-8s' slice
for t in "${order[@]}"; do printf '%-26s' "$t"; done
echo
for ((i = 1; i <= SLICES; i++)); do
  printf '%-8s' "$i"
  for t in "${order[@]}"; do
    read -r _ rps p99 bad jit < <(sed -n "${i}p" "$work/slices-$t")
    cell="$(printf '%.0f (%.2f)' "$rps" "$p99")"
    [[ $jit == - ]] || cell="$cell ${jit}"
    [[ $bad == 0 ]] || cell="$cell !$bad"
    printf '%-26s' "$cell"
  done
  echo
done
# Peak: the median of the last 10 slices; then the first slice at 80% of it, and the worst p99
# of the first 10 slices against the median p99 of the last 10.
echo
for t in "${order[@]}"; do
  awk -v t="$t" -v n="$SLICES" -v lat="$latency" '
    function median(a, k,   i, j, x) {   # sorts a[1..k] in place (mawk has no asort)
      for (i = 2; i <= k; i++) { x = a[i]; for (j = i - 1; j >= 1 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
      return (k % 2) ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
    }
    { rps[$1] = $2; p99[$1] = $3; c[$1] = ($5 == "-" ? 0 : $5) }
    END {
      m = 0; for (i = (n > 10 ? n - 9 : 1); i <= n; i++) { r[++m] = rps[i]; q[m] = p99[i] }
      peak = median(r, m); warm = median(q, m)
      at = "never"; for (i = 1; i <= n; i++) if (rps[i] >= 0.8 * peak) { at = i; break }
      worst = 0; for (i = 1; i <= 10 && i <= n; i++) if (p99[i] > worst) worst = p99[i]
      jit = 0; for (i = 1; i <= n; i++) jit += c[i]
      printf "%-16s peak %.0f req/s; 80%% of it in slice %s; worst %s of slices 1-10 %.2f ms vs warm %.2f ms (%.1fx)%s\n",
        t, peak, at, lat, worst, warm, (warm > 0 ? worst / warm : 0), (t == "nginx" ? "" : sprintf("; JIT CPU %.1f s", jit / 1000))
    }' "$work/slices-$t"
done
