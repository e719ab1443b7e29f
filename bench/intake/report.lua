-- wrk script: POST /api/v1/reports with a benign, synthetic abuse_material
-- report whose URL differs on every request (example.org only).
--
-- Environment (read in every Lua state, see run.sh):
--   INTAKE_RUN          label put in the URLs so that runs differ (default "run")
--   INTAKE_RATE         total requests/s to aim at; unset or 0 = as fast as possible
--   INTAKE_CONNECTIONS  wrk's -c (needed for the rate: each connection waits C/rate s)
--
-- wrk gives every thread its own Lua state, so the status counts are kept
-- per thread and summed in done() through the thread objects collected in
-- setup() (the pattern of wrk's SCRIPTING docs). done() prints one line
-- "intake-lua: ..." that run.sh reads.

local run   = os.getenv("INTAKE_RUN") or "run"
local rate  = tonumber(os.getenv("INTAKE_RATE") or "0") or 0
local conns = tonumber(os.getenv("INTAKE_CONNECTIONS") or "0") or 0

-- main state ------------------------------------------------------------
local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

-- thread states ---------------------------------------------------------
tid       = 0
counter   = 0
responses = 0
n201      = 0
statuses  = {}   -- status code -> count, for the statuses other than 201

function init(args)
   math.randomseed(os.time() + tid * 7919)
end

local headers = { ["Content-Type"] = "application/json" }

function request()
   counter = counter + 1
   local body = string.format(
      '{"kind":"abuse_material",' ..
      '"urls":["https://example.org/bench/%s/t%d/r%d"],' ..
      '"where":"website",' ..
      '"description":"Synthetic benchmark report %d (benign test data).",' ..
      '"language":"en"}',
      run, tid, counter, counter)
   return wrk.format("POST", "/api/v1/reports", headers, body)
end

function response(status, hdrs, body)
   responses = responses + 1
   if status == 201 then
      n201 = n201 + 1
   else
      statuses[status] = (statuses[status] or 0) + 1
   end
end

-- Rate limiting without wrk2's -R: each connection waits C/rate seconds
-- before each request (wrk calls delay() before every request of a
-- connection; it takes whole milliseconds). The wait is drawn uniformly in
-- [0, 2*C/rate] so connections do not fire in lock-step and the mean stays
-- exactly C/rate. The achieved rate is slightly lower: the service time is
-- added to every connection's cycle.
if rate > 0 then
   if conns <= 0 then
      error("INTAKE_RATE needs INTAKE_CONNECTIONS (wrk -c)")
   end
   local mean_ms = conns * 1000.0 / rate
   function delay()
      return math.floor(math.random() * 2 * mean_ms + 0.5)
   end
end

-- main state, at the end ------------------------------------------------
function done(summary, latency, requests)
   local total, ok, other = 0, 0, {}
   for _, t in ipairs(threads) do
      total = total + (t:get("responses") or 0)
      ok = ok + (t:get("n201") or 0)
      local s = t:get("statuses") or {}
      for code, n in pairs(s) do
         other[code] = (other[code] or 0) + n
      end
   end
   local secs = summary.duration / 1e6
   local e = summary.errors
   local sockerr = e.connect + e.read + e.write + e.timeout
   local codes = {}
   for code, n in pairs(other) do
      codes[#codes + 1] = string.format("%s:%d", tostring(code), n)
   end
   table.sort(codes)
   io.write(string.format(
      "intake-lua: run=%s duration_s=%.3f requests=%d responses=%d acked=%d " ..
      "non201=%d socket_errors=%d rps=%.1f acked_rps=%.1f " ..
      "p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f other_statuses=%s\n",
      run, secs, summary.requests, total, ok, total - ok, sockerr,
      summary.requests / secs, ok / secs,
      latency:percentile(50) / 1000, latency:percentile(90) / 1000,
      latency:percentile(99) / 1000, latency.max / 1000,
      (#codes > 0) and table.concat(codes, ",") or "-"))
end
