-- wrk script: POST /api/v1/reports with a benign, synthetic abuse_material
-- report (example.org only) from a pool of 4,096 per wrk thread sent in
-- turn, each pool entry with its own URL (so 8,192 distinct URLs with two
-- threads, each reported again once the pool comes round), or naming one
-- of INTAKE_URLS distinct URLs (bench/items: a viral spike).
--
-- Environment (read in every Lua state, see run.sh):
--   INTAKE_RUN          label put in the URLs so that runs differ (default "run")
--   INTAKE_RATE         total requests/s to aim at; unset or 0 = as fast as possible
--   INTAKE_CONNECTIONS  wrk's -c   } both needed with INTAKE_RATE
--   INTAKE_THREADS      wrk's -t   }
--   INTAKE_PACING       "schedule" (default) or "fixed", see delay() below
--   INTAKE_URLS         distinct URLs over all threads; unset or 0 = one per
--                       report of the pool below
--
-- wrk gives every thread its own Lua state; setup() numbers the threads so
-- that their URLs differ. done() prints one line "intake-lua: ..." that
-- run.sh reads.

local run   = os.getenv("INTAKE_RUN") or "run"
local rate  = tonumber(os.getenv("INTAKE_RATE") or "0") or 0
local conns = tonumber(os.getenv("INTAKE_CONNECTIONS") or "0") or 0
local urls  = tonumber(os.getenv("INTAKE_URLS") or "0") or 0

-- main state ------------------------------------------------------------
local threads = {}

function setup(thread)
   thread:set("tid", #threads + 1)
   table.insert(threads, thread)
end

-- thread states ---------------------------------------------------------
tid       = 0
counter   = 0

-- Requests are built once, in init(): POOL distinct reports per thread,
-- sent in turn, so that the load generator spends its CPU on sending rather
-- than on formatting (it shares the machine with the server).
local POOL = 4096
local pool = {}

function init(args)
   math.randomseed(os.time() + tid * 7919)
   local headers = { ["Content-Type"] = "application/json" }
   for i = 1, POOL do
      local url
      if urls > 0 then
         url = string.format("https://example.org/viral/%s/u%d", run, (tid * 7919 + i) % urls)
      else
         url = string.format("https://example.org/bench/%s/t%d/r%d", run, tid, i)
      end
      local body = string.format(
         '{"kind":"abuse_material",' ..
         '"urls":["%s"],' ..
         '"where":"website",' ..
         '"description":"Synthetic benchmark report %d (benign test data).",' ..
         '"language":"en"}',
         url, i)
      pool[i] = wrk.format("POST", "/api/v1/reports", headers, body)
   end
end

function request()
   counter = counter + 1
   return pool[(counter - 1) % POOL + 1]
end

-- No response() hook: defining one makes wrk parse every answer into Lua,
-- which costs the load generator more CPU than the server spends on the
-- request. wrk itself counts answers outside 2xx/3xx (summary.errors.status),
-- and POST /api/v1/reports answers 201 and no other 2xx/3xx, so acked =
-- requests - errors.status; run.sh checks it against the rows stored.

-- Rate limiting without wrk2's -R, through wrk's delay() hook, which wrk
-- calls before every request of a connection and which returns whole
-- milliseconds to wait.
--
-- "schedule" (default): each thread hands out send times rate/threads a
-- second apart; a connection ready to send takes the next free time and
-- waits for it, so the offered load is the target whatever the service
-- time (the plain "wait C/rate per connection" adds the service time to
-- every connection's cycle and falls short, ~3,600/s instead of 5,000 at
-- 64 connections and 5 ms). A time already past is not caught up: when the
-- server cannot keep up the achieved rate drops, and run.sh prints it.
-- Needs LuaJIT's ffi for a wall clock (Debian's wrk has it).
--
-- "fixed" (INTAKE_PACING=fixed, or no ffi): each connection waits C/rate s
-- before each request, drawn uniformly in [0, 2C/rate] so the connections
-- do not fire in lock-step.
--
-- Either way wrk times a request from the moment it is written, so waits
-- are not counted as latency.
if rate > 0 then
   if conns <= 0 then
      error("INTAKE_RATE needs INTAKE_CONNECTIONS (wrk -c)")
   end
   local nthreads = tonumber(os.getenv("INTAKE_THREADS") or "0") or 0
   local pacing = os.getenv("INTAKE_PACING") or "schedule"
   local ok, ffi = pcall(require, "ffi")
   if pacing == "schedule" and ok and nthreads > 0 then
      ffi.cdef [[
         typedef struct { long tv_sec; long tv_nsec; } intake_timespec;
         int clock_gettime(int clk, intake_timespec *ts);
      ]]
      local ts = ffi.new("intake_timespec")
      local function now_ms()
         ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
         return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
      end
      local interval = nthreads * 1000.0 / rate -- ms between sends of a thread
      local next_send = nil
      function delay()
         local now = now_ms()
         if next_send == nil or next_send < now then
            next_send = now
         end
         local wait = next_send - now
         next_send = next_send + interval
         return math.floor(wait + 0.5)
      end
   else
      local mean_ms = conns * 1000.0 / rate
      function delay()
         return math.floor(math.random() * 2 * mean_ms + 0.5)
      end
   end
end

-- main state, at the end ------------------------------------------------
function done(summary, latency, requests)
   local e = summary.errors
   local total = summary.requests
   local ok = total - e.status
   local other = {}
   if e.status > 0 then
      other["non-2xx"] = e.status
   end
   local secs = summary.duration / 1e6
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
