#!/usr/bin/env bash
# `bench/profile.sh`: where the gateway's time goes per request, next to
# nginx doing the same proxying. One command, bounded in time; builds
# nothing (uses build/release, like bench/run.sh) and stops every process it
# starts on any exit.
#
# Starts two single-threaded menu replicas and, in turn, the CloudCafe
# gateway (1 I/O thread) and nginx (1 worker) in front of them, as
# bench/run.sh does (bench/lib.sh), and for each proxy:
#
#  1. Instructions: runs it under valgrind's callgrind, warms it up, then
#     records exactly PROFILE_REQUESTS wrk requests (bench/fixed_count.lua)
#     and prints user-space instructions per request and the top functions,
#     self and inclusive. Instruction counts do not depend on the machine's
#     load, so two runs (or two commits) compare to a fraction of a percent.
#     This machine's KVM guest has no hardware counters (`perf stat -e
#     instructions` says <not supported>), so perf cannot sample on them.
#  2. CPU: runs it at full speed for PROFILE_SECONDS under wrk and prints,
#     per request, CPU time split into user and kernel (from
#     /proc/PID/stat), system calls and context switches (perf stat, which
#     needs only software events), and the top symbols, kernel included
#     (perf record on the cpu-clock).
#
# Requests are counted by the menu replicas (their /metrics), so both
# proxies are measured on the same scale. See bench/README.md.
#
# Knobs: PROFILE_REQUESTS (20000), PROFILE_CONNECTIONS (64),
#        PROFILE_SECONDS (5), PROFILE_TOP (25 functions per table),
#        PROFILE_PROXIES ("gateway nginx"), BENCH_BINARY (another build),
#        PROFILE_KEEP (a directory: the raw callgrind and perf files are
#        copied there, for callgrind_annotate --tree=caller or perf report).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${BENCH_BINARY:-$root/build/release/src/cloudcafe}
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

requests=${PROFILE_REQUESTS:-20000}
connections=${PROFILE_CONNECTIONS:-64}
seconds=$(seconds_of "${PROFILE_SECONDS:-5}")
top=${PROFILE_TOP:-25}
read -r -a proxies <<<"${PROFILE_PROXIES:-gateway nginx}"
wrk_threads=2
[[ $requests =~ ^[1-9][0-9]*$ ]] || bench_die "PROFILE_REQUESTS must be a positive integer, got '$requests'"
[[ $connections =~ ^[1-9][0-9]*$ ]] && [ "$connections" -ge "$wrk_threads" ] ||
  bench_die "PROFILE_CONNECTIONS must be an integer >= $wrk_threads, got '$connections'"
[[ $top =~ ^[1-9][0-9]*$ ]] || bench_die "PROFILE_TOP must be a positive integer, got '$top'"
for p in "${proxies[@]}"; do
  [[ $p == gateway || $p == nginx ]] || bench_die "PROFILE_PROXIES names gateway and/or nginx, got '$p'"
