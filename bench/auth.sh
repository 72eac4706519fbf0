#!/usr/bin/env bash
# What authentication costs: one Turnpike with an open route, an API-key route and JWT routes
# (RS256 and ES256, tokens minted by the JDK's own Signature API), all proxying the same fast
# backend, measured in the same run and reported as throughput relative to the open route.
# Method and targets: docs/BENCHMARKS.md ("Authentication").
#
#   bench/auth.sh                         # 5 interleaved rounds of 10 s each, 30 s JVM warm-up
#   DURATION=30 REPEATS=5 bench/auth.sh
#
# Env: DURATION (s, default 10), CONNECTIONS (default 64), REPEATS (default 5: each scenario leads one round), WARMUP (s, default
# 30, spread over the scenarios), BASE_PORT (default 18180), KEEP=1 keeps the work dir.
# Every request of a JWT scenario carries the same token, so after the first one the gateway's
# verification cache answers: this measures auth with the cache, as most clients use it.
set -euo pipefail

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
REPEATS="${REPEATS:-5}"
WARMUP="${WARMUP:-30}"
BASE_PORT="${BASE_PORT:-18180}"

BENCH_NAME=bench-auth
# shellcheck source=lib.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
# shellcheck source=../scripts/find-java
source "$root/scripts/find-java"
need wrk:wrk "nginx:$(nginx_package)"
if (( $(nproc) < 2 )); then log "only one CPU: running unpinned, numbers will be noisy"; fi
java="$(find_java)" || { log "needs Java $TURNPIKE_MIN_JAVA+"; exit 1; }

pick_port backend_port
pick_port turnpike_port

# --- backend: nginx answering a small body from memory -------------------------------------------
nginx_hello_backend "$backend_port"

# --- keys, tokens and the gateway's config -------------------------------------------------------
issuer="https://bench.turnpike.dev"
api_key="bench-api-key-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"$java" "$root/bench/MintTokens.java" "$work" "$issuer" turnpike bench-app
cat > "$work/turnpike.yaml" <<CONF
server:
  listen: 127.0.0.1:$turnpike_port
  eventLoops: 1
admin: { listen: off }
storage: { dataDir: $work/data }
observe:
  accessLog: { enabled: false }
auth:
  jwt:
    - { issuer: "$issuer", keys: $(cat "$work/jwks.json"), algorithms: [RS256, ES256], audiences: [turnpike] }
consumers:
  - id: bench-app
    groups: [bench]
    credentials:
      - apiKey: "$api_key"
      - jwt: { issuer: "$issuer", subject: bench-app }
