-- wrk script for POST /t/collect (tests/benchmarks/bench_tracking.py runs it):
--   wrk -t2 -c64 -d60s --timeout 2s --latency -s wrk_collect.lua URL -- <site key> <run tag> <origin>
-- Each request is a batch of 1–10 events from a visitor of a small rolling pool
-- (a new visitor every ~5 requests, so sessions are continued); ~10 % of the
-- requests are byte-identical replays of an earlier body of the same thread (a
-- client retry). Event ids are "b<tag><thread>-<counter, 8 digits>": unique per run, and
-- the counter tells the benchmark which ids were ever sent. done() prints one
-- line "WRKSTATS {json}" with the per-thread totals and wrk's own figures.
-- Bodies are built by string concatenation from fixed pieces: wrk must not be
-- the bottleneck.

local threads = {}
local next_id = 1

function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
   table.insert(threads, thread)
end

-- per-thread state (each thread has its own Lua state) ------------------------

local POOL = 32            -- visitors active at once per thread
local NEW_VISITOR = 0.2    -- chance a request comes from a fresh visitor (~5 requests each)
local REPLAY = 0.10        -- chance a request is a replay of an earlier body
local RING = 256           -- how far back a replay may reach

local site, tag, prefix
local visitors, attributions = {}, {}
local visitor_counter, event_counter = 0, 0
local ring, ring_events, ring_n = {}, {}, 0
local now_ms = 0

-- totals read by done() through thread:get()
requests, replays, replay_events, unique_events, max_counter = 0, 0, 0, 0, 0
responses, s202, s200, s4xx, s429, s5xx, sother, accepted, duplicates = 0, 0, 0, 0, 0, 0, 0, 0, 0

local ATTRIBUTIONS = {
   -- weight, builder(visitor number) -> JSON object text
   {0.25, function(n) return '{"landing":"https://bench.example.test/?gclid=Cj0KCQ' .. n ..
      '","gclid":"Cj0KCQ' .. n .. '"}' end},
   {0.20, function(n) return '{"landing":"https://bench.example.test/kampanya?utm_source=google&utm_medium=cpc",' ..
      '"utm_source":"google","utm_medium":"cpc","utm_campaign":"bahar-' .. (n % 7) .. '"}' end},
   {0.10, function(n) return '{"landing":"https://bench.example.test/?fbclid=IwAR' .. n ..
      '","fbclid":"IwAR' .. n .. '"}' end},
   {0.25, function(n) return '{"landing":"https://bench.example.test/hizmetler",' ..
      '"referrer":"https://www.google.com/"}' end},
   {0.20, function(n) return '{"landing":"https://bench.example.test/"}' end},
}

