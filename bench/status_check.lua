-- wrk script for bench/run.sh: counts every response whose status is not
-- 200 and prints one machine-readable result line, so run.sh parses no
-- human-formatted units and can fail a case that answered anything else.
--
-- Each wrk thread has its own Lua state: setup() keeps a handle on every
-- thread so done() (in the main state) can read their counters.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  non200 = 0
  first_bad = 0
end

function response(status, headers, body)
  if status ~= 200 then
    non200 = non200 + 1
    if first_bad == 0 then first_bad = status end
  end
end

function done(summary, latency, requests)
  local bad, first = 0, 0
  for _, thread in ipairs(threads) do
    bad = bad + thread:get("non200")
    local f = thread:get("first_bad")
    if first == 0 and f ~= 0 then first = f end
  end
  local e = summary.errors
  local seconds = summary.duration / 1e6
  io.write(string.format(
    "BENCH_RESULT rps=%.1f requests=%d p50_us=%d p99_us=%d non200=%d first_bad=%d " ..
    "connect=%d read=%d write=%d timeout=%d\n",
    summary.requests / seconds, summary.requests, latency:percentile(50), latency:percentile(99),
    bad, first, e.connect, e.read, e.write, e.timeout))
end
