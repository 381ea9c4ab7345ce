-- POST prepared JSON bodies, one per line of a file, in file order.
--
--   wrk -t1 -c8 -d10s -s post.lua http://127.0.0.1:PORT -- FILE KEY PATH [OFFSET] [LIMIT] [THREADS]
--
-- FILE holds one request body per line (a question, or a batch of questions). Each wrk thread
-- walks its own slice of the first LIMIT lines (all when 0), starting OFFSET lines in, and wraps
-- around at the end, so a run repeats a question only when it sends more requests than there
-- are lines. THREADS repeats wrk's -t (a thread cannot count the others). done() prints one
-- line, "WRKJSON {...}", for benchmarks/run.py to read.

local threads = {}

function setup(thread)
   thread:set("tid", #threads)
   table.insert(threads, thread)
end

local bodies = {}
local count = 0
local position = 0
local headers = {}
local path = "/"

function init(args)
   local file, key = args[1], args[2]
   path = args[3] or "/"
   local offset = tonumber(args[4] or "0")
   local limit = tonumber(args[5] or "0")
   for line in io.lines(file) do
      if limit > 0 and count >= limit then break end
      count = count + 1
      bodies[count] = line
   end
   if count == 0 then error("no request bodies in " .. file) end
   headers["Authorization"] = "Bearer " .. key
   headers["Content-Type"] = "application/json"
   -- Whole requests, made once: wrk shares the measured machine, and formatting each request
   -- as it was sent took about a tenth of wrk's CPU (get.lua makes its one request once too).
   for i = 1, count do
      bodies[i] = wrk.format("POST", path, headers, bodies[i])
   end
   local nthreads = tonumber(args[6] or "1")
   position = (offset + math.floor((tid or 0) * count / nthreads)) % count
end

function request()
   position = position % count + 1
   return bodies[position]
end

function done(summary, latency, requests)
   local e = summary.errors
   io.write(string.format(
      'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "connect_errors": %d, ' ..
      '"read_errors": %d, "write_errors": %d, "status_errors": %d, "timeouts": %d, ' ..
      '"p50_us": %d, "p90_us": %d, "p99_us": %d, "p999_us": %d, "mean_us": %.1f, "max_us": %d}\n',
      summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
      e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
      latency:percentile(99.9), latency.mean, latency.max))
end