services:
  backend:
    nodes: [ http://127.0.0.1:$backend_port ]
routes:
  - { id: open,   match: { path: "/open/**" },   rewrite: { stripPrefix: /open },   service: backend }
  - { id: apikey, match: { path: "/apikey/**" }, rewrite: { stripPrefix: /apikey }, service: backend, auth: [apiKey] }
  - { id: jwt,    match: { path: "/jwt/**" },    rewrite: { stripPrefix: /jwt },    service: backend, auth: [jwt] }
CONF

log "backend on :$backend_port (CPU 0)"
"${pin_load[@]}" nginx -e "$work/backend-error.log" -p "$work" -c "$work/backend.conf" > "$work/backend.out" 2>&1 &
pids+=($!)
wait_ready backend "http://127.0.0.1:$backend_port/bench" "$!" "$work/backend-error.log"

"$root/turnpike" --version > /dev/null   # builds the jar first if it is missing or stale
log "turnpike on :$turnpike_port (CPU 1, 1 event loop)"
"${pin_proxy[@]}" "$root/turnpike" run -c "$work/turnpike.yaml" > "$work/turnpike.log" 2>&1 &
turnpike_pid=$!
pids+=("$turnpike_pid")
wait_ready turnpike "http://127.0.0.1:$turnpike_port/open/bench" "$turnpike_pid" "$work/turnpike.log"

base="http://127.0.0.1:$turnpike_port"
# bigopen: the open route sent the RS256 token too (and forwarding it): what the bigger request
# alone costs, apart from checking it.
order=(open apikey rs256 es256 bigopen)
declare -A url=([open]="$base/open/bench" [apikey]="$base/apikey/bench" [rs256]="$base/jwt/bench"
  [es256]="$base/jwt/bench" [bigopen]="$base/open/bench")
declare -A header=([open]="X-Bench: open" [apikey]="X-API-Key: $api_key"
  [rs256]="Authorization: Bearer $(cat "$work/rs256.jwt")" [es256]="Authorization: Bearer $(cat "$work/es256.jwt")"
  [bigopen]="Authorization: Bearer $(cat "$work/rs256.jwt")")

for s in "${order[@]}"; do   # every scenario must authenticate, or its numbers mean nothing
  code="$(curl -s -o /dev/null -w '%{http_code}' -H "${header[$s]}" "${url[$s]}")"
  if [[ $code != 200 ]]; then log "$s answered $code, not 200; turnpike log: $work/turnpike.log"; KEEP=1; exit 1; fi
done

wrk_run() {  # scenario seconds outfile
  "${pin_load[@]}" wrk -t1 -c"$CONNECTIONS" -d"$2"s --latency -H "${header[$1]}" "${url[$1]}" > "$3"
}

# --- warm-up: the JVM needs ~30 s of load; every scenario's code path gets its share ----------------
per=$(( WARMUP / ${#order[@]} ))
if (( per > 0 )); then
  for s in "${order[@]}"; do
    log "warming up $s for ${per}s"
    wrk_run "$s" "$per" "$work/warmup-$s.txt"
  done
fi

# --- measured rounds, interleaved so drift hits every scenario alike; each round starts one
# scenario later, so none is always the one measured right after a pause -----------------------
n=${#order[@]}
for ((r = 1; r <= REPEATS; r++)); do
  for ((k = 0; k < n; k++)); do
    s="${order[$(( (r - 1 + k) % n ))]}"
    out="$work/wrk-$s-$r.txt"
    wrk_run "$s" "$DURATION" "$out"
    read -r rps p50 _ p99 bad < <(wrk_summary "$out")
    log "round $r/$REPEATS $s: $rps req/s, p50 ${p50} ms, p99 ${p99} ms"
    if [[ $bad != 0 ]]; then
      log "WARNING: $s answered $bad non-2xx responses in round $r; its numbers do not count"
    fi
    echo "$rps" >> "$work/rps-$s"
    echo "$p50" >> "$work/p50-$s"
    echo "$p99" >> "$work/p99-$s"
  done
done

# --- report --------------------------------------------------------------------------------------

declare -A median
echo
echo "wrk -t1 -c$CONNECTIONS -d${DURATION}s, $REPEATS interleaved rounds; median (min-max); cost = 1 - req/s / open's"
printf '%-8s %-28s %-24s %-24s %-10s %s\n' scenario "req/s" "p50 ms" "p99 ms" "vs open" "cost"
for s in "${order[@]}"; do
  read -r rm rmin rmax < <(stats "$work/rps-$s")
  read -r am amin amax < <(stats "$work/p50-$s")
  read -r nm nmin nmax < <(stats "$work/p99-$s")
  median[$s]="$rm"
  printf '%-8s %-28s %-24s %-24s %-10s %s\n' "$s" \
    "$(printf '%.0f (%.0f-%.0f)' "$rm" "$rmin" "$rmax")" \
    "$(printf '%.3f (%.3f-%.3f)' "$am" "$amin" "$amax")" \
    "$(printf '%.3f (%.3f-%.3f)' "$nm" "$nmin" "$nmax")" \
    "$(awk -v a="$rm" -v b="${median[open]}" 'BEGIN { printf "%.3fx", a / b }')" \
    "$(awk -v a="$rm" -v b="${median[open]}" 'BEGIN { printf "%.1f%%", (1 - a / b) * 100 }')"
done
echo "targets: apikey cost < 5%, rs256/es256 cost < 15% (docs/BENCHMARKS.md)"
