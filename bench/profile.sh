#!/usr/bin/env bash
# Where the event loop's CPU time goes, system calls included, for the plain route of bench/run.sh
# (or the features route: API key, rate limit, access log to a file). JDK 25's CPU-time sampler
# (jdk.CPUTimeSample, Linux) takes a stack every few milliseconds of a thread's CPU time, wherever
# the thread is: in Java code, or in a native socket call down to the kernel. The older execution
# sampler sees Java code only, so it cannot say how the loop's time splits between the two.
#
#   bench/profile.sh                      # this checkout, plain
#   SCENARIO=features bench/profile.sh
#   LAUNCHER=/path/to/checkout bench/profile.sh
#
# Env: WARMUP (s, default 20), DURATION (s, default 10), CONNECTIONS (default 64), TOP (frames, 40),
# SCENARIO (plain | features). KEEP=1 keeps the recording (profile.jfr) in the work dir.
set -euo pipefail
WARMUP="${WARMUP:-20}"
DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
TOP="${TOP:-40}"
SCENARIO="${SCENARIO:-plain}"
BASE_PORT="${BASE_PORT:-18280}"
BENCH_NAME=profile
case "$SCENARIO" in
  plain | features) ;;
  *) echo "profile: SCENARIO=$SCENARIO (expected: plain or features)" >&2; exit 2 ;;
esac
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../scripts/find-java
source "$root/scripts/find-java"
LAUNCHER="${LAUNCHER:-$root}"
java="$(find_java)" || { log "needs a JDK 25+"; exit 1; }
if (( $(java_major "$java") < 25 )); then
  log "the CPU-time sampler needs JDK 25+ ($java is $(java_major "$java")); set JAVA_HOME to one"
  exit 1
fi
jdk_bin="$(java_home_of "$java")/bin"
need wrk:wrk "nginx:$(nginx_package)"
pick_port backend_port
pick_port turnpike_port
start_hello_backend "$backend_port"
header=()
api_key=""
access_log="{ enabled: false }"
if [[ $SCENARIO == features ]]; then
  api_key="bench-key-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  header=(-H "X-API-Key: $api_key")
  access_log="{ enabled: true, target: $work/access.log }"
fi
bench_gateway_config "$turnpike_port" "$access_log" "$api_key" > "$work/turnpike.yaml"
"$LAUNCHER/turnpike" --version > /dev/null
# DebugNonSafepoints: a sample in compiled code names the inlined method it is in, not the nearest
# safepoint's.
TURNPIKE_JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DebugNonSafepoints ${TURNPIKE_JAVA_OPTS:-}" \
  "${pin_proxy[@]}" "$LAUNCHER/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
jvm=$!
pids+=("$jvm")
url="http://127.0.0.1:$turnpike_port/bench"
wait_ready turnpike "$url" "$jvm" "$work/turnpike.log" "${header[@]}"
log "warming up for ${WARMUP}s"
"${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP"s "${header[@]}" "$url" > /dev/null
log "recording ${DURATION}s"
"$jdk_bin/jcmd" "$jvm" JFR.start name=cpu settings=none "+jdk.CPUTimeSample#enabled=true" \
  "+jdk.CPUTimeSample#throttle=1ms" > /dev/null
"${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION"s "${header[@]}" "$url" > "$work/wrk.txt"
"$jdk_bin/jcmd" "$jvm" JFR.dump name=cpu filename="$work/profile.jfr" > /dev/null
"$jdk_bin/jfr" print --events jdk.CPUTimeSample --stack-depth 96 "$work/profile.jfr" > "$work/samples.txt"
wrk_summary "$work/wrk.txt" | awk '{ printf "%s: %.0f req/s while recording\n", "'"$SCENARIO"'", $1 }'

# Per sample of an event-loop thread: the top frame decides system call or Java; a Java sample
# counts once for every method on its stack (inclusive), as "Class.method".
awk -v top="$TOP" '
  function short(f,   n, p) {
    sub(/^[ \t]+/, "", f); sub(/\(.*/, "", f)
    n = split(f, p, "."); return n >= 2 ? p[n - 1] "." p[n] : f
  }
  function finish(   i, f, seen) {
    if (thread !~ /turnpike-io/ || depth == 0) return
    total++
    if (frame[1] in syscall) { sys[frame[1]]++; return }
    java++
    for (i = 1; i <= depth; i++) {
      f = frame[i]
      if (!(f in seen)) { seen[f] = 1; incl[f]++ }
    }
    self[frame[1]]++
  }
  BEGIN {
    syscall["Socket.recvAddress"] = "recv"; syscall["Socket.sendAddress"] = "send"
    syscall["FileDescriptor.writevAddresses"] = "writev"; syscall["Native.epollWait0"] = "epoll_wait"
    syscall["FileDescriptor.readAddress"] = "read"; syscall["FileDescriptor.writeAddress"] = "write"
  }
  /^jdk\.CPUTimeSample/ { finish(); thread = ""; depth = 0; instack = 0; next }
  /eventThread = / { thread = $0; next }
  /stackTrace = \[/ { instack = 1; next }
  instack && /^[ \t]+\]/ { instack = 0; next }
  instack && !/^[ \t]+\.\.\.$/ { frame[++depth] = short($0); next }
  END {
    finish()
    if (total == 0) { print "no samples of the event loop"; exit 1 }
    printf "event loop: %d samples of CPU time\n", total
    s = 0
    for (k in sys) { printf "  %-12s %5.1f%%  (%s)\n", syscall[k], 100 * sys[k] / total, k; s += sys[k] }
    printf "  %-12s %5.1f%%\n", "system calls", 100 * s / total
    printf "  %-12s %5.1f%%\n", "Java", 100 * java / total
    printf "\nJava samples by the methods they pass through (share of the Java samples; the loop itself left out):\n"
    for (k in incl) if (incl[k] < 0.95 * java) printf "%5.1f%% %s\n", 100 * incl[k] / java, k | "sort -rn | head -" top
    close("sort -rn | head -" top)
    printf "\nJava samples by the method they were in:\n"
    for (k in self) printf "%5.1f%% %s\n", 100 * self[k] / java, k | "sort -rn | head -15"
  }
' "$work/samples.txt"
