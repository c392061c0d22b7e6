#!/usr/bin/env bash
# The bus benchmark (`make bench` runs it after the HTTP one; alone:
# `bench/bus.sh`): the embedded bus process (`cloudcafe serve bus`, its log
# on this disk) and NATS JetStream (`nats-server -js`, its store on the same
# disk), side by side in each run, through the same Bus interface and the
# same workload — producers send batches of order-sized messages, consumers
# receive and ack them — in two modes: throughput (as fast as it sustains,
# a bounded window in flight) and latency (a fixed rate, publish→delivery
# p50/p99). Repeats BENCH_RUNS times and prints a markdown report of the
# medians, with each server's CPU per message and the ratio. Every process
# it starts is stopped on any exit.
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
nats_server=/usr/sbin/nats-server
[ -x "$nats_server" ] || bench_die "$nats_server is missing: apt-get install nats-server"
bench_require
bench_init
bench_watchdog $((runs * 4 * (duration_s + 6) + 90))

"$binary" serve bus --listen 127.0.0.1:0 --replica bus --data-dir "$work/bus-data" \
  --ready-file "$work/bus.ready" 2>"$work/bus.log" &
pids+=("$!")
bus_pid=$!
bus=$(wait_ready "$work/bus.ready" "$bus_pid" bus)

# JetStream with its defaults (2.9 has no sync_interval: it fsyncs on its own
# schedule, not per write). A free-looking port is tried until one binds.
nats_url=
for _ in 1 2 3 4 5 6 7 8; do
  port=$((20000 + RANDOM % 40000))
  "$nats_server" -js -a 127.0.0.1 -p "$port" -sd "$work/nats" 2>"$work/nats.log" &
  nats_pid=$!
  for _ in $(seq 1 100); do
    if grep -q "Server is ready" "$work/nats.log" 2>/dev/null; then nats_url="nats://127.0.0.1:$port"; break; fi
    kill -0 "$nats_pid" 2>/dev/null || break
    sleep 0.05
  done
  if [ -n "$nats_url" ]; then pids+=("$nats_pid"); break; fi
  kill "$nats_pid" 2>/dev/null || true
  wait "$nats_pid" 2>/dev/null || true
done
[ -n "$nats_url" ] || { cat "$work/nats.log" >&2; bench_die "nats-server did not start"; }

median() { sort -n | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]; else print "n/a"}'; }
value_of() { sed -n "s/.*\\b$1=\\([0-9.]*\\).*/\\1/p"; }

for backend in embedded nats; do : >"$work/$backend-throughput.txt"; : >"$work/$backend-latency.txt"; done
: >"$work/ratios.txt"
for run in $(seq 1 "$runs"); do
  for backend in embedded nats; do
    if [ "$backend" = embedded ]; then target=(--embedded "$bus" --bus-pid "$bus_pid"); else target=(--nats "$nats_url" --bus-pid "$nats_pid"); fi
    common=("${target[@]}" --seconds "$duration_s" --batch "$batch" --size "$size")
    line=$(timeout $((duration_s + 30)) "$bus_bench" "${common[@]}" --mode throughput)
    echo "run $run $backend throughput: $line" >&2
    echo "$line" >>"$work/$backend-throughput.txt"
    line=$(timeout $((duration_s + 30)) "$bus_bench" "${common[@]}" --mode latency --rate "$rate")
    echo "run $run $backend latency at $rate/s: $line" >&2
    echo "$line" >>"$work/$backend-latency.txt"
  done
  e=$(tail -1 "$work/embedded-throughput.txt" | value_of messages_per_s)
  n=$(tail -1 "$work/nats-throughput.txt" | value_of messages_per_s)
  awk -v e="$e" -v n="$n" 'BEGIN { if (n > 0) printf "%.2f\n", e / n; else print "n/a" }' >>"$work/ratios.txt"
done

row() {  # row BACKEND LABEL
  local t="$work/$1-throughput.txt" l="$work/$1-latency.txt"
  echo "| $2 | $(value_of messages_per_s <"$t" | median) | $(value_of cpu_us_per_msg <"$t" | median) |" \
    "$(value_of p50_ms <"$l" | median) | $(value_of p99_ms <"$l" | median) | $(value_of cpu_us_per_msg <"$l" | median) |"
}

cat <<REPORT

### Bus, end to end ($(date -u +%Y-%m-%d), commit $(git -C "$root" rev-parse --short HEAD))
Machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1).
Command: \`bench/bus.sh\` (BENCH_RUNS=$runs, $duration_s s each, batch $batch, $size-byte bodies); medians of $runs runs, the two backends alternating within each run.
Durability: the embedded bus commits every send, receive and ack (SQLite WAL, synchronous=FULL: an fsync per group commit) before it answers; JetStream 2.9 answers once the write is in its file store and fsyncs on its own schedule (2.9 has no \`sync_interval: always\`; the server refuses the key), so an acknowledged message can be lost to a power cut there, not to a process kill.

| backend | messages/s (throughput mode) | server CPU µs/message | p50 ms at $rate/s | p99 ms at $rate/s | server CPU µs/message at $rate/s |
|---|---|---|---|---|---|
$(row embedded "embedded (\`serve bus\`, 1 I/O thread)")
$(row nats "NATS JetStream 2.9 (\`nats-server -js\`)")

Embedded / JetStream, throughput, per run: $(paste -sd' ' "$work/ratios.txt"); median $(median <"$work/ratios.txt").
REPORT
