#!/usr/bin/env bash
# `make demo`: starts menu and gateway on ports the OS picks, runs a fixed
# list of real requests through the gateway, shows each with its answer,
# checks them, stops both services gracefully and fails on any mismatch.
set -euo pipefail
binary=$(realpath "${1:?usage: demo.sh path/to/cloudcafe}")
work=$(mktemp -d -t cloudcafe-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
# Bounded in time whatever happens.
( sleep 120; echo "demo: timed out after 120 s" >&2; kill -TERM $$ ) &
watchdog=$!
pids+=("$watchdog")

export CLOUDCAFE_ADMIN_TOKEN="demo-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
failures=0

wait_ready() {  # wait_ready FILE PID NAME
  for _ in $(seq 1 200); do
    [ -s "$1" ] && { cat "$1"; return 0; }
    kill -0 "$2" 2>/dev/null || { echo "demo: $3 exited during start-up; its log:" >&2; cat "$work/$3.log" >&2; return 1; }
    sleep 0.05
  done
  echo "demo: $3 did not become ready in 10 s" >&2
  return 1
}

"$binary" serve menu --data-dir "$work/data" --ready-file "$work/menu.ready" 2>"$work/menu.log" &
menu_pid=$!; pids+=("$menu_pid")
menu=$(wait_ready "$work/menu.ready" "$menu_pid" menu)

CLOUDCAFE_GATEWAY__TARGETS__MENU__ADDRESSES="[$menu]" \
  "$binary" serve gateway --ready-file "$work/gateway.ready" 2>"$work/gateway.log" &
gateway_pid=$!; pids+=("$gateway_pid")
gateway=$(wait_ready "$work/gateway.ready" "$gateway_pid" gateway)
echo "menu on $menu, gateway on $gateway"
echo

# check NAME EXPECTED_STATUS BODY_PATTERN curl-args...
check() {
  local name=$1 want=$2 pattern=$3; shift 3
  local out status body
  rm -f "$work/body"  # curl leaves the file alone when an answer has no body
  out=$(curl -sS --max-time 5 -o "$work/body" -w '%{http_code}' "$@" 2>&1) || out="curl failed: $out"
  status=$out
  body=$(head -c 300 "$work/body" 2>/dev/null || true)
  printf '%-46s -> %s\n' "$name" "$status"
  [ -n "$body" ] && printf '    %s\n' "${body:0:160}"
  if [ "$status" != "$want" ] || ! grep -q -- "$pattern" "$work/body" 2>/dev/null && [ -n "$pattern" ]; then
    echo "    MISMATCH: wanted $want and a body matching '$pattern'"
    failures=$((failures + 1))
  fi
}

base="http://$gateway"
etag=$(curl -sS --max-time 5 -D - -o /dev/null "$base/api/menu?store_id=1" | tr -d '\r' | awk -F': ' 'tolower($1)=="etag"{print $2}')
check "GET /api/menu?store_id=1" 200 '"store_name":"Downtown"' "$base/api/menu?store_id=1"
check "GET /api/menu?store_id=1 (If-None-Match)" 304 "" -H "If-None-Match: $etag" "$base/api/menu?store_id=1"
check "GET /api/menu/items/unicorn_frappe" 404 '"status":404' "$base/api/menu/items/unicorn_frappe"
item='{"item_id":"pumpkin_spice_latte","name":"Pumpkin Spice Latte","category":"espresso","price_cents":595,"modifiers":["oat_milk"]}'
check "POST /api/menu/items (no token)" 401 '"status":401' -X POST -H 'Content-Type: application/json' \
  -d "$item" "$base/api/menu/items"
check "POST /api/menu/items (admin token)" 201 '"item_id":"pumpkin_spice_latte"' -X POST \
  -H "Authorization: Bearer $CLOUDCAFE_ADMIN_TOKEN" -H 'Content-Type: application/json' -d "$item" "$base/api/menu/items"
check "GET /api/menu/items/pumpkin_spice_latte" 200 '"price_cents":595' "$base/api/menu/items/pumpkin_spice_latte"
check "GET /api/menu?store_id=1 (old ETag, new version)" 200 'pumpkin_spice_latte' -H "If-None-Match: $etag" \
  "$base/api/menu?store_id=1"

echo
stopped=0
for name in gateway menu; do
  pid_var="${name}_pid"; pid=${!pid_var}
  kill -TERM "$pid"
  if wait "$pid"; then
    echo "$name stopped cleanly (exit 0)"
  else
    echo "$name exited with status $? after SIGTERM"; failures=$((failures + 1))
  fi
  stopped=$((stopped + 1))
done
kill "$watchdog" 2>/dev/null || true

if [ "$failures" -ne 0 ]; then
  echo "demo: $failures check(s) failed; logs follow" >&2
  cat "$work/menu.log" "$work/gateway.log" >&2
  exit 1
fi
echo "demo: all checks passed"
