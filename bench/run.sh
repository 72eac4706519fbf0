#!/usr/bin/env bash
# Throughput and latency of Turnpike next to nginx, both proxying the same fast backend, with
# the backend measured directly as the ceiling. Method and how to read it: docs/BENCHMARKS.md.
#
#   bench/run.sh                          # 3 interleaved rounds of 10 s each, 30 s JVM warm-up
#   DURATION=30 REPEATS=5 bench/run.sh
#   SCENARIO=features bench/run.sh        # API key + rate limit + access log to a file, on both proxies
#   SCENARIO=log bench/run.sh             # plain, plus a second Turnpike with its default access log
#   SCENARIO=latency bench/run.sh         # open loop at 70% of nginx's capacity: p50/p99/p99.9
#   BASELINE=/path/to/other/checkout bench/run.sh   # also measures that checkout's Turnpike
#   TARGETS="direct nginx netty turnpike" bench/run.sh   # plus the floor: a bare Netty proxy (plain)
#
# Env: DURATION (s, default 10), CONNECTIONS (default 64), REPEATS (default 3), WARMUP (s, default
# 30; the JVM needs it, nginx gets min(WARMUP, 5)), TARGETS (default "direct nginx turnpike", plus
# "baseline" with BASELINE, "logged" with SCENARIO=log, and "netty": bench/BareProxy.java, a bare
# Netty HTTP/1.1 proxy on the launcher's JVM flags, plain and latency only; NETTY_MODE=pipe makes it a
# TCP relay), BASE_PORT (default 18080; the first free ports from there are used), KEEP=1 keeps
# the work dir, SCENARIO (plain, features, log, latency), BASELINE (a Turnpike checkout with its jar built, run through its own launcher), RATE
# (latency: requests/s, default 70% of nginx's closed-loop req/s measured in the same run), LOAD
# (latency: fraction of nginx's capacity, default 0.7), BASELINE_JAVA_OPTS (TURNPIKE_JAVA_OPTS for
# the baseline target alone: BASELINE=. BASELINE_JAVA_OPTS="-Xms256m -Xmx256m" compares heap sizes),
# BASELINE_TRANSPORT (server.transport of the baseline target: BASELINE=. BASELINE_TRANSPORT=io_uring).
# Each round also reports the proxy's CPU time per request (/proc), which the machine's other load
# moves far less than req/s; the report splits it into user and system time (the proxy's own code,
# the kernel's work for it).
set -euo pipefail

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
REPEATS="${REPEATS:-3}"
WARMUP="${WARMUP:-30}"
SCENARIO="${SCENARIO:-plain}"
BASELINE="${BASELINE:-}"
LOAD="${LOAD:-0.7}"
default_targets="direct nginx turnpike"
[[ -z $BASELINE ]] || default_targets+=" baseline"
[[ $SCENARIO != log ]] || default_targets+=" logged"
TARGETS="${TARGETS:-$default_targets}"
BASE_PORT="${BASE_PORT:-18080}"
case "$SCENARIO" in
  plain | features | log | latency) ;;
  *) echo "run: SCENARIO=$SCENARIO (expected: plain, features, log or latency)" >&2; exit 2 ;;
esac
if [[ " $TARGETS " == *" netty "* && ( $SCENARIO == features || $SCENARIO == log ) ]]; then
  echo "run: the netty target has no API key check or access log (SCENARIO=plain or latency)" >&2; exit 2
fi
if [[ -n $BASELINE && ! -x $BASELINE/turnpike ]]; then
  echo "run: BASELINE=$BASELINE has no ./turnpike launcher" >&2; exit 2
fi

BENCH_NAME=bench
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
need wrk:wrk "nginx:$(nginx_package)"
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi

pick_port backend_port
pick_port nginx_port
pick_port turnpike_port
pick_port baseline_port
pick_port logged_port
pick_port netty_port

# features: every request carries this key, which both proxies check
api_key="bench-key-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
header=()
[[ $SCENARIO != features ]] || header=(-H "X-API-Key: $api_key")

# --- backend: nginx answering a small body from memory -------------------------------------------
mkdir -p "$work/nginx-tmp"

