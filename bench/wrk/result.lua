-- Shared by the wrk scripts: counts responses by status per thread, and at the end writes one JSON
-- object to $WRK_OUT: requests, ok (status 200 only),
-- non200, socket errors, seconds, 200s per second, and latency mean/p50/p99/max in ms (wrk's histogram
-- of all requests).
ok, non200 = 0, 0
local threads = {}

function register(thread)
  table.insert(threads, thread)
end

function response(status, headers, body)
  if status == 200 then ok = ok + 1 else non200 = non200 + 1 end
end

function done(summary, latency, requests)
  local total_ok, total_non200 = 0, 0
  for _, thread in ipairs(threads) do
    total_ok = total_ok + thread:get("ok")
    total_non200 = total_non200 + thread:get("non200")
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local f = io.open(os.getenv("WRK_OUT"), "w")
  f:write(string.format(
    '{"tool": "wrk", "status": "%s", "requests": %d, "ok": %d, "non200": %d, ' ..
    '"socketErrors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "seconds": %.3f, ' ..
    '"requestsPerSecond": %.1f, "mean": %.3f, "p50": %.3f, "p99": %.3f, "max": %.3f}\n',
    total_ok > 0 and "ok" or "failed", summary.requests, total_ok, total_non200,
    e.connect, e.read, e.write, e.timeout, seconds, total_ok / seconds, latency.mean / 1000,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  f:close()
end
