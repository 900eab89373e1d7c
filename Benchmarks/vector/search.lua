-- search.lua: wrk script posting nearest-neighbour searches to a vector store.
-- Bodies are read from the file named by SEARCH_BODIES (one JSON body per
-- line, written by http_search.sh from the data set's query vectors) and
-- sent in turn; the path comes from SEARCH_PATH. wrk itself counts non-2xx
-- answers ("Non-2xx or 3xx responses"); a response() callback would make it
-- parse every body in Lua and cost the client CPU the server shares.

local bodies = {}
for line in io.lines(os.getenv("SEARCH_BODIES")) do bodies[#bodies + 1] = line end
local path = os.getenv("SEARCH_PATH")

-- Each thread formats every request once, up front: the client then spends
-- its CPU (shared with the server on a small machine) on sending only.
local requests = {}

function init(args)
   counter = 0
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   for i, body in ipairs(bodies) do requests[i] = wrk.format(nil, path, nil, body) end
end

function request()
   counter = counter + 1
   return requests[(counter % #requests) + 1]
end

function done(summary, latency, requests)
   io.write(string.format("requests/s %.1f  p50 %.3f ms  p99 %.3f ms\n",
      summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000))
end