done
bench_require wrk nginx curl valgrind callgrind_annotate callgrind_control perf
bench_init
nginx_one_process=yes  # profiled as the worker it is, without a master
# Under callgrind a proxy runs some 50 times slower: PROFILE_REQUESTS at a
# few thousand per second, plus start-up and warm-up, per proxy.
bench_watchdog $((${#proxies[@]} * (requests / 500 + 3 * seconds + 120) + 60))

start_menu menu-a 1
start_menu menu-b 1
menu_a=$(wait_ready "$work/menu-a.ready" "${service_pid[menu-a]}" menu-a)
menu_b=$(wait_ready "$work/menu-b.ready" "${service_pid[menu-b]}" menu-b)
wait_200 "http://$menu_a/api/menu?store_id=1" menu-a
wait_200 "http://$menu_b/api/menu?store_id=1" menu-b
path="/api/menu?store_id=1"

# GET /api/menu requests both replicas have answered so far.
menu_served() {
  local total=0 n addr
  for addr in "$menu_a" "$menu_b"; do
    n=$(curl -s --max-time 5 "http://$addr/metrics" |
      awk '/^cloudcafe_http_requests_total\{/ && /route="\/api\/menu"/ && /method="GET"/ { s += $NF } END { printf "%d", s }')
    total=$((total + n))
  done
  echo "$total"
}

# start_proxy NAME [WRAPPER...]: the gateway or nginx in front of both
# replicas; sets proxy_pid and proxy_url. Under a profiler start-up is slow.
start_proxy() {
  local name=$1
  shift
  if [ "$name" = gateway ]; then
    start_gateway "$menu_a, $menu_b" "$@"
    proxy_pid=$gateway_pid
    proxy_url="http://$(wait_ready "$work/gateway.ready" "$proxy_pid" gateway 120)$path"
  else
    start_nginx "$menu_a" "$menu_b" 30 "$@" || exit 1
    proxy_pid=$nginx_pid
    proxy_url="http://$nginx_addr$path"
  fi
  wait_200 "$proxy_url" "$name" 60
}

stop_proxy() {
  kill -TERM "$proxy_pid" 2>/dev/null || true
  wait "$proxy_pid" 2>/dev/null || true
}

check_wrk() {  # check_wrk NAME LINE: a BENCH_RESULT line with only 200s and no socket errors
  [[ $2 =~ non200=0\  && $2 =~ connect=0\ read=0\ write=0\ timeout=0$ ]] && return 0
  echo "bench: $1: wrk saw errors or non-200 answers: ${2:-no result}" >&2
  exit 1
}

# The top of a callgrind profile as "Ir/request  share  function". Names are
# cut at 150 characters: coroutine frames and Asio handlers are long.
annotate() {  # annotate FILE REQUESTS inclusive|self
  local inclusive=no
  [ "$3" = inclusive ] && inclusive=yes
  callgrind_annotate --inclusive="$inclusive" --threshold=100 "$1" 2>/dev/null |
    awk -v n="$2" -v top="$top" '
      /PROGRAM TOTALS/ { gsub(",", "", $1); total = $1; next }
      total && shown < top && $1 ~ /^[0-9,]+$/ && $2 ~ /^\(/ {
        ir = $1; gsub(",", "", ir)
        name = $0; sub(/^ *[0-9,]+ +\([ 0-9.%]+\) +/, "", name); sub(/^\?\?\?:/, "", name)
        if (length(name) > 150) name = substr(name, 1, 147) "..."
        printf "%10.0f  %5.1f%%  %s\n", ir / n, 100 * ir / total, name
        shown++
      }'
}

declare -A instr_per_request=() cpu_line=()

# ------------------------------------------------------------ callgrind -----
per_thread=$(((requests + wrk_threads - 1) / wrk_threads))
for name in "${proxies[@]}"; do
  out="$work/$name.callgrind"
  echo "bench: $name under callgrind: $requests requests, $connections connections" >&2
  start_proxy "$name" valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$out" \
    --log-file="$work/$name.valgrind.log"
  # Pools filled and code paths warmed up before counting.
  timeout 60 wrk -t"$wrk_threads" -c"$connections" -d2s "$proxy_url" >/dev/null
  before=$(menu_served)
  callgrind_control --instr=on "$proxy_pid" >/dev/null 2>&1 || bench_die "callgrind_control --instr=on failed"
  rm -f "$work/wrk-done".*
  timeout --kill-after=5 $((requests / 200 + 120)) wrk -t"$wrk_threads" -c"$connections" -d$((requests / 200 + 100))s \
    --timeout 10s -s "$root/bench/fixed_count.lua" "$proxy_url" -- "$per_thread" "$work/wrk-done" \
    >"$work/wrk.out" 2>&1 &
  wrk_pid=$!
  while kill -0 "$wrk_pid" 2>/dev/null; do
    [ "$(find "$work" -maxdepth 1 -name 'wrk-done.*' | wc -l)" -ge "$wrk_threads" ] && kill -INT "$wrk_pid"
    sleep 0.1
  done
  wait "$wrk_pid" || true
  check_wrk "$name" "$(grep '^BENCH_RESULT' "$work/wrk.out" || true)"
  sleep 1  # requests still in flight when wrk stopped finish
  callgrind_control --instr=off "$proxy_pid" >/dev/null 2>&1 || bench_die "callgrind_control --instr=off failed"
  served=$(($(menu_served) - before))
  stop_proxy  # callgrind writes $out as the proxy exits
  [ -s "$out" ] || bench_die "$name: callgrind wrote no profile; see $work/$name.valgrind.log"
  total=$(callgrind_annotate "$out" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  instr_per_request[$name]=$((total / served))
  {
    echo "## $name: callgrind, $served requests ($connections connections), user-space instructions"
    echo
    echo "${instr_per_request[$name]} instructions per request ($total in all)."
    echo
    echo "### self (instructions per request, share, function)"
    annotate "$out" "$served" self
    echo
    echo "### inclusive (callees included; coroutine frames count only up to their next suspension)"
    annotate "$out" "$served" inclusive
    echo
  } >"$work/$name.callgrind.txt"
done

# ------------------------------------------------------------------ cpu -----
clock_ticks=$(getconf CLK_TCK)
# The system calls a proxy makes per request, one by one (all of them are
# counted in raw_syscalls:sys_enter).
syscalls=(read readv recvfrom recvmsg write writev sendto sendmsg epoll_wait epoll_pwait epoll_ctl
  timerfd_settime futex ioctl accept4 close setsockopt getsockopt)
syscall_events=$(printf 'syscalls:sys_enter_%s,' "${syscalls[@]}")
syscall_events=${syscall_events%,}
for name in "${proxies[@]}"; do
  echo "bench: $name at full speed: ${seconds}s, $connections connections" >&2
  start_proxy "$name"
  timeout 30 wrk -t"$wrk_threads" -c"$connections" -d2s "$proxy_url" >/dev/null
  before=$(menu_served)
  read -r utime0 stime0 < <(awk '{ print $14, $15 }' "/proc/$proxy_pid/stat")
  perf stat -x, -e "task-clock,context-switches,raw_syscalls:sys_enter,$syscall_events" -p "$proxy_pid" \
    -o "$work/$name.stat" -- sleep "$seconds" &
  stat_pid=$!
  perf record -q -e cpu-clock -F 999 -p "$proxy_pid" -o "$work/$name.perf" -- sleep "$seconds" 2>/dev/null &
  record_pid=$!
  line=$(timeout $((seconds + 30)) wrk -t"$wrk_threads" -c"$connections" -d"${seconds}s" \
    -s "$root/bench/status_check.lua" "$proxy_url" | grep '^BENCH_RESULT' || true)
  wait "$stat_pid" "$record_pid" || true
  read -r utime1 stime1 < <(awk '{ print $14, $15 }' "/proc/$proxy_pid/stat")
  served=$(($(menu_served) - before))
  check_wrk "$name" "$line"
  stop_proxy
  stat_value() { awk -F, -v e="$1" '$3 == e { print $1 }' "$work/$name.stat"; }
  cpu_line[$name]=$(awk -v n="$served" -v s="$seconds" -v hz="$clock_ticks" -v u=$((utime1 - utime0)) \
    -v k=$((stime1 - stime0)) -v task="$(stat_value task-clock)" -v cs="$(stat_value context-switches)" \
    -v sc="$(stat_value raw_syscalls:sys_enter)" 'BEGIN {
      printf "%.0f req/s; per request: %.1f us CPU (%.1f user, %.1f kernel), %.2f syscalls, %.3f context switches",
        n / s, task * 1000 / n, u * 1e6 / hz / n, k * 1e6 / hz / n, sc / n, cs / n }')
  {
    echo "## $name: perf, ${seconds}s at full speed, $served requests"
    echo
    echo "${cpu_line[$name]}"
    echo
    echo "### system calls per request"
    awk -F, -v n="$served" '$3 ~ /^syscalls:sys_enter_/ && $1 > 0 {
      sub(/^syscalls:sys_enter_/, "", $3); printf "%8.3f  %s\n", $1 / n, $3 }' "$work/$name.stat" | sort -rn
    echo
    echo "### top symbols by CPU time (cpu-clock samples; [k] kernel)"
    perf report -i "$work/$name.perf" --no-children --sort dso,sym --stdio 2>/dev/null |
      awk -v top="$top" '/^ +[0-9.]+%/ && shown++ < top' | cut -c1-160
    echo
  } >"$work/$name.perf.txt"
done

# --------------------------------------------------------------- report -----
if [ -n "${PROFILE_KEEP:-}" ]; then
  mkdir -p "$PROFILE_KEEP"
  for name in "${proxies[@]}"; do cp "$work/$name.callgrind" "$work/$name.perf" "$PROFILE_KEEP/"; done
  echo "bench: raw profiles copied to $PROFILE_KEEP" >&2
fi
echo
echo "# Where the time goes: $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "GET $path through each proxy to two menu replicas; wrk -t$wrk_threads -c$connections."
echo
for name in "${proxies[@]}"; do
  echo "- $name: ${instr_per_request[$name]} user-space instructions per request (callgrind); ${cpu_line[$name]}"
done
echo
for name in "${proxies[@]}"; do cat "$work/$name.callgrind.txt"; done
for name in "${proxies[@]}"; do cat "$work/$name.perf.txt"; done
echo "- cores: $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); kernel $(uname -r); load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "- command: \`PROFILE_REQUESTS=$requests PROFILE_CONNECTIONS=$connections PROFILE_SECONDS=$seconds bench/profile.sh\`"
