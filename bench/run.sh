#!/usr/bin/env bash
# `make bench`: CloudCafe's HTTP benchmark, one command, bounded in time.
#
# Starts three menu replicas (two with 1 I/O thread, one with 2), the
# CloudCafe gateway in front of the two single-threaded replicas, and nginx
# (one worker) in front of the same two; then, for each connection count,
# measures with wrk the cases below, repeats the whole set BENCH_RUNS times,
# and prints a markdown report (median per case, gateway/nginx ratio, machine,
# commit, command) ready for bench/RESULTS.md. Then runs sqlite_commit_bench.
# Every process it starts is stopped on any exit. See bench/README.md.
#
# Knobs: BENCH_DURATION (5s), BENCH_RUNS (3), BENCH_CONNECTIONS ("64 256"),
#        BENCH_WARMUP (1s), BENCH_SQLITE_SECONDS (2; 0 skips sqlite_commit_bench),
#        BENCH_BINARY (build/release/src/cloudcafe: another build to compare),
#        BENCH_CASES ("live direct direct2 gateway nginx": a subset, to iterate).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
binary=${BENCH_BINARY:-$root/build/release/src/cloudcafe}
commit_bench="$root/build/release/bench/sqlite_commit_bench"
lua="$root/bench/status_check.lua"
report="$root/build/release/bench/report.md"
# shellcheck source=bench/lib.sh
source "$root/bench/lib.sh"

duration=${BENCH_DURATION:-5s}
runs=${BENCH_RUNS:-3}
connections=${BENCH_CONNECTIONS:-64 256}
warmup=${BENCH_WARMUP:-1s}
sqlite_seconds=${BENCH_SQLITE_SECONDS:-2}
wrk_threads=2

duration_s=$(seconds_of "$duration")
warmup_s=$(seconds_of "$warmup")
[[ $runs =~ ^[1-9][0-9]*$ ]] || bench_die "BENCH_RUNS must be a positive integer, got '$runs'"
[[ $sqlite_seconds =~ ^[0-9]+$ ]] || bench_die "BENCH_SQLITE_SECONDS must be whole seconds, got '$sqlite_seconds'"
read -r -a conn_list <<<"$connections"
[ "${#conn_list[@]}" -gt 0 ] || bench_die "BENCH_CONNECTIONS is empty"
for c in "${conn_list[@]}"; do
  if ! [[ $c =~ ^[0-9]+$ ]] || [ "$c" -lt "$wrk_threads" ]; then
    bench_die "connection counts must be integers >= $wrk_threads, got '$c'"
  fi
done
bench_require wrk nginx curl
bench_init

read -r -a cases <<<"${BENCH_CASES:-live direct direct2 gateway nginx}"
declare -A case_label=(
  [live]="menu direct, GET /health/live (1 thread)"
  [direct]="menu direct, GET /api/menu (1 thread)"
  [direct2]="menu direct, GET /api/menu (--threads 2)"
  [gateway]="gateway (1 thread) -> 2 menu"
  [nginx]="nginx (1 worker) -> 2 menu"
)
for name in "${cases[@]}"; do
  [ -n "${case_label[$name]:-}" ] || bench_die "BENCH_CASES names cases among: live direct direct2 gateway nginx; got '$name'"
