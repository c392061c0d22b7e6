#!/usr/bin/env bash
# The cluster's footprint (`make bench` runs it; alone: `bench/cluster.sh`):
# the default cluster of `cloudcafe up` on the embedded stack, BENCH_RUNS
# times: the time from `up --detach` to every replica ready, the summed PSS
# and RSS of the supervisor and every replica idle and under load (wrk, 64
# connections, GET /api/menu through the gateway), and the rate served.
# Prints a markdown report of the medians. Every cluster it starts is
# stopped on any exit.
#
# Knobs: BENCH_RUNS (5), BENCH_DURATION (5s, the load), BENCH_BINARY
#        (build/release/src/cloudcafe).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${BENCH_BINARY:-$root/build/release/src/cloudcafe}
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

runs=${BENCH_RUNS:-5}
duration=${BENCH_DURATION:-5s}
duration_s=$(seconds_of "$duration")
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_RUNS must be a positive integer, got '$runs'"
bench_require wrk curl

work=$(mktemp -d -t cloudcafe-bench-cluster.XXXXXX)
data=""
stop_cluster() { [ -n "$data" ] && "$binary" down --data-dir "$data" >/dev/null 2>&1 || true; }
trap 'stop_cluster; rm -rf "$work"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Summed PSS and RSS (kB) of the supervisor and every replica it reports.
footprint() {
  local pids supervisor
  supervisor=$(sed -n 's/.*"supervisor_pid":\([0-9]*\).*/\1/p' "$data/cluster.json")
  pids=$("$binary" status --json --data-dir "$data" | grep -o '"pid":[0-9]*' | cut -d: -f2)
  for pid in $supervisor $pids; do cat "/proc/$pid/smaps_rollup" 2>/dev/null; done |
    awk '$1 == "Pss:" {pss += $2} $1 == "Rss:" {rss += $2} END {printf "%d %d\n", pss, rss}'
}

median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }

: >"$work/results"
for run in $(seq 1 "$runs"); do
  data="$work/var-$run"
  ready_ms=$("$binary" up --detach --data-dir "$data" | sed -n 's/^cluster ready in \([0-9]*\) ms.*/\1/p')
  replicas=$("$binary" status --json --data-dir "$data" | grep -o '"state":"ready"' | wc -l)
  gateway=$(sed -n 's/.*"gateway":"\([^"]*\)".*/\1/p' "$data/cluster.json")
  sleep 2
  read -r idle_pss idle_rss < <(footprint)
  wrk -t2 -c64 -d"${duration_s}s" "http://$gateway/api/menu?store_id=1" >"$work/wrk" 2>&1 &
  wrk_pid=$!
  sleep $((duration_s / 2 + 1))
  read -r load_pss load_rss < <(footprint)
  wait "$wrk_pid"
  rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' "$work/wrk")
  echo "$ready_ms $idle_pss $idle_rss $load_pss $load_rss $rps $replicas" >>"$work/results"
  stop_cluster
  data=""
done

col() { awk -v c="$1" '{print $c}' "$work/results" | median; }
mb() { awk -v kb="$1" 'BEGIN {printf "%.1f", kb / 1024}'; }
cat <<REPORT
### Cluster footprint, $(date -u +%Y-%m-%d)

Default cluster (\`cloudcafe up\`, embedded stack): $(awk '{print $7}' "$work/results" | head -1) replicas + the supervisor.
Medians of $runs runs; load: \`wrk -t2 -c64 -d${duration_s}s\` GET /api/menu?store_id=1 through the gateway.

| measure | median | runs |
|---|---:|---|
| \`up --detach\` to every replica ready | $(col 1) ms | $(awk '{printf "%s ", $1}' "$work/results") |
| summed PSS, idle | $(mb "$(col 2)") MB | $(awk '{printf "%.1f ", $2/1024}' "$work/results") |
| summed RSS, idle | $(mb "$(col 3)") MB | $(awk '{printf "%.1f ", $3/1024}' "$work/results") |
| summed PSS, under load | $(mb "$(col 4)") MB | $(awk '{printf "%.1f ", $4/1024}' "$work/results") |
| summed RSS, under load | $(mb "$(col 5)") MB | $(awk '{printf "%.1f ", $5/1024}' "$work/results") |
| rate served under load | $(col 6) req/s | $(awk '{printf "%s ", $6}' "$work/results") |

Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -r); commit $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown); command: \`bench/cluster.sh\` (BENCH_RUNS=$runs).
REPORT