# --- nginx as the reference proxy ----------------------------------------------------------------
# features: as close as nginx comes to Turnpike's route: a JSON access line per request in a file,
# the API key checked through a map, a rate limit by client address that never trips.
nginx_features_http=""
nginx_features_location=""
if [[ $SCENARIO == features ]]; then
  nginx_features_http="$(cat <<CONF
  log_format json escape=json '{"time":"\$time_iso8601","requestId":"\$request_id","clientIp":"\$remote_addr",'
    '"consumer":"\$api_consumer","route":"all","service":"backend","node":"\$upstream_addr",'
    '"method":"\$request_method","path":"\$uri","status":\$status,"bytesIn":\$request_length,'
    '"bytesOut":\$bytes_sent,"totalMs":\$request_time,"upstreamMs":\$upstream_response_time}';
  access_log $work/nginx-access.log json;
  map \$http_x_api_key \$api_consumer { default ""; "$api_key" bench-app; }
  limit_req_zone \$binary_remote_addr zone=perip:1m rate=100000000r/s;
CONF
)"
  nginx_features_location="$(cat <<CONF
      if (\$api_consumer = "") { return 401; }
      limit_req zone=perip burst=1000000 nodelay;
CONF
)"
else
  nginx_features_http="  access_log off;"
fi
{
  nginx_common nginx
  cat <<CONF
http {
$nginx_features_http
$(nginx_temp nginx)
  keepalive_requests 1000000;
  upstream backend {
    server 127.0.0.1:$backend_port;
    keepalive 128;
  }
  server {
    listen 127.0.0.1:$nginx_port;
    location / {
$nginx_features_location
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
CONF
} > "$work/nginx.conf"

# --- Turnpike ------------------------------------------------------------------------------------
turnpike_config() {  # port access-log-settings
  bench_gateway_config "$1" "$2" "$([[ $SCENARIO != features ]] || echo "$api_key")"
}
access_log="{ enabled: false }   # nginx runs with access_log off too"
[[ $SCENARIO != features ]] || access_log="{ enabled: true, target: $work/turnpike-access.log }"
turnpike_config "$turnpike_port" "$access_log" > "$work/turnpike.yaml"
# each gateway its own file: two processes rotating one file would rename it under each other
turnpike_config "$baseline_port" "${access_log/turnpike-access.log/baseline-access.log}" > "$work/baseline.yaml"
if [[ -n ${BASELINE_TRANSPORT:-} ]]; then   # e.g. BASELINE=. BASELINE_TRANSPORT=io_uring
  sed -i "s/^  eventLoops: 1$/  eventLoops: 1\n  transport: $BASELINE_TRANSPORT/" "$work/baseline.yaml"
fi
# logged: the default access log (JSON lines on stdout, here into the process's log file)
turnpike_config "$logged_port" "{ enabled: true }" > "$work/logged.yaml"

wanted() { [[ " $TARGETS " == *" $1 "* ]]; }

log "scenario $SCENARIO; backend on :$backend_port (CPU 0)"
start_hello_backend "$backend_port"

declare -A url=([direct]="http://127.0.0.1:$backend_port/bench")
declare -A cpu_pid   # the process whose CPU time a request costs, per proxy
if wanted nginx; then
  log "nginx proxy on :$nginx_port (CPU 1, 1 worker)"
  "${pin_proxy[@]}" nginx -e "$work/nginx-error.log" -p "$work" -c "$work/nginx.conf" > "$work/nginx.out" 2>&1 &
  pids+=($!)
  url[nginx]="http://127.0.0.1:$nginx_port/bench"
  wait_ready nginx "${url[nginx]}" "$!" "$work/nginx-error.log" "${header[@]}"
  cpu_pid[nginx]="$(pgrep -P "$!" | head -1)"   # the one worker
fi
declare -A jvm_pid
start_turnpike() {  # target launcher-dir port
  "$2/turnpike" --version > /dev/null   # builds the jar first if it is missing or stale
  log "$1 ($2) on :$3 (CPU 1, 1 event loop)"
  # taskset and the launcher both exec, so $! is the JVM itself.
  local opts="${TURNPIKE_JAVA_OPTS:-}"
  [[ $1 != baseline ]] || opts="${BASELINE_JAVA_OPTS:-$opts}"
  TURNPIKE_JAVA_OPTS="$opts" "${pin_proxy[@]}" "$2/turnpike" run -c "$work/$1.yaml" > "$work/$1.log" 2>&1 &
  jvm_pid[$1]=$!
  cpu_pid[$1]=$!
  pids+=("$!")
  url[$1]="http://127.0.0.1:$3/bench"
  wait_ready "$1" "${url[$1]}" "$!" "$work/$1.log" "${header[@]}"
}
if wanted turnpike; then start_turnpike turnpike "$root" "$turnpike_port"; fi
if wanted baseline; then start_turnpike baseline "$BASELINE" "$baseline_port"; fi
if wanted logged; then start_turnpike logged "$root" "$logged_port"; fi
if wanted netty; then   # the floor: Netty alone on the same JVM, flags and core (bench/BareProxy.java)
  # shellcheck source=../scripts/find-java
  source "$root/scripts/find-java"
  java="$(find_java)" || { log "netty needs a JDK 21+"; exit 1; }
  "$root/turnpike" --version > /dev/null   # the jar holds Netty
  # The launcher's flags (./turnpike) that bear on the request path: heap, GC, Netty's settings.
  netty_flags=(-Xms64m -Xmx1g -Xmn16m -XX:-UseAdaptiveSizePolicy -XX:SurvivorRatio=6 -XX:+UseParallelGC
    --enable-native-access=ALL-UNNAMED -Dio.netty.tryReflectionSetAccessible=true
    --add-opens=java.base/java.nio=ALL-UNNAMED -Dio.netty.leakDetection.level=disabled)
  (( $(java_major "$java") < 23 )) || netty_flags+=(--sun-misc-unsafe-memory-access=allow)
  log "netty (bench/BareProxy.java) on :$netty_port (CPU 1, 1 event loop)"
  "${pin_proxy[@]}" "$java" "${netty_flags[@]}" -cp "$root/target/turnpike.jar" "$root/bench/BareProxy.java" \
    "$netty_port" "$backend_port" "${NETTY_MODE:-http}" > "$work/netty.log" 2>&1 &
  jvm_pid[netty]=$!
  cpu_pid[netty]=$!
  pids+=("$!")
  url[netty]="http://127.0.0.1:$netty_port/bench"
  wait_ready netty "${url[netty]}" "$!" "$work/netty.log"
fi

order=()
for t in direct nginx netty baseline turnpike logged; do
  if [[ -n ${url[$t]:-} ]] && { [[ $t == direct ]] || wanted "$t"; }; then order+=("$t"); fi
done
if [[ $SCENARIO == features ]]; then   # a proxy that refuses the key would look fast
  for t in "${order[@]}"; do
    [[ $t == direct ]] && continue
    code="$(curl -s -o /dev/null -w '%{http_code}' "${url[$t]}")"
    [[ $code == 401 ]] || { log "$t answered $code without the API key, not 401"; exit 1; }
  done
fi

wrk_run() {  # target seconds outfile
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency "${header[@]}" "${url[$1]}" > "$3"
}

# --- warm-up -------------------------------------------------------------------------------------
for t in "${order[@]}"; do
  secs="$WARMUP"
  [[ $t == turnpike || $t == baseline || $t == logged || $t == netty ]] || secs=$(( WARMUP < 5 ? WARMUP : 5 ))
  if (( secs > 0 )); then
    log "warming up $t for ${secs}s"
    wrk_run "$t" "$secs" "$work/warmup-$t.txt"
  fi
done

# --- latency: open loop at a fixed share of nginx's capacity -------------------------------------
if [[ $SCENARIO == latency ]]; then
  need gcc:gcc
  gcc -O2 -o "$work/openloop" "$root/bench/openloop.c"
  if [[ -z ${RATE:-} ]]; then
    wanted nginx || { log "latency needs nginx's capacity: add nginx to TARGETS or set RATE"; exit 2; }
    wrk_run nginx "$DURATION" "$work/capacity.txt"
    read -r capacity _ < <(wrk_summary "$work/capacity.txt")
    RATE="$(awk -v c="$capacity" -v l="$LOAD" 'BEGIN { printf "%.0f", c * l }')"
    log "nginx's capacity ${capacity} req/s (closed loop); open loop at $RATE req/s"
  fi
  for ((r = 1; r <= REPEATS; r++)); do
    for t in "${order[@]}"; do
      port="${url[$t]#http://127.0.0.1:}"; port="${port%%/*}"
      read -r sent done_ rps p50 p90 p99 p999 max bad errors < <(
        "${pin_load[@]}" "$work/openloop" 127.0.0.1 "$port" /bench "$RATE" "$DURATION" "$CONNECTIONS")
      log "round $r/$REPEATS $t: $rps req/s of $RATE, p50 $p50 ms, p99 $p99 ms, p99.9 $p999 ms, max $max ms"
      if [[ $bad != 0 || $errors != 0 || $done_ != "$sent" ]]; then
        log "WARNING: $t: $bad non-2xx, $errors socket errors, $((sent - done_)) unanswered in round $r"
      fi
      for k in rps p50 p99 p999; do echo "${!k}" >> "$work/$k-$t"; done
    done
  done
  echo
  echo "open loop at $RATE req/s, $CONNECTIONS connections, ${DURATION}s, $REPEATS interleaved rounds; median (min-max), ms"
  printf '%-10s %-24s %-24s %-24s %s\n' target "p50" "p99" "p99.9" "p99 vs nginx"
  for t in "${order[@]}"; do
    read -r am amin amax < <(stats "$work/p50-$t")
    read -r nm nmin nmax < <(stats "$work/p99-$t")
    read -r tm tmin tmax < <(stats "$work/p999-$t")
    [[ $t != nginx ]] || nginx_p99="$nm"
    printf '%-10s %-24s %-24s %-24s %s\n' "$t" "$(printf '%.3f (%.3f-%.3f)' "$am" "$amin" "$amax")" \
      "$(printf '%.3f (%.3f-%.3f)' "$nm" "$nmin" "$nmax")" "$(printf '%.3f (%.3f-%.3f)' "$tm" "$tmin" "$tmax")" \
      "$(awk -v a="$nm" -v b="${nginx_p99:-0}" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')"
  done
  for t in netty baseline turnpike logged; do
    p="${jvm_pid[$t]:-}"
    if [[ -n $p && -r /proc/$p/status ]]; then
      awk -v t="$t" '/^VmRSS|^VmHWM/ { printf "%s %s %.0f MiB\n", t, ($1 == "VmRSS:" ? "RSS" : "peak RSS"), $2 / 1024 }' "/proc/$p/status"
    fi
  done
  exit 0
fi

# --- measured rounds, interleaved so drift hits every target alike -------------------------------

# Every other round runs the targets in reverse order (A B C, C B A, ...), so a machine that speeds
# up or slows down within a round does not always favour the same target.
for ((r = 1; r <= REPEATS; r++)); do
  round=("${order[@]}")
  if (( r % 2 == 0 )); then
    round=(); for ((i = ${#order[@]} - 1; i >= 0; i--)); do round+=("${order[$i]}"); done
  fi
  for t in "${round[@]}"; do
    out="$work/wrk-$t-$r.txt"
    p="${cpu_pid[$t]:-}"
    [[ -z $p ]] || { before=$(cpu_ticks "$p"); user_before=$(user_ticks "$p"); }
    wrk_run "$t" "$DURATION" "$out"
    read -r rps p50 _ p99 bad < <(wrk_summary "$out")
    cpu="-"
    if [[ -n $p ]]; then   # microseconds of the proxy's CPU per request: what the machine's load does not move
      requests=$(awk '/requests in/ { print $1 }' "$out")
      cpu=$(cpu_us_per_request "$p" "$before" "$requests")
      echo "$cpu" >> "$work/cpu-$t"
      user=$(user_us_per_request "$p" "$user_before" "$requests")
      echo "$user" >> "$work/user-$t"
      awk -v c="$cpu" -v u="$user" 'BEGIN { printf "%.2f\n", c - u }' >> "$work/sys-$t"
    fi
    log "round $r/$REPEATS $t: $rps req/s, p50 ${p50} ms, p99 ${p99} ms, CPU ${cpu} us/request"
    if [[ $bad != 0 ]]; then
      log "WARNING: $t answered $bad non-2xx responses in round $r; its numbers do not count as proxying"
    fi
    echo "$rps" >> "$work/rps-$t"
    echo "$p50" >> "$work/p50-$t"
    echo "$p99" >> "$work/p99-$t"
  done
done

# --- report --------------------------------------------------------------------------------------

declare -A median
echo
echo "scenario $SCENARIO: wrk -t1 -c$CONNECTIONS -d${DURATION}s, $REPEATS interleaved rounds; median (min-max)"
declare -A cpu_median
printf '%-10s %-28s %-24s %-24s %-10s %s\n' target "req/s" "p50 ms" "p99 ms" "vs direct" "CPU us/request"
for t in "${order[@]}"; do
  read -r rm rmin rmax < <(stats "$work/rps-$t")
  read -r am amin amax < <(stats "$work/p50-$t")
  read -r nm nmin nmax < <(stats "$work/p99-$t")
  median[$t]="$rm"
  ratio="$(awk -v a="$rm" -v b="${median[direct]}" 'BEGIN { printf "%.2fx", a / b }')"
  cpu="-"
  if [[ -s $work/cpu-$t ]]; then
    read -r cm cmin cmax < <(stats "$work/cpu-$t")
    cpu_median[$t]="$cm"
    cpu="$(printf '%.2f (%.2f-%.2f)' "$cm" "$cmin" "$cmax")"
  fi
  printf '%-10s %-28s %-24s %-24s %-10s %s\n' "$t" \
    "$(printf '%.0f (%.0f-%.0f)' "$rm" "$rmin" "$rmax")" \
    "$(printf '%.3f (%.3f-%.3f)' "$am" "$amin" "$amax")" \
    "$(printf '%.3f (%.3f-%.3f)' "$nm" "$nmin" "$nmax")" \
    "$ratio" "$cpu"
done
# CPU per request is the steadier measure on a shared machine: nginx's over Turnpike's is the
# throughput ratio the two would have on a core of their own.
for t in netty baseline turnpike logged; do
  if [[ -n ${cpu_median[nginx]:-} && -n ${cpu_median[$t]:-} ]]; then
    awk -v t="$t" -v a="${cpu_median[$t]}" -v b="${cpu_median[nginx]}" \
      'BEGIN { printf "%s/nginx by CPU per request: %.2fx\n", t, b / a }'
  fi
done
if [[ -n ${cpu_median[turnpike]:-} && -n ${cpu_median[netty]:-} ]]; then
  awk -v a="${cpu_median[turnpike]}" -v b="${cpu_median[netty]}" 'BEGIN { printf "turnpike/netty by CPU per request: %.2fx\n", b / a }'
fi
if [[ -n ${cpu_median[turnpike]:-} && -n ${cpu_median[baseline]:-} ]]; then
  awk -v a="${cpu_median[turnpike]}" -v b="${cpu_median[baseline]}" 'BEGIN { printf "turnpike/baseline by CPU per request: %.2fx\n", b / a }'
fi
# The same ratios taken round by round (the two runs of a round are minutes apart at most, so they
# share the machine's state), then their median: steadier than the ratio of the medians when the
# machine's speed moves between rounds.
paired() {  # label numerator-file denominator-file: median (min-max) of numerator/denominator per round
  [[ -s $2 && -s $3 ]] || return 0
  paste "$2" "$3" | awk '{ printf "%.4f\n", $1 / $2 }' > "$work/paired"
  read -r pm pmin pmax < <(stats "$work/paired")
  printf '%s by CPU per request, round by round: %.2fx (%.2f-%.2f)\n' "$1" "$pm" "$pmin" "$pmax"
}
for t in netty baseline turnpike logged; do paired "$t/nginx" "$work/cpu-nginx" "$work/cpu-$t"; done
paired turnpike/baseline "$work/cpu-baseline" "$work/cpu-turnpike"
paired turnpike/netty "$work/cpu-netty" "$work/cpu-turnpike"
paired "access log on/off" "$work/cpu-turnpike" "$work/cpu-logged"
if [[ -n ${cpu_median[turnpike]:-} && -n ${cpu_median[logged]:-} ]]; then
  awk -v a="${cpu_median[logged]}" -v b="${cpu_median[turnpike]}" 'BEGIN { printf "access log on/off by CPU per request: %.3fx\n", b / a }'
fi
# Where a proxy's CPU goes: its own code (user) or the kernel's work for it (system), medians.
for t in "${order[@]}"; do
  if [[ -s $work/user-$t ]]; then
    read -r um _ < <(stats "$work/user-$t")
    read -r sm _ < <(stats "$work/sys-$t")
    printf '%s CPU us/request, user + system (medians): %.2f + %.2f\n' "$t" "$um" "$sm"
  fi
done
for t in netty baseline turnpike logged; do
  if [[ -n ${median[nginx]:-} && -n ${median[$t]:-} ]]; then
    awk -v t="$t" -v a="${median[$t]}" -v b="${median[nginx]}" 'BEGIN { printf "%s/nginx: %.2fx\n", t, a / b }'
  fi
done
if [[ -n ${median[turnpike]:-} && -n ${median[baseline]:-} ]]; then
  awk -v a="${median[turnpike]}" -v b="${median[baseline]}" 'BEGIN { printf "turnpike/baseline: %.2fx\n", a / b }'
fi
if [[ -n ${median[turnpike]:-} && -n ${median[logged]:-} ]]; then
  awk -v a="${median[logged]}" -v b="${median[turnpike]}" 'BEGIN { printf "access log on/off: %.3fx\n", a / b }'
fi
for t in netty baseline turnpike logged; do
  p="${jvm_pid[$t]:-}"
  if [[ -n $p && -r /proc/$p/status ]]; then
    awk -v t="$t" '/^VmRSS|^VmHWM/ { printf "%s %s %.0f MiB\n", t, ($1 == "VmRSS:" ? "RSS" : "peak RSS"), $2 / 1024 }' "/proc/$p/status"
  fi
done
