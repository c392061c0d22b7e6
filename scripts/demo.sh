#!/usr/bin/env bash
# `make demo`: the local cluster. `cloudcafe up --detach` starts the bus,
# two menu replicas and the gateway as real processes; a fixed list of real
# requests goes through the gateway, each shown with its answer and
# checked; `status` shows the cluster; a menu replica is killed (SIGKILL)
# while requests keep coming, and is replaced; `down` stops everything.
# Bounded in time, cleans up on any exit, fails on any mismatch.
set -euo pipefail
binary=$(realpath "${1:?usage: demo.sh path/to/cloudcafe}")
work=$(mktemp -d -t cloudcafe-demo.XXXXXX)
data="$work/var"
watchdog=""
cleanup() {
  "$binary" down --data-dir "$data" >/dev/null 2>&1 || true
  [ -n "$watchdog" ] && kill "$watchdog" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
# Bounded in time whatever happens.
( sleep 180; echo "demo: timed out after 180 s" >&2; kill -TERM $$ ) &
watchdog=$!
failures=0

echo "$ cloudcafe up --detach --data-dir $data"
"$binary" up --detach --data-dir "$data"
gateway=$(sed -n 's/.*"gateway":"\([^"]*\)".*/\1/p' "$data/cluster.json")
CLOUDCAFE_ADMIN_TOKEN=$(cat "$data/admin.token")
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
# The write landed on one menu replica; the other learns of it from the
# CatalogChanged event on the bus. Each replica is asked directly until both
# know the item: how long the change took to reach every replica.
replicas=$("$binary" status --json --data-dir "$data" |
  grep -o '"replica":"menu/[0-9]*","node":"[^"]*","pid":[0-9]*,"port":[0-9]*,"address":"[^"]*"' |
  sed 's/.*"address":"\([^"]*\)"/\1/')
started=$(date +%s%N)
for replica in $replicas; do
  for _ in $(seq 1 200); do
    [ "$(curl -s --max-time 2 -o /dev/null -w '%{http_code}' "http://$replica/api/menu/items/pumpkin_spice_latte")" = 200 ] && break
    sleep 0.01
  done
done
echo "    the new item reached every menu replica within $((($(date +%s%N) - started) / 1000000)) ms"
check "GET /api/menu/items/pumpkin_spice_latte" 200 '"price_cents":595' "$base/api/menu/items/pumpkin_spice_latte"
check "GET /api/menu?store_id=1 (old ETag, new version)" 200 'pumpkin_spice_latte' -H "If-None-Match: $etag" \
  "$base/api/menu?store_id=1"

echo
echo "$ cloudcafe status"
"$binary" status --data-dir "$data"

echo
echo "A menu replica dies (SIGKILL) while a customer keeps browsing:"
victim=$("$binary" status --json --data-dir "$data" | sed -n 's/.*"replica":"menu\/1","node":"[^"]*","pid":\([0-9]*\).*/\1/p')
ok=0; failed=0
kill -KILL "$victim"
echo "    killed menu/1 (pid $victim)"
for _ in $(seq 1 150); do
  code=$(curl -s --max-time 5 -o /dev/null -w '%{http_code}' "$base/api/menu?store_id=1" || true)
  if [ "$code" = 200 ]; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
  sleep 0.01
done
replacement=$("$binary" status --json --data-dir "$data" | sed -n 's/.*"replica":"menu\/1","node":"[^"]*","pid":\([0-9]*\),[^}]*"state":"\([a-z-]*\)".*/\1 \2/p')
echo "    $ok requests answered 200, $failed failed; menu/1 now: pid ${replacement% *}, ${replacement#* }"
if [ "$failed" -ne 0 ] || [ "${replacement% *}" = "$victim" ] || [ "${replacement#* }" != ready ]; then
  echo "    MISMATCH: wanted every request answered and menu/1 replaced"
  failures=$((failures + 1))
fi

echo
echo "$ cloudcafe logs supervisor (last lines)"
"$binary" logs supervisor --data-dir "$data" | tail -n 6

echo
echo "$ cloudcafe down"
if ! "$binary" down --data-dir "$data"; then failures=$((failures + 1)); fi

if [ "$failures" -ne 0 ]; then
  echo "demo: $failures check(s) failed; logs follow" >&2
  "$binary" logs --data-dir "$data" | tail -n 60 >&2 || true
  exit 1
fi
echo "demo: all checks passed"
