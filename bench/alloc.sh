#!/usr/bin/env bash
# Bytes allocated per proxied request on the event loop, and where (JFR's allocation samples), for
# the plain route of bench/run.sh. Allocation counts do not depend on the machine's other load, so
# two checkouts compare in separate runs.
#
#   bench/alloc.sh                      # this checkout
#   LAUNCHER=/path/to/checkout bench/alloc.sh
#
# Env: WARMUP (s, default 20), DURATION (s, default 10), CONNECTIONS (default 64), TOP (frames, 25),
# ACCESS_LOG (the accessLog settings, default "{ enabled: false }").
set -euo pipefail
WARMUP="${WARMUP:-20}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
TOP="${TOP:-25}"
ACCESS_LOG="${ACCESS_LOG:-{ enabled: false \}}"
BASE_PORT="${BASE_PORT:-18180}"
BENCH_NAME=alloc
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
LAUNCHER="${LAUNCHER:-$root}"
need wrk:wrk "nginx:$(nginx_package)"
pick_port backend_port
pick_port turnpike_port
start_hello_backend "$backend_port"
bench_gateway_config "$turnpike_port" "$ACCESS_LOG" > "$work/turnpike.yaml"
"$LAUNCHER/turnpike" --version > /dev/null
TURNPIKE_JAVA_OPTS="${TURNPIKE_JAVA_OPTS:-}" "${pin_proxy[@]}" "$LAUNCHER/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
jvm=$!
pids+=("$jvm")
url="http://127.0.0.1:$turnpike_port/bench"
wait_ready turnpike "$url" "$jvm" "$work/turnpike.log"
"${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP"s "$url" > /dev/null
jcmd "$jvm" JFR.start name=alloc settings=profile "jdk.ObjectAllocationSample#throttle=20000/s" > /dev/null
"${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION"s "$url" > "$work/wrk.txt"
jcmd "$jvm" JFR.dump name=alloc filename="$work/alloc.jfr" > /dev/null
requests=$(awk '/requests in/ { print $1 }' "$work/wrk.txt")
# JSON for the exact byte counts: the text form rounds them to 2-3 digits ("4.2 GB"), which moved
# the result by a few hundred bytes per request from run to run.
jfr print --json --events jdk.ThreadAllocationStatistics "$work/alloc.jfr" > "$work/threads.json"
jfr print --events jdk.ObjectAllocationSample --stack-depth 3 "$work/alloc.jfr" > "$work/samples.txt"
# allocated bytes of the event loop thread(s): last reading minus first, over the requests served
awk -v n="$requests" '
  /"allocated":/ { b = $2; gsub(/[^0-9]/, "", b) }
  /"javaName": "turnpike-io/ { t = $2; if (!(t in first)) first[t] = b; last[t] = b }
  END { s = 0; for (t in first) s += last[t] - first[t]; printf "event loop: %.0f bytes/request over %d requests\n", s / n, n }
' "$work/threads.json"
# samples: weight by type and by top frame. A thread's first sample is left out: its weight is all
# the thread allocated before the recording started, which once put a random site at 50-68%.
awk '
  /objectClass = / { cls = $3 }
  /weight = / { w = $3; gsub(/[^0-9.]/, "", w); unit = $4; wt = w * (unit ~ /^kB/ ? 1e3 : unit ~ /^MB/ ? 1e6 : unit ~ /^GB/ ? 1e9 : 1) }
  /eventThread = / { thread = $0 }
  /stackTrace = \[/ { getline f; sub(/^[ \t]+/, "", f); sub(/line:.*/, "", f); if (!(thread in seen)) { seen[thread] = 1; next }; by[cls " <- " f] += wt; total += wt }
  END { for (k in by) printf "%5.1f%% %s\n", 100 * by[k] / total, k }
' "$work/samples.txt" | sort -rn | head -"$TOP"
