-- select.lua: wrk script for the primary-key SELECT scenario.
-- Every request asks POST /v1/sql for one row of bench_kv with a random id in
-- 1..BENCH_ROWS (default 10000), bound as $1. Non-2xx answers are counted per
-- thread and summed in done() ("non-2xx responses: N"), which run.sh parses.

local rows = tonumber(os.getenv("BENCH_ROWS") or "10000")
local threads = {}

function setup(thread)
   table.insert(threads, thread)
   thread:set("tid", #threads)
end

function init(args)
   non2xx = 0
   math.randomseed(os.time() * 1000 + (tid or 0) * 7919)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   local id = math.random(1, rows)
   local body = string.format(
      '{"sql":"SELECT id, v FROM bench_kv WHERE id = $1","params":[%d]}', id)
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local total = 0
   for _, thread in ipairs(threads) do
      total = total + (thread:get("non2xx") or 0)
   end
   io.write(string.format("non-2xx responses: %d\n", total))
end
