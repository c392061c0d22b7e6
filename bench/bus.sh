#!/usr/bin/env bash
# The bus benchmark (`make bench` runs it after the HTTP one; alone:
# `bench/bus.sh`): the embedded bus process (`cloudcafe serve bus`, its log
# on this disk) end to end — producers send batches of order-sized
# messages, consumers receive and ack them — in two modes per run:
# throughput (as fast as it sustains, a bounded window in flight) and
# latency (a fixed rate, publish→delivery p50/p99). Repeats BENCH_RUNS
# times and prints a markdown report of the medians, with the bus process's
# CPU per message. Every process it starts is stopped on any exit.
#
# Knobs: BENCH_DURATION (5s), BENCH_RUNS (3), BENCH_BUS_BATCH (100),
#        BENCH_BUS_SIZE (500 bytes), BENCH_BUS_RATE (5000 messages/s, latency mode),
#        BENCH_BINARY (build/release/src/cloudcafe).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${BENCH_BINARY:-$root/build/release/src/cloudcafe}
bus_bench="$root/build/release/bench/bus_bench"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

duration=${BENCH_DURATION:-5s}
runs=${BENCH_RUNS:-3}
batch=${BENCH_BUS_BATCH:-100}
size=${BENCH_BUS_SIZE:-500}
rate=${BENCH_BUS_RATE:-5000}
duration_s=$(seconds_of "$duration")
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_RUNS must be a positive integer, got '$runs'"
for knob in batch size rate; do
  [[ ${!knob} =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_BUS_${knob^^} must be a positive integer, got '${!knob}'"
done
[ -x "$bus_bench" ] || bench_die "$bus_bench is missing: run 'make bench'"
bench_require
bench_init
bench_watchdog $((runs * 2 * (duration_s + 4) + 60))

"$binary" serve bus --listen 127.0.0.1:0 --replica bus --data-dir "$work/bus-data" \
  --ready-file "$work/bus.ready" 2>"$work/bus.log" &
pids+=("$!")
bus_pid=$!
bus=$(wait_ready "$work/bus.ready" "$bus_pid" bus)

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'; }
value_of() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p"; }

: >"$work/throughput.txt"
: >"$work/latency.txt"
for run in $(seq 1 "$runs"); do
  common=(--embedded "$bus" --seconds "$duration_s" --batch "$batch" --size "$size" --bus-pid "$bus_pid")
  line=$(timeout $((duration_s + 30)) "$bus_bench" "${common[@]}" --mode throughput)
  echo "run $run throughput: $line" >&2
  echo "$line" >>"$work/throughput.txt"
  line=$(timeout $((duration_s + 30)) "$bus_bench" "${common[@]}" --mode latency --rate "$rate")
  echo "run $run latency at $rate/s: $line" >&2
  echo "$line" >>"$work/latency.txt"
done

t_rate=$(value_of messages_per_s <"$work/throughput.txt" | median)
t_cpu=$(value_of cpu_us_per_msg <"$work/throughput.txt" | median)
l_p50=$(value_of p50_ms <"$work/latency.txt" | median)
l_p99=$(value_of p99_ms <"$work/latency.txt" | median)
l_cpu=$(value_of cpu_us_per_msg <"$work/latency.txt" | median)

cat <<REPORT

### Bus, end to end ($(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD))
Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1).
Command: \`bench/bus.sh\` (BENCH_RUNS=$runs, $duration_s s each, batch $batch, $size-byte bodies); medians of $runs runs.
The embedded bus commits every send, receive and ack (SQLite WAL, synchronous=FULL: fsync per group commit) before it answers.

| backend | messages/s (throughput mode) | bus CPU µs/message | p50 ms at $rate/s | p99 ms at $rate/s | bus CPU µs/message at $rate/s |
|---|---|---|---|---|---|
| embedded (\`serve bus\`, 1 I/O thread) | $t_rate | $t_cpu | $l_p50 | $l_p99 | $l_cpu |
REPORT
