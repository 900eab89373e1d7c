-- insert.lua: wrk script for the single-row INSERT scenario.
-- Every request inserts one new row into bench_kv through POST /v1/sql with
-- params [id, "x"]. Ids never collide:
--   * across threads: thread k (0-based) uses ids INSERT_BASE + k*INSERT_STRIDE,
--     +1, +2, ... (offset handed to the thread in setup() via thread:set);
--   * across runs: run.sh gives each run its own INSERT_BASE, all above the
--     10,000 preloaded rows, with INSERT_STRIDE * threads <= the run's span.
-- Non-2xx answers (a duplicate key would be a 409) are counted and printed in
-- done() as "non-2xx responses: N", with the id range each thread used.

local base = tonumber(os.getenv("INSERT_BASE") or "10001")
local stride = tonumber(os.getenv("INSERT_STRIDE") or "100000000")
local threads = {}

function setup(thread)
   local index = #threads
   table.insert(threads, thread)
   thread:set("offset", base + index * stride)
end

function init(args)
   counter = 0
   non2xx = 0
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
end

function request()
   local id = offset + counter
   counter = counter + 1
   if counter >= stride then
      error("insert.lua: thread ran out of its id range; raise INSERT_STRIDE")
   end
   local body = string.format(
      '{"sql":"INSERT INTO bench_kv (id, v) VALUES ($1, $2)","params":[%d,"x"]}', id)
   return wrk.format(nil, nil, nil, body)
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local total = 0
   for i, thread in ipairs(threads) do
      total = total + (thread:get("non2xx") or 0)
      local first = thread:get("offset")
      local used = thread:get("counter") or 0
      io.write(string.format("thread %d ids: %d..%d (%d generated)\n",
                             i, first, first + used - 1, used))
   end
   io.write(string.format("non-2xx responses: %d\n", total))
end
