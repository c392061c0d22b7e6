# Shared by bench/run.sh and bench/profile.sh (sourced, not run): the work
# directory and the cleanup that stops every process on any exit, the
# watchdog, and starting menu replicas, the gateway and nginx the same way
# in both. The caller sets `binary` (the cloudcafe executable) and `root`.
#
# After bench_init: $work is a fresh directory removed on exit; every pid in
# `pids` gets SIGTERM (then is waited for) on exit, Ctrl-C included.

bench_die() { echo "bench: $*" >&2; exit 2; }

seconds_of() {  # "5s" or "5" -> 5
  [[ $1 =~ ^([1-9][0-9]*)s?$ ]] || bench_die "durations are whole seconds like 5s, got '$1'"
  echo "${BASH_REMATCH[1]}"
}

nginx=/usr/sbin/nginx

bench_require() {  # bench_require TOOL...: the binary and every named tool exist
  [ -x "$binary" ] ||
    bench_die "$binary is missing: run 'make bench' (or cmake --preset release && cmake --build --preset release)"
  local tool
  for tool in "$@"; do
    case $tool in
      nginx) [ -x "$nginx" ] || bench_die "$nginx is missing: apt-get install nginx-light" ;;
      callgrind_annotate | callgrind_control) command -v "$tool" >/dev/null || bench_die "$tool is missing: apt-get install valgrind" ;;
      perf) command -v perf >/dev/null || bench_die "perf is missing: apt-get install linux-perf" ;;
      *) command -v "$tool" >/dev/null || bench_die "$tool is missing: apt-get install $tool" ;;
    esac
  done
}

bench_init() {
  work=$(mktemp -d -t cloudcafe-bench.XXXXXX)
  pids=()
  trap bench_cleanup EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  # Every service runs as the benchmark measures it: no access log, no
  # rate limit in the gateway.
  export CLOUDCAFE_LOG__ACCESS_LOG=false
  export CLOUDCAFE_GATEWAY__RATE_LIMIT__ENABLED=false
}

bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}

bench_watchdog() {  # bench_watchdog SECONDS: ends this script (and, via the trap, every service) then
  (
    sleep "$1" &
    nap=$!
    trap 'kill "$nap" 2>/dev/null; exit 0' TERM
    wait "$nap"
    echo "bench: timed out after $1 s" >&2
    kill -TERM $$
  ) &
  pids+=("$!")
}

wait_ready() {  # wait_ready FILE PID NAME [SECONDS]: prints the HOST:PORT the service wrote
  local tries=$((${4:-10} * 20))
  for _ in $(seq 1 "$tries"); do
    [ -s "$1" ] && { cat "$1"; return 0; }
    kill -0 "$2" 2>/dev/null || { echo "bench: $3 exited during start-up; its log:" >&2; cat "$work/$3.log" >&2; return 1; }
    sleep 0.05
  done
  echo "bench: $3 did not become ready in ${4:-10} s; its log:" >&2
  cat "$work/$3.log" >&2
  return 1
}

wait_200() {  # wait_200 URL NAME [SECONDS]: until the URL answers 200
  local tries=$((${3:-10} * 10))
  for _ in $(seq 1 "$tries"); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$1" || true)" = 200 ] && return 0
    sleep 0.1
  done
  echo "bench: $2 did not answer 200 on $1 within ${3:-10} s" >&2
  return 1
}

# start_menu NAME THREADS: starts a menu replica; its pid is service_pid[NAME].
declare -A service_pid=()
start_menu() {
  "$binary" serve menu --listen 127.0.0.1:0 --threads "$2" --replica "$1" --data-dir "$work/$1-data" \
    --ready-file "$work/$1.ready" 2>"$work/$1.log" &
  pids+=("$!")
  service_pid[$1]=$!
}

# start_gateway TARGETS [WRAPPER...]: the gateway (one I/O thread) in front
# of TARGETS ("host:port, host:port"), run under WRAPPER when given (a
# profiler); prints nothing, sets gateway_pid. Wait with wait_ready.
start_gateway() {
  local targets=$1
  shift
  rm -f "$work/gateway.ready"
  CLOUDCAFE_GATEWAY__TARGETS__MENU__ADDRESSES="[$targets]" \
    "$@" "$binary" serve gateway --listen 127.0.0.1:0 --threads 1 --replica gateway \
    --ready-file "$work/gateway.ready" 2>"$work/gateway.log" &
  pids+=("$!")
  gateway_pid=$!
  service_pid[gateway]=$!
}

# start_nginx MENU_A MENU_B [SECONDS] [WRAPPER...]: nginx with
# bench/nginx.conf.template in front of the two replicas, in the
# foreground, under WRAPPER when given; sets nginx_addr and nginx_pid.
# With a wrapper, or with nginx_one_process=yes, the one worker runs in the
# process started (no master), so that a profiler sees it. nginx cannot
# report a port it picked: free-looking ones are tried until one binds.
# SECONDS bounds each try's start-up (default 5).
nginx_one_process=no
start_nginx() {
  local menu_a=$1 menu_b=$2 patience=${3:-5}
  shift 3 2>/dev/null || shift $#
  local wrapper=("$@") globals='daemon off;' one_process=$nginx_one_process
  [ ${#wrapper[@]} -eq 0 ] || one_process=yes
  [ "$one_process" = no ] || globals+=' master_process off;'
  mkdir -p "$work/nginx/logs"
  local user="# not root: nginx runs as the current user"
  if [ "$(id -u)" = 0 ] && [ "$one_process" = no ]; then
    chmod 711 "$work"
    chmod 755 "$work/nginx"
    local group
    group=$(getent group nogroup >/dev/null && echo nogroup || echo nobody)
    user="user nobody $group;"
  fi
  nginx_addr=
  local port pid
  for _ in 1 2 3 4 5 6 7 8; do
    port=$((20000 + RANDOM % 40000))
    sed -e "s|@USER@|$user|" -e "s|@PREFIX@|$work/nginx|g" -e "s|@LISTEN@|127.0.0.1:$port|" \
      -e "s|@MENU_A@|$menu_a|" -e "s|@MENU_B@|$menu_b|" "$root/bench/nginx.conf.template" >"$work/nginx/nginx.conf"
    : >"$work/nginx/logs/error.log"
    "${wrapper[@]}" "$nginx" -p "$work/nginx" -c "$work/nginx/nginx.conf" -g "$globals" \
      2>>"$work/nginx/logs/error.log" &
    pid=$!
    for _ in $(seq 1 $((patience * 10))); do
      if curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port/health/live"; then nginx_addr="127.0.0.1:$port"; break; fi
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if [ -n "$nginx_addr" ]; then
      pids+=("$pid")
      nginx_pid=$pid
      service_pid[nginx]=$pid
      return 0
    fi
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  echo "bench: nginx did not start; its error log:" >&2
  cat "$work/nginx/logs/error.log" >&2
  return 1
}
