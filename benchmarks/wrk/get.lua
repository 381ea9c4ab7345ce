-- GET one path again and again: the baseline (a trivial JSON view of the same project).
--
--   wrk -t1 -c8 -d10s -s get.lua http://127.0.0.1:PORT -- PATH [KEY]
--
-- With KEY, the request carries "Authorization: Bearer KEY". done() prints "WRKJSON {...}".

local request_text

function init(args)
   local headers = {}
   if args[2] and args[2] ~= "" then headers["Authorization"] = "Bearer " .. args[2] end
   request_text = wrk.format("GET", args[1] or "/", headers)
end

function request()
   return request_text
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
