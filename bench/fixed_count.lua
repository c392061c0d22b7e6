-- wrk script for bench/profile.sh: a fixed number of requests instead of a
-- fixed time, so that a profile (callgrind counts instructions) covers the
-- same work on every run. Arguments: the number of responses each thread
-- waits for, and a path prefix. A thread that has them stops and creates
-- PREFIX.<thread number>; wrk itself would wait out its -d, so profile.sh
-- interrupts it once every thread's file exists. Counts non-200 answers
-- like status_check.lua.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  limit = tonumber(args[1])
  marker = args[2] .. "." .. number
  count = 0
  non200 = 0
end

function response(status, headers, body)
  count = count + 1
  if status ~= 200 then non200 = non200 + 1 end
  if count == limit then
    io.open(marker, "w"):close()
    wrk.thread:stop()
  end
end

function done(summary, latency, requests)
  local bad = 0
  for _, thread in ipairs(threads) do bad = bad + thread:get("non200") end
  local e = summary.errors
  io.write(string.format("BENCH_RESULT requests=%d non200=%d connect=%d read=%d write=%d timeout=%d\n",
    summary.requests, bad, e.connect, e.read, e.write, e.timeout))
end