done
# Bounded in time whatever happens: every wrk call is under `timeout`, and
# the watchdog ends the script (and so, via the trap, every service).
per_measurement=$((duration_s + warmup_s + 2))
budget=$((runs * ${#conn_list[@]} * ${#cases[@]} * per_measurement + 2 * runs * sqlite_seconds + 90))
limit=$((budget + budget / 2))
bench_watchdog "$limit"

# ------------------------------------------------------------- services -----
start_menu menu-a 1
start_menu menu-b 1
start_menu menu-2t 2
menu_a=$(wait_ready "$work/menu-a.ready" "${service_pid[menu-a]}" menu-a)
menu_b=$(wait_ready "$work/menu-b.ready" "${service_pid[menu-b]}" menu-b)
menu_2t=$(wait_ready "$work/menu-2t.ready" "${service_pid[menu-2t]}" menu-2t)
start_gateway "$menu_a, $menu_b"
gateway=$(wait_ready "$work/gateway.ready" "$gateway_pid" gateway)
start_nginx "$menu_a" "$menu_b" || exit 1

wait_200 "http://$menu_a/api/menu?store_id=1" menu-a
wait_200 "http://$menu_b/api/menu?store_id=1" menu-b
wait_200 "http://$menu_2t/api/menu?store_id=1" menu-2t
wait_200 "http://$gateway/api/menu?store_id=1" gateway
wait_200 "http://$nginx_addr/api/menu?store_id=1" nginx

declare -A case_url=(
  [live]="http://$menu_a/health/live"
  [direct]="http://$menu_a/api/menu?store_id=1"
  [direct2]="http://$menu_2t/api/menu?store_id=1"
  [gateway]="http://$gateway/api/menu?store_id=1"
  [nginx]="http://$nginx_addr/api/menu?store_id=1"
)
body_bytes=$(curl -s --max-time 2 "${case_url[direct]}" | wc -c)
echo "bench: menu $menu_a $menu_b (1 thread), $menu_2t (2 threads); gateway $gateway; nginx $nginx_addr" >&2
echo "bench: GET /api/menu?store_id=1 answers $body_bytes body bytes" >&2
echo "bench: $runs run(s) x ${#conn_list[@]} connection count(s) x ${#cases[@]} cases x $duration (+ $warmup warm-up); at most ${limit}s" >&2

# ----------------------------------------------------------- measurement ----
results="$work/results.tsv"  # case, conns, run, rps, p50_us, p99_us, non200, first_bad, socket_errors
: >"$results"

wrk_once() {  # wrk_once SECONDS CONNS URL: prints the BENCH_RESULT line (empty if wrk failed)
  timeout --kill-after=5 $(($1 + 20)) wrk -t"$wrk_threads" -c"$2" -d"$1s" --timeout 5s -s "$lua" "$3" 2>&1 |
    grep '^BENCH_RESULT' || true
}

field() {  # field NAME LINE
  local re="(^| )$1=([^ ]*)"
  [[ $2 =~ $re ]] && echo "${BASH_REMATCH[2]}" || echo 0
}

for run in $(seq 1 "$runs"); do
  for c in "${conn_list[@]}"; do
    for name in "${cases[@]}"; do
      wrk_once "$warmup_s" "$c" "${case_url[$name]}" >/dev/null
      line=$(wrk_once "$duration_s" "$c" "${case_url[$name]}")
      if [ -z "$line" ]; then
        echo "bench: run $run c=$c $name: wrk produced no result" >&2
        printf '%s\t%s\t%s\t0\t0\t0\t0\t0\t1\n' "$name" "$c" "$run" >>"$results"
        continue
      fi
      rps=$(field rps "$line")
      p50=$(field p50_us "$line")
      p99=$(field p99_us "$line")
      non200=$(field non200 "$line")
      first_bad=$(field first_bad "$line")
      socket_errors=$(($(field connect "$line") + $(field read "$line") + $(field write "$line") + $(field timeout "$line")))
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$c" "$run" "$rps" "$p50" "$p99" "$non200" \
        "$first_bad" "$socket_errors" >>"$results"
      printf 'bench: run %d/%d c=%-4s %-44s %9.0f req/s  p50 %6.2f ms  p99 %7.2f ms%s\n' "$run" "$runs" "$c" \
        "${case_label[$name]}" "$rps" "$(awk -v u="$p50" 'BEGIN{print u/1000}')" \
        "$(awk -v u="$p99" 'BEGIN{print u/1000}')" \
        "$([ "$non200" = 0 ] && [ "$socket_errors" = 0 ] || echo "  ($non200 non-200, $socket_errors socket errors)")" >&2
    done
  done
done

# Services must have survived the load.
for name in menu-a menu-b menu-2t gateway nginx; do
  kill -0 "${service_pid[$name]}" 2>/dev/null || { echo "bench: a service (menu, gateway or nginx) died during the run; logs in $work" >&2; exit 1; }
done

# --------------------------------------------------------------- sqlite -----
sqlite_out=
if [ "$sqlite_seconds" -gt 0 ]; then
  if [ -x "$commit_bench" ]; then
    # On the build disk, not /tmp (which may be tmpfs): fsync cost is the point.
    sqlite_dir=$(mktemp -d "$root/build/release/bench/sqlite.XXXXXX")
    echo "bench: sqlite_commit_bench --runs $runs --seconds $sqlite_seconds --dir $sqlite_dir" >&2
    sqlite_out=$(timeout $((4 * runs * sqlite_seconds + 30)) "$commit_bench" --runs "$runs" \
      --seconds "$sqlite_seconds" --dir "$sqlite_dir" 2>&1) || sqlite_out+=$'\n(sqlite_commit_bench failed or timed out)'
    rm -rf "$sqlite_dir"
  else
    sqlite_out="(sqlite_commit_bench not built: $commit_bench)"
  fi
fi

# --------------------------------------------------------------- report -----
failed=0
{
  echo "### HTTP: median of $runs run(s), wrk -t$wrk_threads -d$duration (after a $warmup warm-up)"
  echo
  echo "| case | connections | median req/s | p50 ms | p99 ms | runs (req/s each) | check |"
  echo "|---|---:|---:|---:|---:|---|---|"
  for c in "${conn_list[@]}"; do
    for name in "${cases[@]}"; do
      row=$(awk -F'\t' -v n="$name" -v c="$c" '
        function median(a, k,   i, j, t) {  # sorts a[1..k] in place
          for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
          return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
        }
        $1 == n && $2 == c {
          k++; r[k] = $4; p[k] = $5; q[k] = $6; each = each (k > 1 ? " / " : "") sprintf("%.0f", $4)
          bad += $7; sock += $9; if (first == 0 && $8 != 0) first = $8
        }
        END {
          check = "ok"
          if (bad > 0) check = sprintf("FAIL: %d non-200 (first %d)", bad, first)
          if (sock > 0) check = (check == "ok" ? "FAIL: " : check "; ") sock " socket errors"
          printf "%.0f\t%.2f\t%.2f\t%s\t%s\n", median(r, k), median(p, k) / 1000, median(q, k) / 1000, each, check
        }' "$results")
      IFS=$'\t' read -r rps p50 p99 each check <<<"$row"
      [ "$check" = ok ] || failed=1
      echo "| ${case_label[$name]} | $c | $rps | $p50 | $p99 | $each | $check |"
    done
  done
  echo
  echo "Gateway / nginx throughput, median of the per-run ratios (same run, same menu replicas):"
  echo
  for c in "${conn_list[@]}"; do
    ratio=$(awk -F'\t' -v c="$c" '
      $2 == c && $1 == "gateway" { g[$3] = $4 }
      $2 == c && $1 == "nginx" { x[$3] = $4 }
      END {
        for (run in g) if (x[run] > 0) { k++; r[k] = g[run] / x[run] }
        for (i = 2; i <= k; i++) { t = r[i]; for (j = i - 1; j >= 1 && r[j] > t; j--) r[j + 1] = r[j]; r[j + 1] = t }
        if (k == 0) print "n/a"; else printf "%.2f", k % 2 ? r[(k + 1) / 2] : (r[k / 2] + r[k / 2 + 1]) / 2
      }' "$results")
    echo "- $c connections: gateway/nginx = $ratio"
  done
  echo
  echo "Percentiles are wrk's, closed-loop: each connection waits for its answer before sending"
  echo "the next request, so they understate the latency an open-loop load would see (coordinated omission)."
  echo "wrk and every server share the same cores. GET /api/menu?store_id=1 body: $body_bytes bytes."
  if [ -n "$sqlite_out" ]; then
    echo
    echo "### SQLite durable commits (sqlite_commit_bench, median of $runs run(s), ${sqlite_seconds}s each)"
    echo
    awk '
      function median(a, k,   i, j, t) {
        for (i = 2; i <= k; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
        return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
      }
      NR == 1 { header = $0; sub(/, dir .*/, ", on the build disk", header) }
      $1 ~ /^[0-9]+$/ && NF >= 6 {
        mode = $2; for (i = 3; i <= NF - 4; i++) mode = mode " " $i
        if (!(mode in n)) order[++modes] = mode
        k = ++n[mode]; c[mode, k] = $(NF - 3); p[mode, k] = $(NF - 2); q[mode, k] = $(NF - 1); f[mode] += $NF
      }
      END {
        if (modes == 0) { print "(no results)"; exit }
        print "`" header "`"; print ""
        print "| mode | median commits/s | p50 ms | p99 ms | failures |"
        print "|---|---:|---:|---:|---:|"
        for (m = 1; m <= modes; m++) {
          mode = order[m]; k = n[mode]
          for (i = 1; i <= k; i++) { a[i] = c[mode, i]; b[i] = p[mode, i]; d[i] = q[mode, i] }
          printf "| %s | %.0f | %.2f | %.2f | %d |\n", mode, median(a, k), median(b, k), median(d, k), f[mode]
        }
      }' <<<"$sqlite_out"
    grep -q '^(' <<<"$sqlite_out" && grep '^(' <<<"$sqlite_out"
  fi
  echo
  echo "### Machine and command"
  echo
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  [ -n "$(git -C "$root" status --porcelain --untracked-files=no 2>/dev/null)" ] && commit+=" (plus uncommitted changes)"
  echo "- cores: $(nproc); $(lscpu | grep 'Model name' | sed 's/  */ /g'); kernel $(uname -r)"
  echo "- load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "- commit: $commit; build: release preset; $(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2); $("$nginx" -v 2>&1 | sed 's/.*: //')"
  knobs="BENCH_DURATION=$duration BENCH_RUNS=$runs BENCH_CONNECTIONS=\"$connections\""
  [ "$warmup" = 1s ] || knobs+=" BENCH_WARMUP=$warmup"
  [ "$sqlite_seconds" = 2 ] || knobs+=" BENCH_SQLITE_SECONDS=$sqlite_seconds"
  [ -z "${BENCH_BINARY:-}" ] || knobs+=" BENCH_BINARY=$BENCH_BINARY"
  [ -z "${BENCH_CASES:-}" ] || knobs+=" BENCH_CASES=\"$BENCH_CASES\""
  echo "- command: \`$knobs make bench\`"
  echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
} >"$work/report.md"

mkdir -p "$(dirname "$report")"
cp "$work/report.md" "$report"
echo >&2
cat "$work/report.md"
echo >&2
echo "bench: report saved to ${report#"$root"/}" >&2
if [ "$failed" -ne 0 ]; then
  echo "bench: some cases answered non-200 or had socket errors (see the check column)" >&2
  exit 1
fi