local function new_attribution(n)
   local r, acc = math.random(), 0
   for _, entry in ipairs(ATTRIBUTIONS) do
      acc = acc + entry[1]
      if r < acc then return entry[2](n) end
   end
   return ATTRIBUTIONS[#ATTRIBUTIONS][2](n)
end

local function new_visitor(slot)
   visitor_counter = visitor_counter + 1
   visitors[slot] = prefix .. "v" .. visitor_counter .. "-visitor"
   attributions[slot] = new_attribution(visitor_counter)
end

function init(args)
   site, tag = args[1], args[2]
   prefix = tag .. id
   math.randomseed(id * 7919 + #tag)
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "text/plain;charset=UTF-8"
   wrk.headers["Origin"] = args[3]
   for slot = 1, POOL do new_visitor(slot) end
end

-- one event: mostly pageviews and engagement, some custom, clicks and forms
local function event(ts)
   event_counter = event_counter + 1
   local head = '{"id":"b' .. prefix .. string.format("-%08d", event_counter) .. '","ts":' .. ts
   local r = math.random()
   if r < 0.55 then
      local page = math.random(40)
      return head .. ',"type":"pageview","url":"https://bench.example.test/sayfa/' .. page ..
         '","title":"Sayfa ' .. page .. '"}'
   elseif r < 0.88 then
      return head .. ',"type":"engagement","url":"https://bench.example.test/sayfa/' .. math.random(40) ..
         '","data":{"seconds":' .. math.random(0, 120) .. ',"scroll":' .. math.random(0, 100) .. '}}'
   elseif r < 0.94 then
      return head .. ',"type":"custom","url":"https://bench.example.test/urun/' .. math.random(200) ..
         '","data":{"name":"add_to_cart","props":{"sku":"SKU' .. math.random(500) .. '","price":199.9}}}'
   elseif r < 0.97 then
      return head .. ',"type":"click","url":"https://bench.example.test/iletisim",' ..
         '"data":{"kind":"tel","target":"tel:+902120000000"}}'
   elseif math.random() < 0.05 then  -- a form with contact details: a lead
      return head .. ',"type":"form","url":"https://bench.example.test/iletisim","data":{"form":"iletisim",' ..
         '"tracked":true,"fields":{"name":"Bench Ziyaretçi","phone":"+90532' .. math.random(1000000, 9999999) .. '"}}}'
   else
      return head .. ',"type":"form","url":"https://bench.example.test/bulten","data":{"form":"bulten","tracked":false}}'
   end
end

local verified = false

request = function()
   if id == 1 and not verified then
      -- wrk calls request() once in the first thread only to check that it
      -- parses, and never sends it: answer without using up any ids.
      verified = true
      return wrk.format(nil, "/t/collect", nil, "{}")
   end
   requests = requests + 1
   if ring_n > 0 and math.random() < REPLAY then
      local pick = math.random(math.min(ring_n, RING))
      replays = replays + 1
      replay_events = replay_events + ring_events[pick]
      return wrk.format(nil, "/t/collect", nil, ring[pick])
   end
   local slot = math.random(POOL)
   if math.random() < NEW_VISITOR then new_visitor(slot) end
   now_ms = os.time() * 1000 + (requests % 1000)
   local n = math.random(10)
   local events = {}
   for i = 1, n do events[i] = event(now_ms - (n - i) * 500) end
   unique_events = unique_events + n
   max_counter = event_counter
   local body = '{"site":"' .. site .. '","visitor":"' .. visitors[slot] .. '","sent_at":' .. now_ms ..
      ',"attribution":' .. attributions[slot] .. ',"events":[' .. table.concat(events, ",") .. "]}"
   ring_n = ring_n + 1
   local at = (ring_n - 1) % RING + 1
   ring[at], ring_events[at] = body, n
   return wrk.format(nil, "/t/collect", nil, body)
end

response = function(status, headers, body)
   responses = responses + 1
   if status == 202 then
      s202 = s202 + 1
   elseif status == 200 then
      s200 = s200 + 1
   elseif status >= 500 then
      s5xx = s5xx + 1
   elseif status >= 400 then
      s4xx = s4xx + 1
      if status == 429 then s429 = s429 + 1 end
   else
      sother = sother + 1
   end
   if status == 202 or status == 200 then
      local a, d = string.match(body, '"accepted": *(%d+), *"duplicates": *(%d+)')
      if a then
         accepted = accepted + tonumber(a)
         duplicates = duplicates + tonumber(d)
      end
   end
end

local FIELDS = {"requests", "replays", "replay_events", "unique_events", "max_counter", "responses", "s202", "s200",
                "s4xx", "s429", "s5xx", "sother", "accepted", "duplicates"}

function done(summary, latency, reqs)
   local parts = {}
   for _, thread in ipairs(threads) do
      local fields = {'"id":' .. thread:get("id")}
      for _, name in ipairs(FIELDS) do
         fields[#fields + 1] = '"' .. name .. '":' .. string.format("%d", thread:get(name))
      end
      parts[#parts + 1] = "{" .. table.concat(fields, ",") .. "}"
   end
   local e = summary.errors
   io.write(string.format(
      'WRKSTATS {"duration_us":%d,"requests":%d,"bytes":%d,' ..
      '"errors":{"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d},' ..
      '"latency_us":{"p50":%d,"p90":%d,"p99":%d,"max":%d,"mean":%.1f},"threads":[%s]}\n',
      summary.duration, summary.requests, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean,
      table.concat(parts, ",")))
end
